import CZlib

/// Streaming GZIP decompression through the system zlib: `read` fills a
/// caller's buffer from the compressed bytes (concatenated gzip members are
/// read one after another, as `gzip -d` does).
final class GzipInflater {
    private var stream = z_stream()
    private let input: UnsafeRawBufferPointer
    private var finished = false

    init(input: UnsafeRawBufferPointer) throws {
        self.input = input
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = 0
        // 16 + 15: a gzip header, the largest window.
        guard inflateInit2_(&stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ProtoError("zlib could not start")
        }
        refill()
    }

    deinit { inflateEnd(&stream) }

    /// zlib takes at most 4 GB per call (avail_in is 32-bit): hand it the rest in slices.
    private var consumed = 0
    private func refill() {
        guard stream.avail_in == 0 else { return }
        let n = min(input.count - consumed, 1 << 30)
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress.map { ($0 + consumed).assumingMemoryBound(to: Bytef.self) })
        stream.avail_in = uInt(n)
        consumed += n
    }

    /// Decompresses into `out`; returns the bytes written, 0 at the end.
    func read(into out: UnsafeMutableRawBufferPointer) throws -> Int {
        guard !finished, out.count > 0 else { return 0 }
        stream.next_out = out.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.avail_out = uInt(min(out.count, 1 << 30))
        let before = Int(stream.avail_out)
        while stream.avail_out > 0 {
            refill()
            let r = inflate(&stream, Z_NO_FLUSH)
            if r == Z_STREAM_END {
                refill()
                if stream.avail_in == 0 { finished = true; break }
                inflateReset(&stream) // another gzip member follows
                continue
            }
            if r == Z_BUF_ERROR && stream.avail_in == 0 {
                throw ProtoError("the gzip stream ends early (truncated .gz file)")
            }
            guard r == Z_OK else {
                let why = stream.msg.map { String(cString: $0) } ?? "error \(r)"
                throw ProtoError("not valid gzip data: \(why)")
            }
        }
        return before - Int(stream.avail_out)
    }
}

/// Streaming GZIP compression (for writing `.tfrecord.gz`).
final class GzipDeflater {
    private var stream = z_stream()
    private var chunk = [UInt8](repeating: 0, count: 1 << 16)

    init() {
        // 16 + 15: write a gzip header; level 6, zlib's default.
        _ = deflateInit2_(&stream, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY,
                          ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
    }

    deinit { deflateEnd(&stream) }

    /// Compresses `bytes` (`finish` ends the stream), passing output to `sink`.
    func write(_ bytes: UnsafeRawBufferPointer, finish: Bool, _ sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        stream.next_in = UnsafeMutablePointer(mutating: bytes.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(bytes.count)
        while true {
            let (r, produced) = chunk.withUnsafeMutableBytes { out -> (Int32, Int) in
                stream.next_out = out.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(out.count)
                let r = deflate(&stream, finish ? Z_FINISH : Z_NO_FLUSH)
                return (r, out.count - Int(stream.avail_out))
            }
            if produced > 0 { try chunk.withUnsafeBytes { try sink(UnsafeRawBufferPointer(rebasing: $0[0 ..< produced])) } }
            if finish ? r == Z_STREAM_END : (stream.avail_in == 0 && produced < chunk.count) { return }
            guard r == Z_OK || r == Z_BUF_ERROR else { throw ProtoError("zlib deflate failed (\(r))") }
        }
    }
}
