#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file's bytes, memory-mapped read-only (or read into memory where mapping
/// is impossible, e.g. a pipe). Parsers work on `bytes` directly, so a large
/// CSV costs no copy.
public final class MappedFile {
    public let path: String
    public let bytes: UnsafeRawBufferPointer
    private let mapped: Bool

    /// Opens `path`; errors name the path and the reason.
    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DataError(file: path, line: 0, "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw DataError(file: path, line: 0, "cannot stat: \(String(cString: strerror(errno)))") }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw DataError(file: path, line: 0, "is a directory, not a file") }
        let size = Int(st.st_size)
        if (st.st_mode & S_IFMT) == S_IFREG && size > 0 {
            let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
            if let p, p != MAP_FAILED {
                madvise(p, size, MADV_SEQUENTIAL)
                bytes = UnsafeRawBufferPointer(start: p, count: size)
                mapped = true
                return
            }
        }
        // Not a regular file (pipe, /dev/stdin) or mmap failed: read it all.
        var buffer = UnsafeMutableRawPointer.allocate(byteCount: max(size, 1 << 16), alignment: 16)
        var capacity = max(size, 1 << 16), count = 0
        while true {
            if count == capacity {
                let bigger = UnsafeMutableRawPointer.allocate(byteCount: capacity * 2, alignment: 16)
                bigger.copyMemory(from: buffer, byteCount: count)
                buffer.deallocate()
                buffer = bigger
                capacity *= 2
            }
            let n = read(fd, buffer + count, capacity - count)
            if n < 0 {
                if errno == EINTR { continue }
                buffer.deallocate()
                throw DataError(file: path, line: 0, "cannot read: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            count += n
        }
        bytes = UnsafeRawBufferPointer(start: buffer, count: count)
        mapped = false
    }

    /// Runs `body` on the bytes while the mapping is guaranteed alive (Swift
    /// may release an object after its last use, so a bare `bytes` read must
    /// not outlive the `MappedFile`).
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withExtendedLifetime(self) { try body(bytes) }
    }

    deinit {
        guard let base = bytes.baseAddress else { return }
        if mapped { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) } else { UnsafeMutableRawPointer(mutating: base).deallocate() }
    }
}
