/// The Protocol Buffers wire format, read by hand over raw bytes.
///
/// A message is a run of fields, each `tag varint | payload`, where
/// `tag = field << 3 | wire type`:
///
///     0 varint (1..10 bytes, 7 bits each, low first; negative int64 = 10 bytes)
///     1 fixed64 (8 bytes)       2 length-delimited (varint length | bytes)
///     5 fixed32 (4 bytes)       3, 4 groups (deprecated; rejected here)
///
/// Errors are `ProtoError`s with what went wrong; the caller adds where.
struct ProtoError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

/// A cursor over one message: `bytes[position ..< end]`.
struct ProtoReader {
    let bytes: UnsafeRawBufferPointer
    private(set) var position: Int
    let end: Int

    init(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) {
        self.bytes = bytes
        position = range.lowerBound
        end = range.upperBound
    }

    var atEnd: Bool { position >= end }

    /// The next varint (at most 10 bytes; the 10th may carry only bit 63).
    mutating func varint() throws -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < end else { throw ProtoError("truncated varint") }
            let b = bytes[position]
            position += 1
            if shift == 63 && b > 1 { throw ProtoError("varint longer than 10 bytes or above 64 bits") }
            value |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return value }
            shift += 7
        }
    }

    /// The next field's number and wire type, or nil at the end.
    mutating func field() throws -> (number: Int, wire: Int)? {
        guard position < end else { return nil }
        let tag = try varint()
        let number = tag >> 3
        guard number >= 1 && number <= 0x1FFF_FFFF else { throw ProtoError("field number \(number) out of range") }
        return (Int(number), Int(tag & 7))
    }

    /// The byte range of a length-delimited payload.
    mutating func lengthDelimited() throws -> Range<Int> {
        let n = try varint()
        guard n <= UInt64(end - position) else {
            throw ProtoError("length \(n) runs past the end of its message (\(end - position) bytes left)")
        }
        let start = position
        position += Int(n)
        return start ..< position
    }

    /// Skips a field's payload of wire type `wire` (unknown fields).
    mutating func skip(wire: Int) throws {
        switch wire {
        case 0: _ = try varint()
        case 1: try advance(8)
        case 2: _ = try lengthDelimited()
        case 5: try advance(4)
        case 3, 4: throw ProtoError("groups (wire types 3, 4) are not supported")
        default: throw ProtoError("invalid wire type \(wire)")
        }
    }

    private mutating func advance(_ n: Int) throws {
        guard end - position >= n else { throw ProtoError("truncated fixed-width field") }
        position += n
    }

    /// The payload of a field expected to be length-delimited.
    mutating func expectMessage(_ wire: Int, _ what: @autoclosure () -> String) throws -> Range<Int> {
        guard wire == 2 else { throw ProtoError("\(what()) has wire type \(wire), expected 2 (length-delimited)") }
        return try lengthDelimited()
    }
}

/// Writes the wire format.
extension Array where Element == UInt8 {
    mutating func appendVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        append(UInt8(v))
    }

    /// Field `number`, wire type 2, holding `payload`.
    mutating func appendField<C: Collection>(_ number: Int, _ payload: C) where C.Element == UInt8 {
        appendVarint(UInt64(number << 3 | 2))
        appendVarint(UInt64(payload.count))
        append(contentsOf: payload)
    }
}

/// How many bytes `appendVarint(value)` writes.
func varintSize(_ value: UInt64) -> Int {
    var n = 1, v = value
    while v >= 0x80 { v >>= 7; n += 1 }
    return n
}
