/// The records of one TFRecord file, in order. Each record is framed as
///
///     uint64 length (LE) | uint32 masked_crc32c(length bytes) | data[length] | uint32 masked_crc32c(data)
///
/// and both checksums are verified. An uncompressed file is read in place
/// (the mapped bytes); a GZIP one is inflated into a window that holds the
/// current record (grown to the largest record, as the data arrives).
///
/// Errors name the file, the record's index (0-based) and the byte offset
/// of its header in the (decompressed) stream. After a bad data checksum
/// the next record can still be found; after a bad length checksum or a
/// truncated record it cannot, and `next()` returns nil from then on.
struct TFRecordStream {
    let fileName: String
    private let inflater: GzipInflater?
    /// The bytes at hand: the mapped file, or the inflated window.
    private var window: UnsafeRawBufferPointer
    private var owned: UnsafeMutableRawBufferPointer?
    /// Next record's position in `window`; `base` is the stream offset of `window[0]`.
    private var position = 0
    private var base = 0
    /// Index and stream offset of the record `next()` is reading or last returned.
    private(set) var recordIndex = -1
    private(set) var recordOffset = 0
    private var stopped = false

    static let headerSize = 12, footerSize = 4

    init(bytes: UnsafeRawBufferPointer, gzip: Bool, fileName: String) throws {
        self.fileName = fileName
        if gzip {
            do { inflater = try GzipInflater(input: bytes) } catch let e as ProtoError { throw DataError(file: fileName, line: 0, e.message) }
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
            owned = buffer
            window = UnsafeRawBufferPointer(start: buffer.baseAddress, count: 0)
        } else {
            inflater = nil
            window = bytes
        }
    }

    /// Frees the inflated window (the stream is a struct: its owner calls this once).
    func release() { owned?.deallocate() }

    /// Bytes read so far (for a load rate).
    var offset: Int { base + position }

    /// The next record's data (valid until the next call), or nil at the end.
    mutating func next() throws -> UnsafeRawBufferPointer? {
        guard !stopped else { return nil }
        recordIndex += 1
        recordOffset = base + position
        guard try available(1) else { return nil }
        guard try available(Self.headerSize) else { throw fatal("truncated record header (\(window.count - position) of 12 bytes)") }
        let head = UnsafeRawBufferPointer(rebasing: window[position ..< position + 8])
        let length = head.loadUnaligned(as: UInt64.self).littleEndian
        let stored = window.loadUnaligned(fromByteOffset: position + 8, as: UInt32.self).littleEndian
        guard CRC32C.masked(head) == stored else {
            throw fatal("length checksum mismatch (the header is corrupt; the records after it cannot be found)")
        }
        guard length <= UInt64(Int.max / 2), try available(Self.headerSize + Int(length) + Self.footerSize) else {
            throw fatal("truncated record: its length field says \(length) bytes, the file ends \(window.count - position - Self.headerSize) bytes after the header")
        }
        let start = position + Self.headerSize, end = start + Int(length)
        let data = UnsafeRawBufferPointer(rebasing: window[start ..< end])
        position = end + Self.footerSize
        let dataCRC = window.loadUnaligned(fromByteOffset: end, as: UInt32.self).littleEndian
        guard CRC32C.masked(data) == dataCRC else { throw error("data checksum mismatch (the record's bytes are corrupt)") }
        return data
    }

    /// A problem with the current record.
    func error(_ message: String) -> DataError {
        DataError(file: fileName, line: 0, "record \(recordIndex) (byte offset \(recordOffset)): \(message)")
    }

    private mutating func fatal(_ message: String) -> DataError {
        stopped = true
        return error(message)
    }

    /// Whether `n` bytes from `position` are at hand, inflating more if needed.
    private mutating func available(_ n: Int) throws -> Bool {
        if window.count - position >= n { return true }
        guard let inflater, let buffer = owned else { return false }
        // Move the unread tail to the front, grow when the record needs more room.
        let tail = window.count - position
        if position > 0, tail > 0 { buffer.baseAddress!.copyMemory(from: window.baseAddress! + position, byteCount: tail) }
        base += position
        position = 0
        var filled = tail
        var room = buffer
        while filled < n {
            if filled == room.count {
                let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: room.count * 2, alignment: 16)
                bigger.baseAddress!.copyMemory(from: room.baseAddress!, byteCount: filled)
                room.deallocate()
                room = bigger
            }
            let got: Int
            do { got = try inflater.read(into: UnsafeMutableRawBufferPointer(rebasing: room[filled...])) } catch let e as ProtoError {
                owned = room
                window = UnsafeRawBufferPointer(start: room.baseAddress, count: filled)
                throw fatal(e.message)
            }
            if got == 0 { break }
            filled += got
        }
        owned = room
        window = UnsafeRawBufferPointer(start: room.baseAddress, count: filled)
        return filled >= n
    }
}
