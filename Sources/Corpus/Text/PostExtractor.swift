#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds the `<post>` elements of a blog corpus file without trusting it to
/// be XML. The files look like
///
///     <Blog>
///     <date>14,May,2004</date>
///     <post>
///         text with raw & and < and &amp; entities ...
///     </post>
///     ...
///
/// but are not well-formed: raw `&` and `<` occur inside posts, and a file
/// may end in the middle of a post. The extractor only looks for the tags
/// that delimit posts (ASCII, compared case-insensitively, so the bytes of
/// the text may be in any ASCII-compatible encoding):
///
/// - a post starts after `<post>` (or `<post ...>`);
/// - it ends at the first `</post`, or, when that is missing, at the next
///   `<post>`, `<date>` or `</blog>`, or at the end of the file;
/// - every other `<` is text.
///
/// `posts(in:)` returns the byte ranges of the posts' raw contents, in file
/// order; `TolerantDecoder` turns each into text.
public enum PostExtractor {
    /// The decoded text of every post of a corpus file (entities decoded).
    public static func postTexts(in bytes: [UInt8]) -> [String] {
        bytes.withUnsafeBytes { raw in
            posts(in: raw).map { r in
                var out = ByteBuffer(capacity: r.count + 16)
                defer { out.deallocate() }
                TolerantDecoder.decode(UnsafeRawBufferPointer(rebasing: raw[r]), entities: true, normalize: false, into: &out)
                return String(decoding: out.buffer, as: UTF8.self)
            }
        }
    }

    static func posts(in bytes: UnsafeRawBufferPointer) -> [Range<Int>] {
        var result: [Range<Int>] = []
        let n = bytes.count
        guard n > 0 else { return result }
        let p = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var i = 0
        while let lt = find(p, n, from: i) {
            guard let open = openingPostTag(p, n, at: lt) else { i = lt + 1; continue }
            let start = open
            var end = n
            var resume = n
            var j = start
            while let k = find(p, n, from: j) {
                if matches(p, n, at: k, "</post") {
                    end = k
                    // Continue after the closing tag's '>' (or right after "</post" if it has none).
                    var m = k + 6
                    while m < n && m < k + 64 && p[m] != 0x3E && p[m] != 0x3C { m += 1 }
                    resume = (m < n && p[m] == 0x3E) ? m + 1 : k + 6
                    break
                }
                if openingPostTag(p, n, at: k) != nil || matches(p, n, at: k, "<date>") || matches(p, n, at: k, "</blog>") {
                    end = k
                    resume = k
                    break
                }
                j = k + 1
            }
            result.append(start ..< end)
            i = resume
        }
        return result
    }

    /// The offset just past `<post>` or `<post attributes...>` at `k`, or nil.
    @inline(__always)
    static func openingPostTag(_ p: UnsafePointer<UInt8>, _ n: Int, at k: Int) -> Int? {
        guard matches(p, n, at: k, "<post") else { return nil }
        let m = k + 5
        guard m < n else { return nil }
        if p[m] == 0x3E { return m + 1 }
        guard p[m] == 0x20 || p[m] == 0x09 || p[m] == 0x0A || p[m] == 0x0D else { return nil }
        var e = m
        while e < n && e < m + 256 && p[e] != 0x3E && p[e] != 0x3C { e += 1 }
        return (e < n && p[e] == 0x3E) ? e + 1 : nil
    }

    @inline(__always)
    static func find(_ p: UnsafePointer<UInt8>, _ n: Int, from i: Int) -> Int? {
        guard i < n, let q = memchr(p + i, 0x3C, n - i) else { return nil }
        return UnsafeRawPointer(q) - UnsafeRawPointer(p)
    }

    /// Whether the bytes at `k` spell `tag` (ASCII letters compared case-insensitively).
    @inline(__always)
    static func matches(_ p: UnsafePointer<UInt8>, _ n: Int, at k: Int, _ tag: StaticString) -> Bool {
        let t = tag.utf8Start
        let len = tag.utf8CodeUnitCount
        guard k + len <= n else { return false }
        for x in 0 ..< len {
            let a = p[k + x], b = t[x]
            if a == b { continue }
            if b >= 0x61 && b <= 0x7A && a == b - 0x20 { continue }
            return false
        }
        return true
    }
}
