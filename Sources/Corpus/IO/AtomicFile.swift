#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed file write: names the path and the system's reason.
public struct FileWriteError: Error, CustomStringConvertible, Equatable {
    public var path: String
    public var reason: String
    public var description: String { "cannot write \(path): \(reason)" }

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
}

/// Writing files so that a crash, a full disk or a bad path never leaves a
/// partial file where a good one was: the bytes go to a temporary file in the
/// same folder (`.NAME.tmp-PID`), are flushed to disk with fsync, and the
/// temporary file is then renamed over the target (atomic on POSIX file
/// systems). On any failure the temporary file is removed.
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to path: String) throws {
        try bytes.withUnsafeBytes { try write($0, to: path) }
    }

    public static func write(_ bytes: UnsafeRawBufferPointer, to path: String) throws {
        let (dir, name) = split(path)
        let temp = (dir.isEmpty ? "" : dir + "/") + ".\(name).tmp-\(getpid())"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileWriteError(path: path, reason: reason()) }
        let pending = PendingTempFiles.add(temp)
        var ok = false
        defer {
            if !ok { unlink(temp) }
            PendingTempFiles.remove(pending)
        }
        var written = 0
        while written < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + written, bytes.count - written)
            if n < 0 {
                if errno == EINTR { continue }
                let r = reason()
                close(fd)
                throw FileWriteError(path: path, reason: r)
            }
            written += n
        }
        if fsync(fd) != 0 {
            let r = reason()
            close(fd)
            throw FileWriteError(path: path, reason: r)
        }
        if close(fd) != 0 { throw FileWriteError(path: path, reason: reason()) }
        if rename(temp, path) != 0 { throw FileWriteError(path: path, reason: reason()) }
        ok = true
        // Make the rename itself durable.
        let dfd = open(dir.isEmpty ? "." : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 { fsync(dfd); close(dfd) }
    }

    /// Refuses, before any long work, a path that cannot be written: its
    /// folder is missing or not writable, or it names a folder.
    public static func checkWritable(path: String) throws {
        let (dir, _) = split(path)
        var st = stat()
        if stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
            throw FileWriteError(path: path, reason: "is a directory")
        }
        let folder = dir.isEmpty ? "." : dir
        guard stat(folder, &st) == 0 else { throw FileWriteError(path: path, reason: "folder \(folder) does not exist") }
        guard (st.st_mode & S_IFMT) == S_IFDIR else { throw FileWriteError(path: path, reason: "\(folder) is not a folder") }
        guard access(folder, W_OK) == 0 else { throw FileWriteError(path: path, reason: "folder \(folder) is not writable") }
    }

    static func split(_ path: String) -> (dir: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        let dir = String(path[..<slash])
        return (dir.isEmpty ? "/" : dir, String(path[path.index(after: slash)...]))
    }

    static func reason() -> String { String(cString: strerror(errno)) }
}
