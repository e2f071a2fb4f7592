/// Splits text into sentences of lowercased tokens, the way the published
/// (spaCy) preprocessing of the blog corpus did, closely enough that the
/// same sentence gives the same tokens for the common cases. The one
/// tokenizer of the project: `rnntrain prepare` builds the vocabulary with
/// it and `rnntrain predict` tokenizes users' sentences with it.
///
/// Tokens (on text that `TextNormalizer` has lowercased and folded):
/// - text splits at whitespace into chunks; each chunk loses its leading
///   and trailing punctuation one character at a time, each a token
///   (`"(hi!)"` -> `( hi ! )`), except that runs of dots (`...`) and of
///   hyphens (`--`) are one token and a hyphen before a digit stays (`-5`);
/// - clitics split off the end of a word: `n't` (`don't` -> `do n't`,
///   `can't` -> `ca n't`, `won't` -> `wo n't`), `'s`, `'m`, `'re`, `'ll`,
///   `'ve`, `'d`; some spellings without the apostrophe split too (`dont`,
///   `cant`, `im`, `youre`, ...), and `cannot` / `gonna` / `gotta` /
///   `wanna` / `gimme` / `lemme` split as spaCy does (`gon na`);
/// - inside a chunk, these split: a hyphen between letters (`well-known` ->
///   `well - known`) or between numbers, a comma, colon or slash unless
///   between digits (`and/or` -> `and / or`, but `1,000`, `10:30`, `1/2`
///   stay), a run of two or more dots, and `! ? ; " ( ) [ ] { } < > = ~ | \
///   ^` and backquote and non-ASCII punctuation and symbols (each its own
///   token); apostrophes, `& @ _ # $ % + *` and single dots stay inside words
///   (`o'clock`, `at&t`, `google.com`, `f*ck`);
/// - a trailing period splits off (`end.` -> `end .`) except after the
///   abbreviations in `TokenizerRules.wholeTokens` (`mr.`, `etc.`, ...)
///   and initialisms (`u.s.`, `e.g.`, `p.m.`); a single letter and a period
///   splits (`plan b.` -> `plan b .`);
/// - emoticons (`:)`, `:-(`, `;p`, `<3`, `^_^`, ...) are one token;
///   anything starting with `http://`, `https://` or `www.` is one token
///   (trailing sentence punctuation aside); a number followed by a unit
///   splits (`5pm` -> `<#> pm`, `10kg` -> `<#> kg`);
/// - number-like tokens become `<#>`: digits with `,` `.` `:` between
///   digits (`123`, `3.5`, `1,000`, `10:30`), with an optional sign
///   (`-5`), fractions (`1/2`) and ordinals (`2nd`, `21st`). Number words
///   (`one`, `first`) stay words: "one" is as often a pronoun.
///   `mp3`, `80s`, `2day` stay words.
/// - the corpus's link marker `urlLink` is an ordinary word (`urllink`).
///
/// Sentences end after a `.`, `!`, `?`, `...` or `…` token, together with
/// any further such tokens and closing quotes or brackets attached to them
/// (`"Stop!" she said.` -> `" stop ! "` | `she said .`), and at a blank
/// line (paragraph break). Abbreviations do not end sentences.
public struct Tokenizer: Sendable {
    public init() {}

    /// Sentences of lowercased tokens, numbers already `<#>`.
    public func sentences(_ text: String) -> [[String]] {
        withTokens(text) { b, t in
            var result: [[String]] = []
            result.reserveCapacity(t.sentenceEnds.count)
            var start = 0
            for end in t.sentenceEnds {
                result.append((start ..< end).map { t.string(of: $0, in: b) })
                start = end
            }
            return result
        }
    }

    /// All tokens of `text` as one sequence (no sentence split).
    public func tokens(_ text: String) -> [String] {
        withTokens(text) { b, t in (0 ..< t.tokens.count).map { t.string(of: $0, in: b) } }
    }

    private func withTokens<R>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>, TokenizedText) -> R) -> R {
        var text = text
        var normalized = ByteBuffer(capacity: text.utf8.count + 16)
        defer { normalized.deallocate() }
        text.withUTF8 { TextNormalizer.normalize($0, into: &normalized) }
        var tokens = TokenizedText()
        Tokenizer.scan(normalized.buffer, into: &tokens)
        return body(normalized.buffer, tokens)
    }

    /// Tokenizes normalized text (see `TextNormalizer`) into `out`, which is
    /// cleared first. The fast path of corpus preparation: no `String` is made.
    static func scan(_ text: UnsafeBufferPointer<UInt8>, into out: inout TokenizedText) {
        out.removeAll()
        guard let base = text.baseAddress, text.count > 0 else { return }
        var scanner = TokenScanner(base, text.count, TokenizerRules.shared)
        swap(&scanner.out, &out)
        scanner.run()
        swap(&scanner.out, &out)
    }
}

