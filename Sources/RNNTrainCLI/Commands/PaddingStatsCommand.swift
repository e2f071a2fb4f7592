import Corpus

/// `rnntrain padding-stats`: how much padding padded and bucketed batching
/// put into each batch, next to the reference tutorial's figures.
enum PaddingStatsCommand {
    static let options: [OptionSpec] = DataOptions.specs + [
        .int("--batch-size", 1 ... 1_000_000, default: "256", help: "rows per batch"),
        .int("--buckets", 1 ... 100_000, default: "5", help: "length buckets for bucketed batching"),
        .int("--batches", 1 ... 10_000_000, default: "100", help: "batches to average over"),
        .seed(help: "seed of the batch order"),
    ]

    /// Average padding tokens per batch of 256 over 100 batches, measured by
    /// the reference tutorial on the real blog corpus.
    static let tutorialPadded = 3279.9
    static let tutorialBucketed = 573.49

    static let usage = "rnntrain padding-stats [options]"
    static let about = "Average padding tokens per batch with padded and bucketed batching."

    static func run(_ o: ParsedOptions, _ console: Console) throws -> Int32 {
        let seed = try o.seed()
        let data = try DataOptions(o, synthSeed: seed)
        let batchSize = try o.int("--batch-size")
        let buckets = try o.int("--buckets")
        let batches = try o.int("--batches")
        let loaded = try data.load()
        console.note(loaded.summary)
        let rows = Array(0 ..< loaded.corpus.count)
        let padded = PaddingStats.measure(corpus: loaded.corpus, rows: rows, batchSize: batchSize, mode: .padded,
                                          batches: batches, seed: seed)
        let bucketed = PaddingStats.measure(corpus: loaded.corpus, rows: rows, batchSize: batchSize,
                                            mode: .bucketed(buckets: buckets), batches: batches, seed: seed)
        let reference = batchSize == 256 && buckets == 5
        console.line("padding-stats: \(loaded.name), \(Format.grouped(loaded.corpus.count)) rows, batch \(batchSize), "
            + "\(buckets) buckets, \(batches) batches")
        let header = [Format.padRight("batching", 10), Format.padLeft("padding/batch", 14), Format.padLeft("share", 8),
                      Format.padLeft("real/batch", 11)] + (reference ? [Format.padLeft("tutorial (real corpus)", 24)] : [])
        console.line(header.joined(separator: "  "))
        for (name, s, t) in [("padded", padded, tutorialPadded), ("bucketed", bucketed, tutorialBucketed)] {
            let cols = [Format.padRight(name, 10), Format.padLeft(Format.fixed(s.avgPaddingPerBatch, 2), 14),
                        Format.padLeft(Format.percent(s.paddingShare), 8),
                        Format.padLeft(Format.fixed(s.avgRealTokensPerBatch, 1), 11)]
                + (reference ? [Format.padLeft(Format.fixed(t, 2), 24)] : [])
            console.line(cols.joined(separator: "  "))
        }
        let ratio = bucketed.avgPaddingPerBatch > 0 ? padded.avgPaddingPerBatch / bucketed.avgPaddingPerBatch : .infinity
        console.line("bucketing cuts padding \(Format.fixed(ratio, 1))x" + (reference ? " (tutorial: \(Format.fixed(tutorialPadded / tutorialBucketed, 1))x)" : ""))
        return RNNTrain.ExitCode.ok
    }
}
