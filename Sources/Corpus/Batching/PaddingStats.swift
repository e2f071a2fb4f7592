import TensorCore

/// How much padding a batching mode puts into batches.
public struct PaddingStats: Sendable {
    public var batches: Int
    /// Average padding tokens per batch.
    public var avgPaddingPerBatch: Double
    /// Average real tokens per batch.
    public var avgRealTokensPerBatch: Double
    /// padding / (padding + real tokens).
    public var paddingShare: Double

    /// Draws `batches` batches (over as many epochs as that takes, with the
    /// epoch order from `RNG(seed:)`) and averages their padding.
    public static func measure(corpus: Corpus, rows: [Int], batchSize: Int, mode: BatchingMode,
                               batches: Int, seed: UInt64) -> PaddingStats {
        precondition(!rows.isEmpty && batches > 0, "need rows and batches")
        let planner = BatchPlanner(corpus: corpus, rows: rows, batchSize: batchSize, mode: mode)
        var rng = RNG(seed: seed)
        var padding = 0, real = 0, seen = 0
        outer: while true {
            for batch in planner.epoch(rng: &rng) {
                let size = corpus.paddedSize(of: batch)
                padding += size.padded - size.tokens
                real += size.tokens
                seen += 1
                if seen == batches { break outer }
            }
        }
        return PaddingStats(batches: seen,
                            avgPaddingPerBatch: Double(padding) / Double(seen),
                            avgRealTokensPerBatch: Double(real) / Double(seen),
                            paddingShare: Double(padding) / Double(max(padding + real, 1)))
    }
}
