import TensorCore
import Corpus

/// `rnntrain synth`: writes the synthetic corpus as CSV (atomically), and
/// optionally its vocabulary. The committed `data/sample.csv` is
/// `rnntrain synth --rows <sampleRows> --seed <sampleSeed>`.
enum SynthCommand {
    static let specs: [OptionSpec] = [
        OptionSpec("--rows", "N", help: "rows to generate", default: "\(SyntheticCorpus.sampleRows)"),
        OptionSpec("--seed", "N", help: "generator seed", default: "\(SyntheticCorpus.sampleSeed)"),
        OptionSpec("--out", "PATH", help: "CSV file to write (required)"),
        OptionSpec("--vocab-out", "PATH", help: "also write the vocabulary, one token per line"),
        OptionSpec("--vocab-size", "N", help: "ids below N, Zipf-distributed over all of them (train with --vocab-size N or --vocab)",
                   default: "\(SyntheticCorpus.vocabularySize)"),
        OptionSpec("--min-len", "N", help: "with --max-len: shortest row of a uniform length range", default: "5"),
        OptionSpec("--max-len", "N", help: "lengths uniform in --min-len...N instead of the corpus's 5..30 (train with classify --max-len N)"),
    ]

    static var help: String {
        helpText(usage: "rnntrain synth --out PATH [options]",
                 summary: "Writes the synthetic stand-in for the tokenized blog corpus: same schema,\nlengths 5..30, Zipf-like ids, corpus-like class priors, a learnable order-dependent signal.\nSame seed, same bytes.",
                 specs: specs)
    }

    static func run(_ arguments: [String], _ console: Console) throws -> Int32 {
        let o = try ParsedOptions.parse(arguments, specs: specs)
        let rows = try o.int("--rows", default: SyntheticCorpus.sampleRows, min: 1, max: 100_000_000)
        let seed = try o.seed("--seed", default: SyntheticCorpus.sampleSeed)
        let lengths = try lengthRange(o)
        let size = try o.int("--vocab-size", default: SyntheticCorpus.vocabularySize, min: SyntheticCorpus.minimumVocabularySize, max: 10_000_000)
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
        let hi = try o.int("--max-len", default: 30, min: 2, max: 10_000)
        let lo = try o.int("--min-len", default: min(5, hi), min: 2, max: hi)
        return lo ... hi
    }
}
