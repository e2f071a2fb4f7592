/// Turns the bytes of a file of unknown, possibly mixed encoding into valid
/// UTF-8, never failing and never dropping text:
///
/// - valid UTF-8 sequences are kept as they are;
/// - every other byte >= 0x80 is read as Windows-1252 (a superset of
///   Latin-1's printable range), so `na\u{EF}ve` (0xEF) becomes "naïve" and
///   0x93/0x94 become curly quotes; the five bytes Windows-1252 leaves
///   undefined (0x81 0x8D 0x8F 0x90 0x9D) become a space;
/// - CRLF and lone CR become LF; a UTF-8 byte-order mark is dropped;
/// - with `entities`, HTML character references are decoded: `&amp;`,
///   `&lt;`, `&gt;`, `&quot;`, `&apos;`, `&nbsp;` and a few dozen common
///   named ones, decimal `&#233;` and hexadecimal `&#xE9;`. Numeric
///   references to 0x80-0x9F are read as Windows-1252, as browsers do
///   (`&#146;` is a right quote). Anything else that starts with `&` (a raw
///   `&`, an unknown name, a reference without `;`) is kept literally.
///
/// Control characters other than tab and newline become spaces.
public enum TolerantDecoder {
    /// The decoded text of `bytes`.
    public static func decode(_ bytes: [UInt8], entities: Bool) -> String {
        var out = ByteBuffer(capacity: bytes.count + 16)
        defer { out.deallocate() }
        bytes.withUnsafeBytes { decode($0, entities: entities, normalize: false, into: &out) }
        return String(decoding: out.buffer, as: UTF8.self)
    }

    /// Appends the decoded text of `raw` to `out`; with `normalize`, also
    /// lowercased and folded as `TextNormalizer` does (one pass instead of two).
    static func decode(_ raw: UnsafeRawBufferPointer, entities: Bool, normalize: Bool, into out: inout ByteBuffer) {
        let n = raw.count
        guard n > 0 else { return }
        let p = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let table = normalize ? TextNormalizer.asciiLowerTable : TextNormalizer.asciiIdentityTable
        var i = 0
        if n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF { i = 3 }
        while i < n {
            // A run of plain ASCII in one go.
            var j = i
            while j < n {
                let c = p[j]
                if c >= 0x80 || c < 0x20 || c == 0x26 || c == 0x7F { break }
                j += 1
            }
            if j > i {
                out.reserve(j - i)
                for k in i ..< j { out.appendReserved(table[Int(p[k])]) }
                i = j
                if i == n { break }
            }
            let c = p[i]
            if c < 0x80 {
                switch c {
                case 0x0D:
                    out.append(0x0A)
                    i += (i + 1 < n && p[i + 1] == 0x0A) ? 2 : 1
                case 0x0A:
                    out.append(0x0A)
                    i += 1
                case 0x09:
                    out.append(normalize ? 0x20 : 0x09)
                    i += 1
                case 0x26:
                    if entities, let (scalar, length) = entity(p + i, n - i) {
                        if normalize { TextNormalizer.appendNormalized(scalar, &out) } else { out.appendScalar(scalar) }
                        i += length
                    } else {
                        out.append(0x26)
                        i += 1
                    }
                default:      // other control characters and DEL
                    out.append(0x20)
                    i += 1
                }
                continue
            }
            let length = validUTF8Length(p + i, n - i)
            if length > 0 {
                if normalize {
                    TextNormalizer.appendNormalized(scalar(p + i, length), &out)
                } else if !(length == 3 && c == 0xEF && p[i + 1] == 0xBB && p[i + 2] == 0xBF) {
                    // (A byte-order mark anywhere is dropped: files concatenated with their BOMs.)
                    out.append(p + i, length)
                }
                i += length
            } else {
                let u = windows1252(c)
                if normalize { TextNormalizer.appendNormalized(u, &out) } else { out.appendScalar(u) }
                i += 1
            }
        }
    }

    /// The scalar of the well-formed `length`-byte sequence at `p`.
    @inline(__always)
    static func scalar(_ p: UnsafePointer<UInt8>, _ length: Int) -> UInt32 {
        switch length {
        case 2: return UInt32(p[0] & 0x1F) << 6 | UInt32(p[1] & 0x3F)
        case 3: return UInt32(p[0] & 0x0F) << 12 | UInt32(p[1] & 0x3F) << 6 | UInt32(p[2] & 0x3F)
        default: return UInt32(p[0] & 0x07) << 18 | UInt32(p[1] & 0x3F) << 12 | UInt32(p[2] & 0x3F) << 6 | UInt32(p[3] & 0x3F)
        }
    }

    /// The length (2-4) of the well-formed UTF-8 sequence at `p`, or 0.
    @inline(__always)
    static func validUTF8Length(_ p: UnsafePointer<UInt8>, _ available: Int) -> Int {
        let c = p[0]
        @inline(__always) func cont(_ k: Int) -> Bool { k < available && p[k] & 0xC0 == 0x80 }
        switch c {
        case 0xC2 ... 0xDF:
            return cont(1) ? 2 : 0
        case 0xE0:
            return cont(1) && p[1] >= 0xA0 && cont(2) ? 3 : 0
        case 0xED:
            return cont(1) && p[1] <= 0x9F && cont(2) ? 3 : 0
        case 0xE1 ... 0xEC, 0xEE, 0xEF:
            return cont(1) && cont(2) ? 3 : 0
        case 0xF0:
            return cont(1) && p[1] >= 0x90 && cont(2) && cont(3) ? 4 : 0
        case 0xF1 ... 0xF3:
            return cont(1) && cont(2) && cont(3) ? 4 : 0
        case 0xF4:
            return cont(1) && p[1] <= 0x8F && cont(2) && cont(3) ? 4 : 0
        default:
            return 0
        }
    }

