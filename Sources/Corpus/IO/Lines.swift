/// Calls `body` with each line of `bytes` and its 1-based number: LF or CRLF
/// endings (the CR is dropped), a UTF-8 byte-order mark skipped, no empty
/// line after a final newline. The one line splitter of the text formats
/// (vocabulary files, metrics files, predict's input).
public func forEachLine(in bytes: UnsafeRawBufferPointer, _ body: (Int, UnsafeRawBufferPointer) throws -> Void) rethrows {
    var start = 0
    if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { start = 3 }
    var line = 1
    var i = start
    while i < bytes.count {
        if bytes[i] == 0x0A {
            let end = i > start && bytes[i - 1] == 0x0D ? i - 1 : i
            try body(line, UnsafeRawBufferPointer(rebasing: bytes[start ..< end]))
            line += 1
            start = i + 1
        }
        i += 1
    }
    if start < bytes.count {
        let end = bytes[bytes.count - 1] == 0x0D ? bytes.count - 1 : bytes.count
        try body(line, UnsafeRawBufferPointer(rebasing: bytes[start ..< end]))
    }
}