/// One token: a byte range of the normalized text, or a number (`<#>`).
struct TokenSpan {
    var start: Int
    var end: Int
    var isNumber: Bool
}

/// The tokens of a text and where its sentences end.
struct TokenizedText {
    var tokens: [TokenSpan] = []
    /// Sentence k is `tokens[sentenceEnds[k - 1] ..< sentenceEnds[k]]` (from 0 for k = 0).
    var sentenceEnds: [Int] = []

    mutating func removeAll() {
        tokens.removeAll(keepingCapacity: true)
        sentenceEnds.removeAll(keepingCapacity: true)
    }

    func string(of k: Int, in b: UnsafeBufferPointer<UInt8>) -> String {
        let t = tokens[k]
        if t.isNumber { return "<#>" }
        return String(decoding: UnsafeBufferPointer(rebasing: b[t.start ..< t.end]), as: UTF8.self)
    }
}

/// The scanner behind `Tokenizer`: one pass over normalized bytes.
struct TokenScanner {
    let b: UnsafePointer<UInt8>
    let n: Int
    let rules: TokenizerRules
    let asciiWord = TokenizerRules.asciiWord
    let asciiKeep = TokenizerRules.asciiKeep
    let urlTrailing = TokenizerRules.urlTrailing
    var out = TokenizedText()
    /// Suffix tokens of the current chunk, innermost last (emitted reversed);
    /// `suffixCount` of them are in use (the array is only ever grown).
    private var suffixes: [(Int, Int)] = Array(repeating: (0, 0), count: 16)
    private var suffixCount = 0
    private var afterTerminal = false
    private var lastEnd = -1
    private var sentenceStart = 0

    init(_ b: UnsafePointer<UInt8>, _ n: Int, _ rules: TokenizerRules) {
        self.b = b
        self.n = n
        self.rules = rules
    }

    mutating func run() {
        var i = 0
        var newlines = 0
        while i < n {
            let c = b[i]
            if c == 0x20 || c == 0x09 { i += 1; continue }
            if c == 0x0A {
                newlines += 1
                if newlines == 2 { closeSentence() }
                i += 1
                continue
            }
            newlines = 0
            let s = i
            while i < n {
                let d = b[i]
                if d == 0x20 || d == 0x0A || d == 0x09 { break }
                i += 1
            }
            chunk(s, i)
        }
        closeSentence()
    }

    // MARK: Sentences

    private mutating func closeSentence() {
        if out.tokens.count > sentenceStart {
            out.sentenceEnds.append(out.tokens.count)
            sentenceStart = out.tokens.count
        }
        afterTerminal = false
    }

    private mutating func emit(_ s: Int, _ e: Int) {
        let terminal = isTerminal(s, e)
        if afterTerminal && !terminal && !(s == lastEnd && isClosing(s, e)) { closeSentence() }
        out.tokens.append(TokenSpan(start: s, end: e, isNumber: isNumberLike(s, e)))
        if terminal { afterTerminal = true }
        lastEnd = e
    }

    /// `.` `!` `?`, a run of dots, or `…`.
    private func isTerminal(_ s: Int, _ e: Int) -> Bool {
        let c = b[s]
        if e - s == 1 { return c == 0x2E || c == 0x21 || c == 0x3F }
        if c == 0x2E {
            for k in s ..< e where b[k] != 0x2E { return false }
            return true
        }
        return e - s == 3 && c == 0xE2 && b[s + 1] == 0x80 && b[s + 2] == 0xA6
    }

    /// A closing quote or bracket: `"` `'` `)` `]` `}` `»`.
    private func isClosing(_ s: Int, _ e: Int) -> Bool {
        if e - s == 1 {
            let c = b[s]
            return c == 0x22 || c == 0x27 || c == 0x29 || c == 0x5D || c == 0x7D
        }
        return e - s == 2 && b[s] == 0xC2 && b[s + 1] == 0xBB
    }

    // MARK: Chunks

