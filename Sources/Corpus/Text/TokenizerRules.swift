/// The tables behind `Tokenizer`: special cases, units, character classes.
/// Built once per process and shared (read-only) by every thread.
final class TokenizerRules: @unchecked Sendable {
    static let shared = TokenizerRules()

    /// Chunks (or what is left of one after affixes) that split in a fixed
    /// way, or stay whole although they hold punctuation. Value: index into
    /// `specialPieces`, the lengths of the pieces in bytes.
    private let specials: ByteStringTable
    private let specialPieces: [[Int]]
    let maxSpecialLength: Int
    /// `(first byte, length)` and `(last byte, length)` pairs of the special
    /// cases: most chunks fail these two loads and skip the hash lookup.
    private let specialFirst: UnsafeMutablePointer<Bool>
    private let specialLast: UnsafeMutablePointer<Bool>
    private let units = ByteStringTable(capacity: 64)
    /// Word characters of the Basic Multilingual Plane, one bit each.
    private let bmpWord: UnsafeMutablePointer<UInt64>

    /// Kept whole: emoticons, abbreviations with their period, clitics on
    /// their own, a few words spelled with punctuation.
    static let wholeTokens: [String] = [
        // Emoticons (lowercased: ":D" is ":d").
        ":)", ":-)", ":))", ":)))", ":(", ":-(", ":((", ";)", ";-)", ":d", ":-d", ";d", ":p", ":-p", ";p", ";-p",
        ":o", ":-o", ":/", ":-/", ":\\", ":'(", ":')", ":|", ":-|", ":*", ":-*", ":]", ":[", "=)", "=(", "=d", "=p",
        "(:", "):", "<3", "</3", "^_^", "^^", "^.^", "-_-", "o_o", "o.o", ">:(", ">:)", "8)", "8-)", "xd", "xp",
        // Abbreviations that keep their period.
        "mr.", "mrs.", "ms.", "dr.", "prof.", "st.", "jr.", "sr.", "vs.", "etc.", "inc.", "ltd.", "co.", "corp.",
        "mt.", "ft.", "jan.", "feb.", "mar.", "apr.", "jun.", "jul.", "aug.", "sep.", "sept.", "oct.", "nov.",
        "dec.", "approx.", "dept.", "est.", "govt.", "gen.", "sgt.", "capt.", "lt.", "col.", "rev.", "min.", "max.",
        // Clitics on their own, and elisions.
        "'s", "'m", "'d", "'re", "'ll", "'ve", "n't", "'em", "'cause", "'til", "'bout",
        "c++", "c#",
    ]

    /// Words that split into fixed pieces (spaCy's tokenizer exceptions).
    static let splitWords: [(String, [Int])] = [
        ("cannot", [3, 3]), ("gonna", [3, 2]), ("gotta", [3, 2]), ("wanna", [3, 2]), ("gimme", [3, 2]), ("lemme", [3, 2]),
        ("dont", [2, 2]), ("doesnt", [4, 2]), ("didnt", [3, 2]), ("cant", [2, 2]), ("wont", [2, 2]), ("isnt", [2, 2]),
        ("arent", [3, 2]), ("wasnt", [3, 2]), ("werent", [4, 2]), ("havent", [4, 2]), ("hasnt", [3, 2]),
        ("hadnt", [3, 2]), ("couldnt", [5, 2]), ("wouldnt", [5, 2]), ("shouldnt", [6, 2]), ("aint", [2, 2]),
        ("mustnt", [4, 2]), ("im", [1, 1]), ("ive", [1, 2]), ("youre", [3, 2]), ("youve", [3, 2]), ("youll", [3, 2]),
        ("theyre", [4, 2]), ("theyve", [4, 2]), ("theyll", [4, 2]), ("weve", [2, 2]),
    ]

