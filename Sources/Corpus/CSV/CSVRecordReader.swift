/// An RFC 4180 record reader over raw bytes: quoted fields with doubled
/// quotes, commas and newlines inside quotes, LF or CRLF line ends, a leading
/// UTF-8 byte-order mark. It tracks physical line numbers (newlines inside
/// quoted fields count), so errors can point at the line a user's editor
/// shows. No allocation per field: a record is a list of byte ranges.
struct CSVRecordReader {
    let bytes: UnsafeRawBufferPointer
    let fileName: String
    private(set) var position = 0
    /// Physical line (1-based) where the next record starts.
    private(set) var line = 1

    /// One field: bytes `start ..< end`; `escaped` when it holds doubled
    /// quotes that must be collapsed before use.
    struct Field {
        var start: Int
        var end: Int
        var escaped: Bool
    }

    init(bytes: UnsafeRawBufferPointer, fileName: String) {
        self.bytes = bytes
        self.fileName = fileName
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { position = 3 }
    }

    var atEnd: Bool { position >= bytes.count }

    /// Reads the next record into `fields`; returns the physical line it
    /// started on, or nil at the end of the input. Blank lines are skipped.
    mutating func next(into fields: inout [Field]) throws -> Int? {
        let n = bytes.count
        while position < n {
            // Skip blank lines.
            let b = bytes[position]
            if b == 0x0A { position += 1; line += 1; continue }
            if b == 0x0D && position + 1 < n && bytes[position + 1] == 0x0A { position += 2; line += 1; continue }
            break
        }
        guard position < n else { return nil }
        let recordLine = line
        fields.removeAll(keepingCapacity: true)
        var i = position
        while true {
            if i < n && bytes[i] == 0x22 { // quoted field
                let fieldLine = line
                let start = i + 1
                var j = start
                var escaped = false
                while true {
                    guard j < n else { throw DataError(file: fileName, line: fieldLine, "unterminated quoted field (opening quote never closed)") }
                    let c = bytes[j]
                    if c == 0x22 {
                        if j + 1 < n && bytes[j + 1] == 0x22 { escaped = true; j += 2; continue }
                        break
                    }
                    if c == 0x0A { line += 1 }
                    j += 1
                }
                fields.append(Field(start: start, end: j, escaped: escaped))
                i = j + 1
                if i < n {
                    let c = bytes[i]
                    if c != 0x2C && c != 0x0A && c != 0x0D {
                        throw DataError(file: fileName, line: line, "unexpected character '\(printable(c))' after a closing quote (a quote inside a field must be doubled)")
                    }
                }
            } else { // unquoted field
                let start = i
                while i < n {
                    let c = bytes[i]
                    if c == 0x2C || c == 0x0A || c == 0x0D { break }
                    i += 1
                }
                fields.append(Field(start: start, end: i, escaped: false))
            }
            // Field separator or record end.
            if i >= n { break }
            let c = bytes[i]
            if c == 0x2C { i += 1; continue }
            if c == 0x0D {
                i += 1
                if i < n && bytes[i] == 0x0A { i += 1 }
                line += 1
                break
            }
            if c == 0x0A { i += 1; line += 1; break }
        }
        position = i
        return recordLine
    }

    /// The text of a field (doubled quotes collapsed).
    func string(_ f: Field) -> String {
        let slice = UnsafeRawBufferPointer(rebasing: bytes[f.start ..< f.end])
        var s = String(decoding: slice, as: UTF8.self)
        if f.escaped { s = s.replacingDoubledQuotes() }
        return s
    }
}

func printable(_ c: UInt8) -> String {
    c >= 0x20 && c < 0x7F ? String(UnicodeScalar(c)) : "\\x" + String(c, radix: 16)
}

extension String {
    func replacingDoubledQuotes() -> String {
        var out = ""
        var lastWasQuote = false
        for ch in self {
            if ch == "\"" {
                if lastWasQuote { lastWasQuote = false; continue }
                lastWasQuote = true
            } else {
                lastWasQuote = false
            }
            out.append(ch)
        }
        return out
    }
}
