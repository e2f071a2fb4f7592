import Corpus
import TensorCore

/// Runs a trained network without dropout and hands out class
/// probabilities: one distribution per sequence for classify (at its last
/// real step), one per real step for seq2seq.
///
/// Rows are run in batches sorted by length, so a batch carries almost no
/// padding; results come back per corpus row, whatever the order.
public final class Predictor {
    public let network: SequenceNetwork
    public let batchSize: Int
    private let worker: NetworkWorker

    public init(network: SequenceNetwork, batchSize: Int = 256, maxLength: Int) {
        self.network = network
        self.batchSize = batchSize
        worker = NetworkWorker(network: network, maxRows: batchSize, maxLength: maxLength)
    }

    /// True when every step is predicted (seq2seq), false for one prediction per row.
    public var scoresSteps: Bool { worker.head.scoresSteps }

    /// One prediction: corpus row, step (0-based; the last step for
    /// classify), and the softmax over the classes.
    public struct Prediction {
        public var row: Int
        public var step: Int
        public var probabilities: UnsafeBufferPointer<Float>
    }

    /// Calls `body` for every prediction on `rows` of `corpus` (every row must
    /// be at most the `maxLength` given at init). Within a row, steps come in
    /// increasing order; rows come in length order.
    public func forEach(corpus: Corpus, rows: [Int], _ body: (Prediction) -> Void) {
        let k = network.spec.numClasses
        let probs = UnsafeMutableBufferPointer<Float>.allocate(capacity: k)
        defer { probs.deallocate() }
        let byLength = rows.sorted { corpus.length($0) > corpus.length($1) || (corpus.length($0) == corpus.length($1) && $0 < $1) }
        let head = worker.head
        var start = 0
        while start < byLength.count {
            let end = min(start + batchSize, byLength.count)
            let batch = worker.batch
            batch.fill(corpus: corpus, sortedRows: byLength[start ..< end])
            worker.run(dropoutKey: nil)
            // Items come per row (pooled heads) or per packed step; hand them
            // out row by row, steps in order.
            for r in 0 ..< batch.batchSize {
                for t in head.scoresSteps ? 0 ..< batch.lengths[r] : 0 ..< 1 {
                    let item = head.scoresSteps ? batch.offsets[t] + r : r
                    SoftmaxCrossEntropy.softmax(worker.logits(item: item), count: k, into: probs.baseAddress!)
                    body(Prediction(row: batch.rows[r], step: head.step(item, batch: batch), probabilities: UnsafeBufferPointer(probs)))
                }
            }
            start = end
        }
    }

    /// The final distribution of each row (after its last token), in the
    /// order of `rows`.
    public func finalProbabilities(corpus: Corpus, rows: [Int]) -> [[Float]] {
        var position: [Int: Int] = [:]
        for (i, r) in rows.enumerated() { position[r] = i }
        var out = [[Float]](repeating: [], count: rows.count)
        forEach(corpus: corpus, rows: rows) { p in
            if p.step == corpus.length(p.row) - 1, let i = position[p.row] { out[i] = Array(p.probabilities) }
        }
        return out
    }
}
