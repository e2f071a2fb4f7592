import TensorCore
import Corpus

/// `rnntrain synth`: writes the synthetic corpus as CSV (atomically), and
/// optionally its vocabulary. The committed `data/sample.csv` is
/// `rnntrain synth --rows <sampleRows> --seed <sampleSeed>`.
enum SynthCommand {
    static let options: [OptionSpec] = [
        .int("--rows", 1 ... 100_000_000, default: "\(SyntheticCorpus.sampleRows)", help: "rows to generate"),
        .seed(default: "\(SyntheticCorpus.sampleSeed)", help: "generator seed"),
        .text("--out", "PATH", help: "CSV file to write (required)"),
        .text("--vocab-out", "PATH", help: "also write the vocabulary, one token per line"),
        .int("--vocab-size", SyntheticCorpus.minimumVocabularySize ... 10_000_000, default: "\(SyntheticCorpus.vocabularySize)",
             help: "ids below N, Zipf-distributed over all of them (train with --vocab-size N or --vocab)"),
        .int("--min-len", 2 ... 10_000, default: "5", shown: "5, at most --max-len", help: "with --max-len: shortest row of a uniform length range"),
        .int("--max-len", 2 ... 10_000, help: "lengths uniform in --min-len...N instead of the corpus's 5..30 (train with classify --max-len N)"),
    ]

    static let usage = "rnntrain synth --out PATH [options]"
    static let about = "Writes the synthetic stand-in for the tokenized blog corpus: same schema,\nlengths 5..30, Zipf-like ids, corpus-like class priors, a learnable order-dependent signal.\nSame seed, same bytes."

    static func run(_ o: ParsedOptions, _ console: Console) throws -> Int32 {
        let rows = try o.int("--rows")
        let seed = try o.seed()
        let lengths = try lengthRange(o)
        let size = try o.int("--vocab-size")
        guard let out = o.string("--out") else { throw UsageError("option --out is required (the CSV file to write)") }
        try AtomicFile.checkWritable(path: out)
        if let v = o.string("--vocab-out") { try AtomicFile.checkWritable(path: v) }
        let clock = ContinuousClock()
        let start = clock.now
        let bytes = SyntheticCorpus.csv(rows: rows, seed: seed, lengths: lengths, vocabularySize: size)
        try AtomicFile.write(bytes, to: out)
        if let v = o.string("--vocab-out") {
            let text = SyntheticCorpus.vocabulary(size: size).joined(separator: "\n") + "\n"
            try AtomicFile.write(Array(text.utf8), to: v)
        }
        console.note("wrote \(out): \(Format.grouped(rows)) rows, \(Format.fixed(Double(bytes.count) / 1e6, 1)) MB in "
            + "\(Format.fixed((clock.now - start).inSeconds, 2)) s (seed \(seed))")
        return RNNTrain.ExitCode.ok
    }

    /// nil (the corpus's own lengths) unless --max-len is given.
    static func lengthRange(_ o: ParsedOptions) throws -> ClosedRange<Int>? {
        guard o.has("--max-len") else {
            if o.has("--min-len") { throw UsageError("option --min-len needs --max-len") }
            return nil
        }
        let hi = try o.optionalInt("--max-len")!
        let lo = try o.has("--min-len") ? o.int("--min-len") : min(o.int("--min-len"), hi)
        guard lo <= hi else { throw UsageError("option --min-len expects a whole number from 2 to \(hi), got \(lo)") }
        return lo ... hi
    }
}