    /// Splits one whitespace-free chunk `[s, e)`.
    private mutating func chunk(_ start: Int, _ end: Int) {
        var s = start, e = end
        suffixCount = 0
        while s < e {
            if let pieces = rules.special(b + s, e - s) {
                var at = s
                for len in pieces { emit(at, at + len); at += len }
                s = e
                break
            }
            if isURLStart(s, e) {
                while e > s + 4 && urlTrailing[Int(b[e - 1])] {
                    pushSuffix(e - 1, e)
                    e -= 1
                }
                emit(s, e)
                s = e
                break
            }
            let pre = prefixLength(s, e)
            if pre > 0 {
                emit(s, s + pre)
                s += pre
                continue
            }
            let suf = suffixLength(s, e)
            if suf > 0 {
                pushSuffix(e - suf, e)
                e -= suf
                continue
            }
            if suf < 0 {       // an abbreviation: the whole rest is one token
                emit(s, e)
                s = e
                break
            }
            let clitic = cliticLength(s, e)
            if clitic > 0 {
                pushSuffix(e - clitic, e)
                e -= clitic
                continue
            }
            break
        }
        if s < e { middle(s, e) }
        var k = suffixCount
        while k > 0 {
            k -= 1
            emit(suffixes[k].0, suffixes[k].1)
        }
    }

    @inline(__always)
    private mutating func pushSuffix(_ s: Int, _ e: Int) {
        if suffixCount == suffixes.count { suffixes.append((s, e)) } else { suffixes[suffixCount] = (s, e) }
        suffixCount += 1
    }

    /// Length of the punctuation token at the start of `[s, e)`, or 0.
    @inline(__always)
    private func prefixLength(_ s: Int, _ e: Int) -> Int {
        let c = b[s]
        if c < 0x80 {
            if asciiWord[Int(c)] || c == 0x40 { return 0 }   // letters, digits, @
            if c == 0x2E || c == 0x2D {                                    // . and - runs
                var k = s + 1
                while k < e && b[k] == c { k += 1 }
                if c == 0x2D && k - s == 1 && k < e && isDigit(b[k]) { return 0 }   // -5
                return k - s
            }
            return 1
        }
        let (u, len) = scalar(at: s)
        return rules.isWord(u) ? 0 : len
    }

    /// Length of the punctuation token at the end of `[s, e)`; 0 for none;
    /// -1 when `[s, e)` ends in a period that belongs to an abbreviation.
    @inline(__always)
    private func suffixLength(_ s: Int, _ e: Int) -> Int {
        let c = b[e - 1]
        if c < 0x80 {
            if asciiWord[Int(c)] { return 0 }
            if c == 0x2E || c == 0x2D {
                var k = e - 1
                while k > s && b[k - 1] == c { k -= 1 }
                if c == 0x2E && e - k == 1 && isInitialism(s, e) { return -1 }
                return e - k
            }
            return 1
        }
        var k = e - 1
        while k > s && b[k] & 0xC0 == 0x80 { k -= 1 }
        let (u, _) = scalar(at: k)
        return rules.isWord(u) ? 0 : e - k
    }

    /// `[s, e)` is letters each followed by a period, at least two (`u.s.`, `e.g.`).
    private func isInitialism(_ s: Int, _ e: Int) -> Bool {
        guard (e - s) % 2 == 0 && e - s >= 4 else { return false }
        var k = s
        while k < e {
            guard isLetter(b[k]) && b[k + 1] == 0x2E else { return false }
            k += 2
        }
        return true
    }

    /// Length of a clitic ending `[s, e)` (`n't`, `'s`, `'re`, ...) after a word, or 0.
    @inline(__always)
    private func cliticLength(_ s: Int, _ e: Int) -> Int {
        let len = e - s
        guard len >= 3 else { return 0 }
        let last = b[e - 1]
        if b[e - 2] == 0x27 && (last == 0x73 || last == 0x6D || last == 0x64) && isWordByte(b[e - 3]) { return 2 }  // 's 'm 'd
        guard len >= 4 else { return 0 }
        if b[e - 3] == 0x27 && isWordByte(b[e - 4]) {
            let x = b[e - 2]
            if (x == 0x72 && last == 0x65) || (x == 0x6C && last == 0x6C) || (x == 0x76 && last == 0x65) { return 3 }  // 're 'll 've
        }
        if last == 0x74 && b[e - 2] == 0x27 && b[e - 3] == 0x6E && isLetter(b[e - 4]) { return 3 }  // n't
        return 0
    }

    private func isURLStart(_ s: Int, _ e: Int) -> Bool {
        let len = e - s
        guard len >= 5, b[s] == 0x68 || b[s] == 0x77 else { return false }   // h, w
        if hasPrefix(s, e, "http://") || hasPrefix(s, e, "https://") { return len > 8 }
        return hasPrefix(s, e, "www.") && len > 5
    }

    private func hasPrefix(_ s: Int, _ e: Int, _ p: StaticString) -> Bool {
        let count = p.utf8CodeUnitCount
        guard e - s >= count else { return false }
        let q = p.utf8Start
        for k in 0 ..< count where b[s + k] != q[k] { return false }
        return true
    }

    // MARK: Inside a chunk

