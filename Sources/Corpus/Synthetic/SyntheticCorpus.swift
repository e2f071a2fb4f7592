import TensorCore

/// A stand-in for the tokenized Blog Authorship Corpus, which cannot be
/// downloaded here: the same schema and statistics, and a label signal that a
/// GRU learns well above chance but far from 100%.
///
/// - Lengths 5...30 (a truncated normal, mean about 17).
/// - Ids 2...9999 Zipf-Mandelbrot distributed (id = frequency rank, as in
///   the real vocabulary), `<UNK>` (id 0) about 4% and `<#>` (id 1) about 1.5%
///   of tokens.
/// - Classes `gender * 3 + age_bracket` with the corpus's priors: age brackets
///   8240 : 8086 : 2994, genders balanced.
/// - Signal, planted into the random tokens with noise:
///   * age: a marker word of the row's age bracket (bag-of-words evidence),
///     sometimes a marker of another bracket instead (noise);
///   * gender, by ORDER: one of a set of word pairs appears adjacent as
///     "a b" for gender 0 and "b a" for gender 1, so a bag-of-words model
///     cannot see it but a recurrent one can; plus a weak gender marker word.
///
/// Every row is drawn from its own random stream `RNG.derived(seed, row)`:
/// the first N rows of a larger corpus equal the N-row corpus of the same
/// seed, and same seed means same bytes.
///
/// The committed sample `data/sample.csv` is `csv(rows: sampleRows, seed: sampleSeed)`
/// (`rnntrain synth --rows 10000 --seed 2026 --out data/sample.csv`).
public enum SyntheticCorpus {
    public static let sampleRows = 10_000
    public static let sampleSeed: UInt64 = 2026
    public static let vocabularySize = 10_000

    /// Age-bracket and gender priors of the real corpus.
    static let agePriors: [Double] = [8240, 8086, 2994]

    /// The planted signal's word lists (ids), fixed for every seed.
    struct Markers {
        /// Per age bracket: marker ids.
        var age: [[Int32]]
        /// Per gender: weak marker ids.
        var gender: [[Int32]]
        /// Order pairs (a, b): "a b" means gender 0, "b a" gender 1.
        var pairs: [(Int32, Int32)]
    }

    /// Markers are frequent-ish words (ranks 20...400), chosen from a fixed
    /// stream so they do not depend on the seed.
    static let markers: Markers = {
        var rng = RNG(seed: 0x5EED_0F_B106)
        var pool = Array(Int32(20) ... Int32(400))
        rng.shuffle(&pool)
        var next = 0
        func take(_ n: Int) -> [Int32] { defer { next += n }; return Array(pool[next ..< next + n]) }
        let age = (0 ..< 3).map { _ in take(8) }
        let gender = (0 ..< 2).map { _ in take(6) }
        let flat = take(16)
        let pairs = (0 ..< 8).map { (flat[2 * $0], flat[2 * $0 + 1]) }
        return Markers(age: age, gender: gender, pairs: pairs)
    }()

    /// Cumulative Zipf-Mandelbrot weights over ids 2 ..< vocabularySize.
    static let zipfCDF = zipfCDF(size: vocabularySize)

    /// Cumulative Zipf-Mandelbrot weights over ids 2 ..< size.
    static func zipfCDF(size: Int) -> [Double] {
        var cdf: [Double] = []
        cdf.reserveCapacity(size - 2)
        var total = 0.0
        for rank in 2 ..< size {
            total += 1 / (Double(rank) + 2.7)
            cdf.append(total)
        }
        return cdf.map { $0 / total }
    }

    /// The smallest vocabulary the generator accepts (the markers are ids up to 400).
    public static let minimumVocabularySize = 500

