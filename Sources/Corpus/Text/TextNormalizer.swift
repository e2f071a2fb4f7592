/// The first step of tokenization: valid UTF-8 text in, lowercased and
/// folded UTF-8 out, so the scanner sees one spelling of each character:
///
/// - letters are lowercased with Unicode's mapping ("NAÏVE" -> "naïve",
///   "CAFÉ" -> "café", "İ" -> "i̇"); ASCII and Latin-1/Latin Extended go
///   through a table, the rest through the scalar's properties;
/// - curly and look-alike apostrophes (‘ ’ ‚ ‛ ′ ´ ʼ) become `'`, curly
///   double quotes (“ ” „ ‟ ″) become `"`;
/// - no-break and other Unicode spaces become a space, the line and
///   paragraph separators newlines; CR, CRLF and NEL become LF; tabs and
///   control characters become spaces;
/// - soft hyphens, zero-width spaces and joiners, word joiners, byte-order
///   marks and emoji variation selectors are dropped;
/// - C1 control characters (U+0080-U+009F, what Windows-1252 text decoded as
///   Latin-1 turns into) are read as the Windows-1252 characters they stand for.
enum TextNormalizer {
    static func normalize(_ src: UnsafeBufferPointer<UInt8>, into out: inout ByteBuffer) {
        let n = src.count
        guard n > 0 else { return }
        let p = src.baseAddress!
        let lower = asciiLowerTable
        out.reserve(n)
        var i = 0
        while i < n {
            let c = p[i]
            if c < 0x80 {
                if c == 0x0D {
                    out.append(0x0A)
                    i += (i + 1 < n && p[i + 1] == 0x0A) ? 2 : 1
                } else {
                    out.append(lower[Int(c)])
                    i += 1
                }
                continue
            }
            // One scalar (the input is valid UTF-8).
            let len = c < 0xE0 ? 2 : (c < 0xF0 ? 3 : 4)
            appendNormalized(TolerantDecoder.scalar(p + i, len), &out)
            i += len
        }
    }

    /// Appends scalar `scalar` (>= 0x80, or an ASCII character from an
    /// entity) lowercased and folded.
    static func appendNormalized(_ scalar: UInt32, _ out: inout ByteBuffer) {
        var u = scalar
        if u >= 0x80 && u <= 0x9F {
            if u == 0x85 { out.append(0x0A); return }
            u = TolerantDecoder.windows1252(UInt8(u))
        }
        switch u {
        case 0x2018, 0x2019, 0x201A, 0x201B, 0x2032, 0x00B4, 0x02BC, 0xFF07:
            out.append(0x27)
        case 0x201C, 0x201D, 0x201E, 0x201F, 0x2033, 0xFF02:
            out.append(0x22)
        case 0x00A0, 0x1680, 0x2000 ... 0x200A, 0x202F, 0x205F, 0x3000:
            out.append(0x20)
        case 0x2028:
            out.append(0x0A)
        case 0x2029:
            out.append(0x0A); out.append(0x0A)
        case 0x00AD, 0x200B ... 0x200D, 0x2060, 0xFEFF, 0xFE0E, 0xFE0F:
            break
        default:
            if u < 0x80 {
                out.append(asciiLowerTable[Int(u)])
            } else if u < UInt32(latinLowerCount) {
                let l = latinLower[Int(u)]
                if l != 0 {
                    out.appendScalar(l)
                } else {
                    appendLowercaseMapping(u, &out)
                }
            } else {
                appendLowercaseMapping(u, &out)
            }
        }
    }

    static func appendLowercaseMapping(_ u: UInt32, _ out: inout ByteBuffer) {
        guard let s = Unicode.Scalar(u) else { return }
        if s.properties.changesWhenLowercased {
            for x in s.properties.lowercaseMapping.unicodeScalars { out.appendScalar(x.value) }
        } else {
            out.appendScalar(u)
        }
    }

    /// ASCII lowercased; tab, control characters and DEL become a space (LF
    /// stays). 256 entries, allocated once and never freed.
    static let asciiLowerTable: UnsafePointer<UInt8> = table { c in
        switch c {
        case 0x41 ... 0x5A: return UInt8(c + 0x20)
        case 0x0A: return 0x0A
        case 0 ..< 0x20, 0x7F: return 0x20
        default: return UInt8(truncatingIfNeeded: c)
        }
    }

    /// The identity on bytes (decoding without normalizing).
    static let asciiIdentityTable: UnsafePointer<UInt8> = table { UInt8(truncatingIfNeeded: $0) }

    static func table<T>(_ f: (Int) -> T) -> UnsafePointer<T> {
        let p = UnsafeMutablePointer<T>.allocate(capacity: 256)
        for c in 0 ..< 256 { (p + c).initialize(to: f(c)) }
        return UnsafePointer(p)
    }

    static let latinLowerCount = 0x250
    /// The lowercase of U+0000-U+024F when it is one scalar, else 0.
    static let latinLower: [UInt32] = (0 ..< UInt32(latinLowerCount)).map { u -> UInt32 in
        guard let s = Unicode.Scalar(u) else { return 0 }
        let m = Array(s.properties.lowercaseMapping.unicodeScalars)
        return m.count == 1 ? m[0].value : 0
    }
}