    /// Units that split from a number before them (`5pm` -> `5 pm`).
    static let unitWords: [String] = [
        "am", "pm", "km", "kg", "g", "mg", "m", "cm", "mm", "ml", "l", "lb", "lbs", "oz", "ft", "mph", "kph",
        "mb", "gb", "kb", "tb", "k", "hr", "hrs", "h", "min", "mins", "sec", "secs", "yr", "yrs", "x",
    ]

    private init() {
        // Letters, marks and numbers are word characters; punctuation,
        // symbols and everything else are not.
        bmpWord = .allocate(capacity: 65536 / 64)
        bmpWord.initialize(repeating: 0, count: 65536 / 64)
        for u in 0 ..< UInt32(65536) {
            guard let s = Unicode.Scalar(u) else { continue }
            let word = u < 0x80 ? Self.asciiWord[Int(u)] : Self.isWordCategory(s.properties.generalCategory)
            if word { bmpWord[Int(u) >> 6] |= 1 << UInt64(u & 63) }
        }
        let all = Self.wholeTokens.map { ($0, [$0.utf8.count]) } + Self.splitWords
        specials = ByteStringTable(capacity: all.count)
        specialPieces = all.map(\.1)
        maxSpecialLength = all.map(\.0.utf8.count).max()!
        specialFirst = .allocate(capacity: 256 * (maxSpecialLength + 1))
        specialFirst.initialize(repeating: false, count: 256 * (maxSpecialLength + 1))
        specialLast = .allocate(capacity: 256 * (maxSpecialLength + 1))
        specialLast.initialize(repeating: false, count: 256 * (maxSpecialLength + 1))
        for (k, (w, pieces)) in all.enumerated() {
            precondition(pieces.reduce(0, +) == w.utf8.count, "pieces of \(w)")
            _ = specials.findOrInsert(w, initial: k)
            let bytes = Array(w.utf8)
            specialFirst[Int(bytes.first!) * (maxSpecialLength + 1) + bytes.count] = true
            specialLast[Int(bytes.last!) * (maxSpecialLength + 1) + bytes.count] = true
        }
        for u in Self.unitWords { _ = units.findOrInsert(u) }
    }

    /// The pieces of the special case `[p, p + count)`, if it is one.
    @inline(__always)
    func special(_ p: UnsafePointer<UInt8>, _ count: Int) -> [Int]? {
        guard count <= maxSpecialLength,
              specialFirst[Int(p[0]) * (maxSpecialLength + 1) + count],
              specialLast[Int(p[count - 1]) * (maxSpecialLength + 1) + count],
              let e = specials.find(p, count) else { return nil }
        return specialPieces[specials.value(e)]
    }

    @inline(__always)
    func isUnit(_ p: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        count <= 4 && units.find(p, count) != nil
    }

    /// Whether scalar `u` belongs inside words (letters, marks, numbers).
    @inline(__always)
    func isWord(_ u: UInt32) -> Bool {
        if u < 0x10000 { return bmpWord[Int(u) >> 6] & (1 << UInt64(u & 63)) != 0 }
        guard let s = Unicode.Scalar(u) else { return false }
        return Self.isWordCategory(s.properties.generalCategory)
    }

    static func isWordCategory(_ c: Unicode.GeneralCategory) -> Bool {
        switch c {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .letterNumber, .otherNumber:
            return true
        default:
            return false
        }
    }

    /// ASCII letters and digits (256 entries).
    static let asciiWord: UnsafePointer<Bool> = TextNormalizer.table { c in
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
    }

    /// ASCII characters that never split a word from inside: letters, digits,
    /// and `' & @ _ # $ % + *`.
    static let asciiKeep: UnsafePointer<Bool> = TextNormalizer.table { c in
        asciiWord[c] || "'&@_#$%+*".utf8.contains(UInt8(truncatingIfNeeded: c))
    }

    /// What splits off the end of a URL: sentence punctuation and closing quotes.
    static let urlTrailing: UnsafePointer<Bool> = TextNormalizer.table { c in ".,;:!?)]\"'".utf8.contains(UInt8(truncatingIfNeeded: c)) }
}