    static func zipfID(_ rng: inout RNG, _ cdf: [Double]) -> Int32 {
        let u = rng.nextDouble()
        var lo = 0, hi = cdf.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cdf[mid] < u { lo = mid + 1 } else { hi = mid }
        }
        return Int32(lo + 2)
    }

    /// One row: (label, ids). `lengths`, when given, replaces the corpus's
    /// length distribution by a uniform one (long-sequence benchmarks).
    static func row(_ index: Int, seed: UInt64, lengths: ClosedRange<Int>? = nil, cdf: [Double] = zipfCDF,
                    into ids: inout [Int32]) -> (gender: Int, age: Int) {
        var rng = RNG.derived(seed: seed, UInt64(index))
        // Class.
        let u = rng.nextDouble() * (agePriors[0] + agePriors[1] + agePriors[2])
        let age = u < agePriors[0] ? 0 : (u < agePriors[0] + agePriors[1] ? 1 : 2)
        let gender = rng.below(2)
        // Length: normal(16.5, 6.5) truncated to 5...30.
        var length = 0
        if let r = lengths {
            length = r.lowerBound + rng.below(r.count)
        } else {
            repeat { length = Int((16.5 + 6.5 * rng.normal()).rounded()) } while length < 5 || length > 30
        }
        // Background tokens.
        ids.removeAll(keepingCapacity: true)
        for _ in 0 ..< length {
            let v = rng.nextDouble()
            ids.append(v < 0.04 ? 0 : (v < 0.055 ? 1 : zipfID(&rng, cdf)))
        }
        let m = markers
        // Gender by order: an adjacent pair, "a b" for 0 and "b a" for 1.
        if rng.nextDouble() < 0.7 {
            let (a, b) = m.pairs[rng.below(m.pairs.count)]
            let at = rng.below(length - 1)
            ids[at] = gender == 0 ? a : b
            ids[at + 1] = gender == 0 ? b : a
        }
        // Weak gender marker word.
        if rng.nextDouble() < 0.25 {
            ids[rng.below(length)] = m.gender[gender][rng.below(m.gender[gender].count)]
        }
        // Age marker of the row's bracket, or (noise) of another one.
        if rng.nextDouble() < 0.65 {
            ids[rng.below(length)] = m.age[age][rng.below(m.age[age].count)]
        }
        if rng.nextDouble() < 0.15 {
            let other = (age + 1 + rng.below(2)) % 3
            ids[rng.below(length)] = m.age[other][rng.below(m.age[other].count)]
        }
        return (gender, age)
    }

    /// The corpus in memory, and each row's post id.
    public static func generate(rows: Int, seed: UInt64, lengths: ClosedRange<Int>? = nil) -> (corpus: Corpus, postIDs: [Int]) {
        var corpus = Corpus(vocabularySize: vocabularySize)
        corpus.tokenIDs.reserveCapacity(rows * 18)
        var ids: [Int32] = []
        for i in 0 ..< rows {
            let (g, a) = row(i, seed: seed, lengths: lengths, into: &ids)
            corpus.append(ids: ids, label: UInt8(g * 3 + a))
        }
        return (corpus, (0 ..< rows).map(postID))
    }

    static func postID(_ row: Int) -> Int { 1_000_000 + row }

    /// The CSV file's bytes (LF line ends; `string` quoted, holding the
    /// words of the ids). `lengths` as in `row`: nil for the corpus's
    /// own distribution (5...30, mean about 17). `vocabularySize` other
    /// than the default spreads the same Zipf law over more (or fewer) ids.
    public static func csv(rows: Int, seed: UInt64, lengths: ClosedRange<Int>? = nil,
                           vocabularySize size: Int = vocabularySize) -> [UInt8] {
        precondition(size >= minimumVocabularySize, "vocabulary too small for the markers")
        let cdf = size == vocabularySize ? zipfCDF : zipfCDF(size: size)
        let words = vocabulary(size: size).map { word -> [UInt8] in
            var w: [UInt8] = []
            for c in word.utf8 { w.append(c); if c == 0x22 { w.append(c) } }
            return w
        }
        let numbers = (0 ..< max(size, 10_001)).map { Array(String($0).utf8) }
        var out: [UInt8] = []
        out.reserveCapacity(rows * (lengths.map { ($0.lowerBound + $0.upperBound) * 6 } ?? 190) + 64)
        out += Array("post_id,gender,age_bracket,string,as_numbers,length\n".utf8)
        var ids: [Int32] = []
        for i in 0 ..< rows {
            let (g, a) = row(i, seed: seed, lengths: lengths, cdf: cdf, into: &ids)
            out += Array(String(postID(i)).utf8)
            out += [0x2C, UInt8(0x30 + g), 0x2C, UInt8(0x30 + a), 0x2C, 0x22]
            for (k, id) in ids.enumerated() {
                if k > 0 { out.append(0x20) }
                out += words[Int(id)]
            }
            out += [0x22, 0x2C]
            for (k, id) in ids.enumerated() {
                if k > 0 { out.append(0x20) }
                out += numbers[Int(id)]
            }
            out.append(0x2C)
            out += numbers[ids.count]
            out.append(0x0A)
        }
        return out
    }

    /// Common words standing in for the real vocabulary's head (ids 2...).
    static let headWords = [
        ".", ",", "the", "i", "and", "to", "a", "of", "it", "that", "is", "in", "my", "was", "for", "you", "me",
        "but", "so", "this", "on", "have", "just", "with", "be", "not", "'s", "n't", "do", "are", "like", "at",
        "all", "we", "what", "!", "?", "he", "she", "they", "if", "get", "out", "up", "about", "no", "can", "one",
        "know", "'m", "there", "go", "when", "time", "now", "really", "today", "think", "day", "got",
    ]

    /// The synthetic vocabulary: line k is the word of id k. `<UNK>`, `<#>`,
    /// common English words, then pronounceable pseudo-words (CVCVn).
    public static func vocabulary(size: Int = vocabularySize) -> [String] {
        let consonants = Array("bdfghjklmnprstvwyzcq"), vowels = Array("aeiou")
        var words = ["<UNK>", "<#>"] + headWords
        var k = 0
        while words.count < size {
            let a = k % 100, b = (k / 100) % 100, c = k / 10_000
            var w = ""
            w.append(consonants[a % 20]); w.append(vowels[a / 20])
            w.append(consonants[b % 20]); w.append(vowels[b / 20])
            w += c == 0 ? "n" : "n\(c)"
            words.append(w)
            k += 1
        }
        return Array(words.prefix(size))
    }
}