    /// Splits what remains of a chunk after its affixes, at infixes.
    private mutating func middle(_ s: Int, _ e: Int) {
        if isDigit(b[s]) {
            // A number with a unit: 5pm, 10kg, 3:30am.
            var k = s
            while k < e && (isDigit(b[k]) || ((b[k] == 0x2C || b[k] == 0x2E || b[k] == 0x3A) && k + 1 < e && isDigit(b[k + 1]))) { k += 1 }
            if k < e && k - s >= 1 && rules.isUnit(b + k, e - k) {
                emit(s, k)
                emit(k, e)
                return
            }
        }
        var p = s
        var j = s
        while j < e {
            let c = b[j]
            if c < 0x80 {
                if asciiKeep[Int(c)] { j += 1; continue }
                var k = j + 1
                var split: Bool
                switch c {
                case 0x2E:   // .
                    while k < e && b[k] == 0x2E { k += 1 }
                    split = k - j >= 2
                case 0x2D:   // -
                    while k < e && b[k] == 0x2D { k += 1 }
                    if k - j >= 2 {
                        split = true
                    } else {
                        let prev: UInt8 = j > s ? b[j - 1] : 0x20
                        let next: UInt8 = k < e ? b[k] : 0x20
                        split = (isWordByte(prev) && isLetterByte(next)) || (isDigit(prev) && isDigit(next))
                    }
                case 0x2C, 0x3A, 0x2F:   // , : /
                    let prev: UInt8 = j > s ? b[j - 1] : 0x20
                    let next: UInt8 = k < e ? b[k] : 0x20
                    split = !(isDigit(prev) && isDigit(next))
                default:
                    split = true
                }
                if split {
                    if p < j { emit(p, j) }
                    emit(j, k)
                    p = k
                }
                j = k
                continue
            }
            let (u, len) = scalar(at: j)
            if rules.isWord(u) { j += len; continue }
            if p < j { emit(p, j) }
            emit(j, j + len)
            j += len
            p = j
        }
        if p < e { emit(p, e) }
    }

    // MARK: Numbers

    /// Digits with `,` `.` `:` between digits and an optional sign; a
    /// fraction `d/d`; an ordinal `1st 2nd 3rd 4th`.
    @inline(__always)
    private func isNumberLike(_ s: Int, _ e: Int) -> Bool {
        var i = s
        if (b[i] == 0x2D || b[i] == 0x2B) && e - s > 1 { i += 1 }
        guard isDigit(b[i]) else { return false }
        var separators = false
        while i < e {
            let c = b[i]
            if isDigit(c) { i += 1; continue }
            if (c == 0x2C || c == 0x2E || c == 0x3A) && i + 1 < e && isDigit(b[i + 1]) { separators = true; i += 1; continue }
            if c == 0x2F && !separators {          // fraction: digits / digits
                var k = i + 1
                guard k < e else { return false }
                while k < e && isDigit(b[k]) { k += 1 }
                return k == e && k > i + 1
            }
            if !separators && e - i == 2 {            // ordinal
                let x = b[i], y = b[i + 1]
                return (x == 0x73 && y == 0x74) || (x == 0x6E && y == 0x64) || (x == 0x72 && y == 0x64) || (x == 0x74 && y == 0x68)
            }
            return false
        }
        return true
    }

    // MARK: Characters

    @inline(__always) private func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    @inline(__always) private func isLetter(_ c: UInt8) -> Bool { c >= 0x61 && c <= 0x7A }
    /// A letter, digit, or a byte of a non-ASCII character (approximation for clitic and hyphen rules).
    @inline(__always) private func isWordByte(_ c: UInt8) -> Bool { c >= 0x80 || asciiWord[Int(c)] }
    @inline(__always) private func isLetterByte(_ c: UInt8) -> Bool { c >= 0x80 || isLetter(c) }

    /// The scalar starting at `i` (normalized text is valid UTF-8) and its length.
    @inline(__always)
    private func scalar(at i: Int) -> (UInt32, Int) {
        let c = b[i]
        if c < 0x80 { return (UInt32(c), 1) }
        if c < 0xE0 { return (UInt32(c & 0x1F) << 6 | UInt32(b[i + 1] & 0x3F), 2) }
        if c < 0xF0 { return (UInt32(c & 0x0F) << 12 | UInt32(b[i + 1] & 0x3F) << 6 | UInt32(b[i + 2] & 0x3F), 3) }
        return (UInt32(c & 0x07) << 18 | UInt32(b[i + 1] & 0x3F) << 12 | UInt32(b[i + 2] & 0x3F) << 6 | UInt32(b[i + 3] & 0x3F), 4)
    }
}
