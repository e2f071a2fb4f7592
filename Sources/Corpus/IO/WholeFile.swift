#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a whole file into the front of a reused buffer (a `read` loop, no
/// mapping: the corpus is many small files) and returns its length. The
/// buffer only grows, so it is zero-filled once, not per file.
func readWholeFile(_ path: String, into buffer: inout [UInt8]) throws -> Int {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw DataError(file: path, line: 0, "cannot open: \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0 else { throw DataError(file: path, line: 0, "cannot stat: \(String(cString: strerror(errno)))") }
    if (st.st_mode & S_IFMT) == S_IFDIR { throw DataError(file: path, line: 0, "is a folder, not a file") }
    var count = 0
    if buffer.count < Int(st.st_size) + 1 { buffer += repeatElement(0, count: Int(st.st_size) + 1 - buffer.count) }
    while true {
        if count == buffer.count { buffer += repeatElement(0, count: max(buffer.count, 4096)) }
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + count, $0.count - count) }
        if n < 0 {
            if errno == EINTR { continue }
            throw DataError(file: path, line: 0, "cannot read: \(String(cString: strerror(errno)))")
        }
        if n == 0 { break }
        count += n
    }
    return count
}
