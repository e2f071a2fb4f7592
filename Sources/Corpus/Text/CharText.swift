/// The characters of a text file as ids, for a character-level language
/// model: the vocabulary is the file's distinct Unicode scalars in code-point
/// order (so UTF-8 text of any script works), id k being the k-th.
///
/// Input rules (what `rnntrain charlm --text` documents): the file must be
/// UTF-8; a leading byte-order mark is skipped; every other scalar, line
/// breaks (`\n`, `\r`) included, is a character of the text. A malformed
/// byte sequence is an error naming the line and byte offset, never replaced
/// silently; an empty file is an error.
public struct CharText: Sendable {
    public let ids: [Int32]
    public let vocabulary: CharVocabulary

    public init(ids: [Int32], vocabulary: CharVocabulary) {
        self.ids = ids
        self.vocabulary = vocabulary
    }

    public var count: Int { ids.count }

    /// Reads and decodes `path`.
    public static func load(path: String) throws -> CharText {
        let file = try MappedFile(path: path)
        return try file.withBytes { try parse($0, fileName: path) }
    }

    /// Decodes UTF-8 `bytes` (`fileName` names the file in errors) and
    /// builds the vocabulary of the scalars that occur.
    public static func parse(_ bytes: UnsafeRawBufferPointer, fileName: String) throws -> CharText {
        let scalars = try decodeUTF8(bytes, fileName: fileName)
        guard !scalars.isEmpty else { throw DataError(file: fileName, line: 0, "the text is empty") }
        let vocabulary = CharVocabulary(Set(scalars).sorted().map { Unicode.Scalar($0)! })
        var ids = [Int32](repeating: 0, count: scalars.count)
        for (i, s) in scalars.enumerated() { ids[i] = vocabulary.id(of: s)! }
        return CharText(ids: ids, vocabulary: vocabulary)
    }

    /// The code points of UTF-8 `bytes`, byte by byte (a leading BOM
    /// skipped). Overlong forms, surrogates, values past U+10FFFF and
    /// truncated sequences are refused with their line and byte offset.
    public static func decodeUTF8(_ bytes: UnsafeRawBufferPointer, fileName: String) throws -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(bytes.count)
        var i = bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
        var line = 1
        while i < bytes.count {
            let b0 = UInt32(bytes[i])
            if b0 < 0x80 {
                if b0 == 0x0A { line += 1 }
                out.append(b0)
                i += 1
                continue
            }
            let (n, low, first): (Int, UInt32, UInt32) = b0 >= 0xC2 && b0 <= 0xDF ? (2, 0x80, b0 & 0x1F)
                : b0 >= 0xE0 && b0 <= 0xEF ? (3, 0x800, b0 & 0x0F)
                : b0 >= 0xF0 && b0 <= 0xF4 ? (4, 0x10000, b0 & 0x07) : (0, 0, 0)
            var v = first
            var ok = n > 0 && i + n <= bytes.count
            if ok {
                for k in 1 ..< n {
                    let b = UInt32(bytes[i + k])
                    if b & 0xC0 != 0x80 { ok = false; break }
                    v = v << 6 | (b & 0x3F)
                }
            }
            if !ok || v < low || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF) {
                throw DataError(file: fileName, line: line, "not UTF-8 (byte 0x\(String(b0, radix: 16, uppercase: true)) at offset \(i)); "
                    + "the text must be UTF-8 (convert it first, e.g. iconv -f latin1 -t utf-8)")
            }
            out.append(v)
            i += n
        }
        return out
    }
}

/// The characters a model knows, id k = `scalars[k]` (code-point order).
public struct CharVocabulary: Sendable, Equatable {
    public let scalars: [Unicode.Scalar]
    private let index: [UInt32: Int32]

    public init(_ scalars: [Unicode.Scalar]) {
        self.scalars = scalars
        var index: [UInt32: Int32] = [:]
        for (i, s) in scalars.enumerated() { index[s.value] = Int32(i) }
        self.index = index
    }

    /// The vocabulary stored as one string (checkpoints keep it so).
    public init(characters: String) { self.init(Array(characters.unicodeScalars)) }

    public var count: Int { scalars.count }
    /// All characters in id order, as stored in a checkpoint.
    public var characters: String {
        var s = String.UnicodeScalarView()
        s.append(contentsOf: scalars)
        return String(s)
    }

    public func id(of value: UInt32) -> Int32? { index[value] }
    public func id(of scalar: Unicode.Scalar) -> Int32? { index[scalar.value] }

    /// `'x'` for printable characters, `U+000A (line feed)`-style names for the rest.
    public static func describe(_ s: Unicode.Scalar) -> String {
        let hex = String(s.value, radix: 16, uppercase: true)
        let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        switch s.value {
        case 0x0A: return "\(code) (line feed)"
        case 0x0D: return "\(code) (carriage return)"
        case 0x09: return "\(code) (tab)"
        case 0 ..< 0x20, 0x7F: return code
        default: return "'\(s)' (\(code))"
        }
    }
}
