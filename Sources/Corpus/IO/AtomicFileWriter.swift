#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `AtomicFile` for output too large to hold in memory: bytes are appended
/// (buffered) to a temporary file in the target's folder (`.NAME.tmp-PID`),
/// and `commit()` flushes, syncs and renames it over the target. Until then
/// the target is untouched; `discard()`, or dropping an uncommitted writer,
/// removes the temporary file.
public final class AtomicFileWriter {
    public let path: String
    private let temp: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    private let bufferSize = 1 << 20
    private var finished = false
    private var pending: Int?
    public private(set) var bytesWritten = 0

    public init(path: String) throws {
        self.path = path
        let (dir, name) = AtomicFile.split(path)
        temp = (dir.isEmpty ? "" : dir + "/") + ".\(name).tmp-\(getpid())"
        fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileWriteError(path: path, reason: AtomicFile.reason()) }
        pending = PendingTempFiles.add(temp)
        buffer.reserveCapacity(bufferSize)
    }

    deinit { if !finished { discard() } }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        if buffer.count + bytes.count > bufferSize { try flush() }
        if bytes.count >= bufferSize {
            try writeAll(bytes)
        } else {
            buffer.append(contentsOf: bytes)
        }
        bytesWritten += bytes.count
    }

    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Makes the file appear at `path`, complete.
    public func commit() throws {
        precondition(!finished, "commit after commit or discard")
        do {
            try flush()
            if fsync(fd) != 0 { throw FileWriteError(path: path, reason: AtomicFile.reason()) }
            let r = close(fd)
            fd = -1
            if r != 0 { throw FileWriteError(path: path, reason: AtomicFile.reason()) }
            if rename(temp, path) != 0 { throw FileWriteError(path: path, reason: AtomicFile.reason()) }
            PendingTempFiles.remove(pending)
        } catch {
            discard()
            throw error
        }
        finished = true
        let (dir, _) = AtomicFile.split(path)
        let dfd = open(dir.isEmpty ? "." : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 { fsync(dfd); close(dfd) }
    }

    /// Removes the temporary file; the target stays as it was.
    public func discard() {
        if fd >= 0 { close(fd); fd = -1 }
        unlink(temp)
        PendingTempFiles.remove(pending)
        finished = true
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try writeAll($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        var written = 0
        while written < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + written, bytes.count - written)
            if n < 0 {
                if errno == EINTR { continue }
                throw FileWriteError(path: path, reason: AtomicFile.reason())
            }
            written += n
        }
    }
}
