/// One byte string per row, stored flat like the token ids: the `post_id`
/// and `string` fields a corpus keeps when it is loaded to be written again
/// (`convert`), so nothing read is lost. Row `i` is
/// `bytes[offsets[i] ..< offsets[i + 1]]`.
public struct TextColumn: Sendable, Equatable {
    public var bytes: [UInt8] = []
    public var offsets: [Int] = [0]

    public init() {}

    public var count: Int { offsets.count - 1 }
    public var isEmpty: Bool { offsets.count == 1 }

    public subscript(row: Int) -> ArraySlice<UInt8> { bytes[offsets[row] ..< offsets[row + 1]] }

    public mutating func append<C: Collection>(_ text: C) where C.Element == UInt8 {
        bytes.append(contentsOf: text)
        offsets.append(bytes.count)
    }

    /// Appends every row of `other`.
    public mutating func append(contentsOf other: TextColumn) {
        for r in 0 ..< other.count { append(other[r]) }
    }

    /// `self + other` when both have a value for every row of theirs
    /// (`rows`, `otherRows`), else empty: a column on one side only says nothing about the other.
    func merged(rows: Int, with other: TextColumn, otherRows: Int) -> TextColumn {
        guard rows == 0 || count == rows else { return TextColumn() }
        guard other.count == otherRows else { return TextColumn() }
        var out = self
        out.append(contentsOf: other)
        return out
    }
}

extension Corpus {
    /// The key of a post id's text (64-bit FNV-1a of its bytes): equal ids give equal keys,
    /// whichever file or format they came from.
    public static func postKey<C: Sequence>(_ text: C) -> UInt64 where C.Element == UInt8 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    /// The decimal text of an integer post id (as a CSV holds it).
    public static func decimalText(_ v: Int64) -> [UInt8] { Array(String(v).utf8) }

    /// The integer a post id's text spells in canonical decimal ("12", "-3";
    /// not "012" or "+3"), or nil: only those travel as an int64 feature and come back unchanged.
    public static func canonicalInteger<C: Collection>(_ text: C) -> Int64? where C.Element == UInt8 {
        guard !text.isEmpty, text.count <= 20, let v = Int64(String(decoding: text, as: UTF8.self)) else { return nil }
        return decimalText(v).elementsEqual(text) ? v : nil
    }
}