    /// The character of byte `b` (>= 0x80) in Windows-1252.
    @inline(__always)
    static func windows1252(_ b: UInt8) -> UInt32 {
        if b >= 0xA0 { return UInt32(b) }
        return UInt32(cp1252High[Int(b) - 0x80])
    }

    /// 0x80-0x9F in Windows-1252; the undefined five map to a space.
    static let cp1252High: [UInt16] = [
        0x20AC, 0x0020, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
        0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x0020, 0x017D, 0x0020,
        0x0020, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x0020, 0x017E, 0x0178,
    ]

    /// The character reference at `p` (which points at `&`) and its length
    /// including `&` and `;`, or nil when it is not one.
    static func entity(_ p: UnsafePointer<UInt8>, _ available: Int) -> (UInt32, Int)? {
        let limit = min(available, 12)
        var k = 1
        if k < limit && p[k] == 0x23 { // &#
            k += 1
            var hex = false
            if k < limit && (p[k] == 0x78 || p[k] == 0x58) { hex = true; k += 1 }
            var v: UInt32 = 0
            var digits = 0
            while k < limit {
                let c = p[k]
                var d: UInt32
                switch c {
                case 0x30 ... 0x39: d = UInt32(c - 0x30)
                case 0x61 ... 0x66 where hex: d = UInt32(c - 0x61 + 10)
                case 0x41 ... 0x46 where hex: d = UInt32(c - 0x41 + 10)
                default: d = 99
                }
                if d == 99 { break }
                if digits < 8 { v = v * (hex ? 16 : 10) + d }
                digits += 1
                k += 1
            }
            guard digits > 0 && digits <= 7 && k < available && p[k] == 0x3B else { return nil }
            if v >= 0x80 && v <= 0x9F { v = windows1252(UInt8(v)) }
            if v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF) { return nil }
            if v < 0x20 && v != 0x09 && v != 0x0A { v = 0x20 }
            if v == 0x0D { v = 0x0A }
            return (v, k + 1)
        }
        var name: UInt64 = 0
        while k < limit {
            let c = p[k]
            let isAlnum = (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39)
            if !isAlnum { break }
            if k > 8 { return nil }
            name = name << 8 | UInt64(c)
            k += 1
        }
        guard k > 1 && k < available && p[k] == 0x3B, let v = namedEntities[name] else { return nil }
        return (v, k + 1)
    }

    /// Named references, keyed by their ASCII name packed into an integer.
    static let namedEntities: [UInt64: UInt32] = {
        let table: [(String, UInt32)] = [
            ("amp", 0x26), ("lt", 0x3C), ("gt", 0x3E), ("quot", 0x22), ("apos", 0x27), ("nbsp", 0xA0),
            ("AMP", 0x26), ("LT", 0x3C), ("GT", 0x3E), ("QUOT", 0x22),
            ("hellip", 0x2026), ("mdash", 0x2014), ("ndash", 0x2013), ("lsquo", 0x2018), ("rsquo", 0x2019),
            ("sbquo", 0x201A), ("ldquo", 0x201C), ("rdquo", 0x201D), ("bdquo", 0x201E), ("laquo", 0xAB),
            ("raquo", 0xBB), ("bull", 0x2022), ("middot", 0xB7), ("deg", 0xB0), ("copy", 0xA9), ("reg", 0xAE),
            ("trade", 0x2122), ("pound", 0xA3), ("euro", 0x20AC), ("cent", 0xA2), ("yen", 0xA5), ("sect", 0xA7),
            ("times", 0xD7), ("divide", 0xF7), ("frac12", 0xBD), ("frac14", 0xBC), ("frac34", 0xBE),
            ("iexcl", 0xA1), ("iquest", 0xBF), ("shy", 0xAD), ("acute", 0xB4),
            ("eacute", 0xE9), ("Eacute", 0xC9), ("egrave", 0xE8), ("Egrave", 0xC8), ("ecirc", 0xEA), ("euml", 0xEB),
            ("aacute", 0xE1), ("agrave", 0xE0), ("acirc", 0xE2), ("auml", 0xE4), ("Auml", 0xC4), ("aring", 0xE5),
            ("atilde", 0xE3), ("aelig", 0xE6), ("ccedil", 0xE7), ("Ccedil", 0xC7), ("iacute", 0xED), ("igrave", 0xEC),
            ("icirc", 0xEE), ("iuml", 0xEF), ("ntilde", 0xF1), ("Ntilde", 0xD1), ("oacute", 0xF3), ("ograve", 0xF2),
            ("ocirc", 0xF4), ("otilde", 0xF5), ("ouml", 0xF6), ("Ouml", 0xD6), ("oslash", 0xF8), ("uacute", 0xFA),
            ("ugrave", 0xF9), ("ucirc", 0xFB), ("uuml", 0xFC), ("Uuml", 0xDC), ("szlig", 0xDF), ("yuml", 0xFF),
        ]
        var d: [UInt64: UInt32] = [:]
        for (name, v) in table {
            var key: UInt64 = 0
            for c in name.utf8 { key = key << 8 | UInt64(c) }
            d[key] = v
        }
        return d
    }()
}
