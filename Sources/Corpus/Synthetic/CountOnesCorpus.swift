import TensorCore

/// The `dynamic_rnn` notebook's task: binary sequences of random length
/// 1...`maxLength`, labelled with their number of ones (classes
/// 0...`maxLength`).
///
/// Tokens are ids 0 and 1 (the bits), so the vocabulary has two entries. Id 0
/// is a real token here and also the padding value; that is harmless because
/// batches are packed and padding is never computed.
///
/// Row i is drawn from its own stream `RNG.derived(seed, stream, i)` (length
/// uniform in 1...maxLength, each bit a fair coin): the first N rows of a
/// larger corpus equal the N-row corpus of the same seed, so a test split
/// drawn as rows N ..< N + M never changes the training rows.
public enum CountOnesCorpus {
    public static let defaultMaxLength = 15
    /// Keeps these rows' streams apart from the synthetic blog corpus's.
    static let stream: UInt64 = 0xC0_0C_0E5

    public static func generate(rows: Int, seed: UInt64, maxLength: Int = defaultMaxLength) -> Corpus {
        precondition(rows >= 0 && maxLength >= 1 && maxLength <= 255, "rows >= 0, maxLength in 1...255")
        var corpus = Corpus(classNames: Corpus.numberedClassNames(maxLabel: maxLength), vocabularySize: 2)
        corpus.tokenIDs.reserveCapacity(rows * (maxLength + 1) / 2)
        corpus.offsets.reserveCapacity(rows + 1)
        corpus.labels.reserveCapacity(rows)
        var bits: [Int32] = []
        bits.reserveCapacity(maxLength)
        for i in 0 ..< rows {
            var rng = RNG.derived(seed: seed, stream, UInt64(i))
            let length = 1 + rng.below(maxLength)
            bits.removeAll(keepingCapacity: true)
            var ones = 0
            for _ in 0 ..< length {
                let bit = rng.below(2)
                ones += bit
                bits.append(Int32(bit))
            }
            corpus.append(ids: bits, label: UInt8(ones))
        }
        return corpus
    }
}
