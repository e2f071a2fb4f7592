import Corpus
import TensorCore

/// How sentence rows are batched (classify, seq2seq, count-ones).
public struct SentenceOptions: Sendable {
    public var batchSize = 256
    public var mode: BatchingMode = .padded
    /// The longest row the workers are sized for (at least the corpus's longest).
    public var maxLength = 30
    /// Per-class loss weights, or nil (every class 1).
    public var classWeights: [Float]?

    public init() {}
}

/// The batch source of corpus rows: each epoch's plan (`BatchPlanner`,
/// from the seed and the epoch alone, built once per epoch), each batch
/// sorted by length and dealt round-robin to the shards of the whole job;
/// the held-out rows scored after every epoch.
public final class SentenceBatches: BatchSource, @unchecked Sendable {
    public let corpus: Corpus
    public let trainRows: [Int]
    /// Rows scored after every epoch as the test figures (may be empty).
    public let testRows: [Int]
    /// Rows scored after every epoch for model selection (may be empty).
    public let valRows: [Int]
    public let options: SentenceOptions
    let planner: BatchPlanner
    /// The longest row the workers are sized for.
    private let longest: Int
    private var seed: UInt64 = 1
    private var team: WorkerTeam!
    /// The plan of the epoch asked last (`batches(epoch:)`).
    private var plan: (epoch: Int, batches: [[Int]]) = (0, [])
    /// The plan of the epoch in training (`startEpoch`).
    private var current: [[Int]] = []
    private var order = LengthOrder()
    /// The rows of every shard of the whole job; this rank runs shards
    /// `layout.first ..< layout.first + layout.perRank`.
    private var shards: [[Int]] = []

    public init(corpus: Corpus, trainRows: [Int], testRows: [Int], valRows: [Int] = [], options: SentenceOptions) {
        precondition(options.batchSize >= 1, "batch size must be positive")
        (self.corpus, self.trainRows, self.testRows, self.valRows, self.options) = (corpus, trainRows, testRows, valRows, options)
        longest = max(options.maxLength, corpus.lengthSummary().max)
        planner = BatchPlanner(corpus: corpus, rows: trainRows, batchSize: options.batchSize, mode: options.mode)
    }

    public func workerSize(layout: ShardLayout) -> (rows: Int, length: Int) {
        ((options.batchSize + layout.shards - 1) / layout.shards, longest)
    }

    public func attach(_ team: WorkerTeam, options training: TrainingOptions) {
        self.team = team
        seed = training.seed
        for w in team.workers { w.classWeights = options.classWeights }
        let perShard = workerSize(layout: team.layout).rows
        shards = (0 ..< team.layout.shards).map { _ in
            var s: [Int] = []
            s.reserveCapacity(perShard)
            return s
        }
    }

    /// The batches of `epoch` (1-based), a pure function of (seed, epoch),
    /// built once and kept until another epoch is asked.
    public func batches(epoch: Int) -> [[Int]] {
        if plan.epoch != epoch {
            var rng = RNG.derived(seed: seed, RandomStream.epochOrder, UInt64(epoch))
            plan = (epoch, planner.epoch(rng: &rng))
        }
        return plan.batches
    }

    public func batchCount(epoch: Int) -> Int { batches(epoch: epoch).count }

    public func startEpoch(_ epoch: Int, resuming: Bool) -> Int {
        current = batches(epoch: epoch)
        return current.count
    }

    /// The loss is the mean over rows (pooled heads) or over real tokens
    /// (per-step head), weighted by `options.classWeights` when given.
    public func runBatch(_ i: Int, dropoutKey: DropoutKey) -> BatchRun {
        let rows = current[i]
        let active = team.layout.active(distribute(rows[...]))
        let scale = 1 / Float(lossDenominator(rows))
        if active.local == 0 { // a short batch left this rank no rows: it adds zeros
            team.workers[0].clearGradients(recording: false)
        }
        run(active.local) { $0.run(dropoutKey: dropoutKey, gradScale: scale) }
        return BatchRun(workers: active.local, ranks: active.ranks, padded: corpus.paddedSize(of: rows).padded)
    }

    /// With class weights, the batch's weighted mean counts once per row.
    public func tallyLoss(_ o: NetworkWorker.Outcome) -> Double {
        options.classWeights == nil ? o.lossSum : o.lossSum / max(o.weightSum, 1e-30) * Double(o.count)
    }

    public func evaluateHeldOut() -> (test: HeldOutFigures, val: HeldOutFigures) {
        (evaluate(rows: testRows), valRows.isEmpty ? HeldOutFigures() : evaluate(rows: valRows))
    }

    /// Loss and accuracy without dropout (per row for classify, per real
    /// token for seq2seq); zeros for no rows. Rows are evaluated sorted by
    /// length (ties by row), so batches carry almost no padding.
    public func evaluate(rows: [Int]) -> HeldOutFigures {
        guard !rows.isEmpty else { return HeldOutFigures(loss: 0, accuracy: 0, count: 0) }
        var byLength = LengthOrder()
        byLength.sort(rows.sorted()[...], corpus: corpus, longest: longest)
        var lossSum = 0.0, weightSum = 0.0, correct = 0, count = 0
        for i in stride(from: 0, to: byLength.rows.count, by: options.batchSize) {
            let active = team.layout.active(distribute(byLength.rows[i ..< min(i + options.batchSize, byLength.rows.count)])).local
            run(active) { $0.run(dropoutKey: nil) }
            let o = team.total(active: active)
            lossSum += o.lossSum; weightSum += o.weightSum; correct += o.correct; count += o.count
        }
        return HeldOutFigures(loss: lossSum / weightSum, accuracy: Double(correct) / Double(count), count: count)
    }

    /// The first `active` workers of this rank, each filled with its shard's rows.
    private func run(_ active: Int, _ body: (NetworkWorker) -> NetworkWorker.Outcome) {
        team.run(active) { w in
            let worker = self.team.workers[w]
            worker.batch.fill(corpus: self.corpus, sortedRows: self.shards[self.team.layout.first + w][...])
            return body(worker)
        }
    }

    /// The rows' count (pooled heads) or real tokens (per-step head), each
    /// counted with its class weight.
    func lossDenominator(_ rows: [Int]) -> Double {
        let steps = team.workers[0].head.scoresSteps
        guard let w = options.classWeights else {
            return steps ? Double(rows.reduce(0) { $0 + corpus.length($1) }) : Double(rows.count)
        }
        var d = 0.0
        for r in rows {
            if !steps { d += Double(w[Int(corpus.labels[r])]); continue }
            if corpus.hasTokenLabels {
                for k in corpus.offsets[r] ..< corpus.offsets[r + 1] { d += Double(w[Int(corpus.tokenLabels[k])]) }
            } else {
                d += Double(w[Int(corpus.labels[r])]) * Double(corpus.length(r))
            }
        }
        return d
    }

    /// Sorts `rows` by decreasing length (ties keep their order) and deals
    /// them round-robin to the shards of the whole job, so every shard gets
    /// a similar share of tokens, each longest first. Returns how many
    /// shards of the job got rows.
    private func distribute(_ rows: ArraySlice<Int>) -> Int {
        order.sort(rows, corpus: corpus, longest: longest)
        let n = min(shards.count, order.rows.count)
        for w in 0 ..< shards.count { shards[w].removeAll(keepingCapacity: true) }
        for (i, r) in order.rows.enumerated() { shards[i % n].append(r) }
        return n
    }
}
