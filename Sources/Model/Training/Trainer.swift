import Corpus
import Dispatch
import TensorCore

/// How to train: the hyperparameters that are not part of the architecture.
public struct TrainingOptions: Sendable {
    public var epochs = 10
    public var batchSize = 256
    public var optimizer = OptimizerSpec()
    /// Clip the global gradient norm to this value (off when nil).
    public var clipNorm: Float?
    public var seed: UInt64 = 1
    /// Threads that run the batch's shards (each runs single-threaded BLAS).
    public var threads = 1
    /// S, the shards every batch is cut into (`ShardLayout`): the same S
    /// gives the same bits on any threads and ranks. nil: one shard per
    /// thread of every rank (the sum then changes with them).
    public var shards: Int?
    public var mode: BatchingMode = .padded
    public var maxLength = 30
    /// The learning rate per update (`optimizer.learningRate` is its base).
    public var schedule = LearningRateSchedule()
    /// Per-class loss weights, or nil (every class 1).
    public var classWeights: [Float]?
    /// The ranks of a data-parallel run (nil: this process alone). Each rank
    /// runs S / size of the shards every batch is dealt to.
    public var group: (any RankGroup)?

    public init() {}

    /// S as the run uses it: `shards`, or threads x ranks.
    public var shardCount: Int { shards ?? threads * (group?.size ?? 1) }
}

/// The figures of one epoch.
public struct EpochStats: Sendable {
    public var epoch: Int
    public var trainLoss: Double
    public var trainAccuracy: Double
    public var testLoss: Double
    public var testAccuracy: Double
    /// Wall time of the training batches (evaluation excluded).
    public var trainSeconds: Double
    public var evalSeconds: Double
    /// Real (unpadded) training tokens.
    public var tokens: Int
    public var batches: Int
    /// Share of a padded [B x T] batch that would be padding, over the epoch.
    public var paddingShare: Double
    /// The running sums when training stopped; `tally.batchesDone` equals
    /// `batches` unless the run was interrupted.
    public var tally: EpochTally
    /// True when the epoch ended early (no evaluation then): `shouldStop`,
    /// or a loss that stopped being finite.
    public var interrupted: Bool { tally.batchesDone < batches }
    /// The 1-based batch whose loss was NaN or infinite (training stopped there).
    public var nonFiniteBatch: Int?
    /// NaN without validation rows.
    public var valLoss = Double.nan
    public var valAccuracy = Double.nan
    public var tokensPerSecond: Double { trainSeconds > 0 ? Double(tokens) / trainSeconds : 0 }
}

/// The running sums of a partly trained epoch: what an interrupted run saves
/// so that the resumed epoch reports the same figures as an uninterrupted one.
public struct EpochTally: Sendable, Equatable, Codable {
    public var batchesDone = 0
    public var lossSum = 0.0
    public var correct = 0
    public var scored = 0
    public var tokens = 0
    public var padded = 0
    public var seconds = 0.0

    public init() {}

    /// `batches=12 loss_sum=... correct=... scored=... tokens=... padded=... seconds=...`;
    /// doubles print in Swift's shortest round-trip form, so decoding is exact.
    public var encoded: String {
        "batches=\(batchesDone) loss_sum=\(lossSum) correct=\(correct) scored=\(scored) tokens=\(tokens) padded=\(padded) seconds=\(seconds)"
    }

    public init?(encoded: String) {
        var fields: [Substring: Substring] = [:]
        for part in encoded.split(separator: " ") {
            let kv = part.split(separator: "=", maxSplits: 1)
            guard kv.count == 2 else { return nil }
            fields[kv[0]] = kv[1]
        }
        guard let b = fields["batches"].flatMap({ Int($0) }), b >= 0,
              let l = fields["loss_sum"].flatMap({ Double($0) }),
              let c = fields["correct"].flatMap({ Int($0) }), let s = fields["scored"].flatMap({ Int($0) }),
              let t = fields["tokens"].flatMap({ Int($0) }), let p = fields["padded"].flatMap({ Int($0) }),
              let sec = fields["seconds"].flatMap({ Double($0) }) else { return nil }
        batchesDone = b; lossSum = l; correct = c; scored = s; tokens = t; padded = p; seconds = sec
    }
}

/// Progress inside an epoch, for a progress bar.
public struct BatchProgress: Sendable {
    public var batch: Int
    public var batches: Int
    public var runningLoss: Double
    public var runningAccuracy: Double
    public var elapsedSeconds: Double
    /// The epoch's running sums after this batch (what a mid-epoch checkpoint saves).
    public var tally: EpochTally
}

/// Runs epochs: draws the epoch's batches, deals each to the shards (one
/// worker per shard of this rank, run by the thread team), hands their
/// gradients to the `GradientPath` (sum by the shard tree, so the same bits
/// for a given shard count on any threads and ranks; reduce; clip;
/// optimizer step); then evaluates on the test rows.
///
/// Every random decision derives from `options.seed`: the epoch's batch order
/// from (seed, epoch), dropout from (seed, step, row), so an epoch can be
/// replayed exactly.
public final class Trainer: @unchecked Sendable {
    public let network: SequenceNetwork
    public let corpus: Corpus
    public let trainRows: [Int]
    public let testRows: [Int]
    /// Rows evaluated after every epoch for model selection (may be empty).
    public let valRows: [Int]
    public let options: TrainingOptions
    public let optimizer: any Optimizer
    /// One worker per shard of this rank.
    public let workers: [NetworkWorker]
    public let gradientPath: GradientPath
    /// The shards, and which of them this rank runs on which thread.
    public let layout: ShardLayout
    let planner: BatchPlanner
    private var sorted: [Int] = []
    private var lengthStart: [Int] = []
    /// The longest row the workers are sized for.
    private let longest: Int
    /// The rows of every shard of the whole job; this rank runs shards
    /// `layout.first ..< layout.first + layout.perRank`.
    private var shards: [[Int]]
    /// Stage 2 of the gradient path across ranks (nil in one process).
    public let rankReduction: RankReduction?
    /// Each shard's outcome of the current batch.
    private let outcomes: ShardOutcomes
    /// ReduceLROnPlateau's state (`observeValidation` after each epoch).
    public var plateau = PlateauState()
    /// Updates from the peak to the end of the cosine schedule.
    public private(set) lazy var totalSteps = batches(epoch: 1).count
        * (options.schedule.cosineEpochs > 0 ? options.schedule.cosineEpochs : options.epochs)

    public init(network: SequenceNetwork, corpus: Corpus, trainRows: [Int], testRows: [Int], valRows: [Int] = [],
                options: TrainingOptions) {
        precondition(options.threads >= 1 && options.batchSize >= 1, "threads and batch size must be positive")
        self.network = network
        self.corpus = corpus
        self.trainRows = trainRows
        self.testRows = testRows
        self.valRows = valRows
        self.options = options
        // Parallelism comes from the workers; BLAS threads inside each
        // worker's small GEMMs would only oversubscribe the cores.
        BLASRuntime.setThreads(1)
        let optimizer = options.optimizer.make(parameterCount: network.layout.totalCount)
        self.optimizer = optimizer
        layout = ShardLayout(shards: options.shardCount, ranks: options.group?.size ?? 1, rank: options.group?.rank ?? 0,
                             threads: options.threads)
        let perShard = (options.batchSize + layout.shards - 1) / layout.shards
        let maxLen = max(options.maxLength, corpus.lengthSummary().max)
        longest = maxLen
        let workers = (0 ..< layout.perRank).map { _ in NetworkWorker(network: network, maxRows: perShard, maxLength: maxLen) }
        for w in workers { w.classWeights = options.classWeights }
        self.workers = workers
        planner = BatchPlanner(corpus: corpus, rows: trainRows, batchSize: options.batchSize, mode: options.mode)
        shards = Array(repeating: [], count: layout.shards)
        outcomes = ShardOutcomes(count: layout.perRank, group: options.group)
        gradientPath = GradientPath(network: network, workers: workers, optimizer: optimizer, clipNorm: options.clipNorm,
                                    threads: options.threads)
        rankReduction = options.group.map { RankReduction(group: $0, network: network, owner: workers[0]) }
        rankReduction?.attach(to: gradientPath)
        for w in 0 ..< layout.shards { shards[w].reserveCapacity(perShard) }
    }

    /// The batches of `epoch` (1-based), a pure function of (seed, epoch).
    public func batches(epoch: Int) -> [[Int]] {
        var rng = RNG.derived(seed: options.seed, RandomStream.epochOrder, UInt64(epoch))
        return planner.epoch(rng: &rng)
    }

    /// Trains one epoch and evaluates on the test rows. `resuming` carries on
    /// an interrupted epoch (its first `batchesDone` batches are skipped and
    /// its sums continued); `shouldStop`, asked before every batch, ends the
    /// epoch early without evaluating.
    public func trainEpoch(_ epoch: Int, resuming: EpochTally = EpochTally(), progress: ((BatchProgress) -> Void)? = nil,
                           shouldStop: (() -> Bool)? = nil) -> EpochStats {
        let plan = batches(epoch: epoch)
        let clock = ContinuousClock()
        let start = clock.now
        var t = resuming
        t.batchesDone = min(t.batchesDone, plan.count)
        var nonFinite: Int?
        for (i, rows) in plan.enumerated() where i >= t.batchesDone {
            if stopAgreed(shouldStop) { break }
            optimizer.learningRate = learningRate(step: optimizer.step + 1, epoch: epoch)
            let o = trainStep(rows)
            // With class weights, the batch's weighted mean counts once per row.
            let lossSum = options.classWeights == nil ? o.lossSum : o.lossSum / max(o.weightSum, 1e-30) * Double(o.count)
            if !o.lossSum.isFinite {
                nonFinite = i + 1
                t.lossSum += lossSum
                break
            }
            t.lossSum += lossSum
            t.correct += o.correct
            t.scored += o.count
            t.tokens += o.tokens
            var longest = 0
            for r in rows { longest = max(longest, corpus.length(r)) }
            t.padded += longest * rows.count
            t.batchesDone = i + 1
            if let progress {
                progress(BatchProgress(batch: i + 1, batches: plan.count,
                                       runningLoss: t.lossSum / Double(max(t.scored, 1)),
                                       runningAccuracy: Double(t.correct) / Double(max(t.scored, 1)),
                                       elapsedSeconds: seconds(clock.now - start), tally: t))
            }
        }
        t.seconds = resuming.seconds + seconds(clock.now - start)
        gradientPath.gatherOptimizerState()
        let evalStart = clock.now
        let done = t.batchesDone == plan.count
        let test = done ? evaluate(rows: testRows) : (loss: Double.nan, accuracy: Double.nan, count: 0)
        let val = done && !valRows.isEmpty ? evaluate(rows: valRows) : (loss: Double.nan, accuracy: Double.nan, count: 0)
        return EpochStats(epoch: epoch,
                          trainLoss: t.lossSum / Double(max(t.scored, 1)),
                          trainAccuracy: Double(t.correct) / Double(max(t.scored, 1)),
                          testLoss: test.loss, testAccuracy: test.accuracy,
                          trainSeconds: t.seconds, evalSeconds: seconds(clock.now - evalStart),
                          tokens: t.tokens, batches: plan.count,
                          paddingShare: t.padded > 0 ? Double(t.padded - t.tokens) / Double(t.padded) : 0,
                          tally: t, nonFiniteBatch: nonFinite, valLoss: val.loss, valAccuracy: val.accuracy)
    }

    /// The scheduled rate of update `step` (1-based) in `epoch`.
    public func learningRate(step: Int, epoch: Int) -> Float {
        Float(options.schedule.rate(base: Double(options.optimizer.learningRate), step: step, epoch: epoch,
                                    totalSteps: totalSteps, plateau: plateau))
    }

    /// After an epoch: the validation loss drives the plateau schedule.
    public func observeValidation(loss: Double) {
        guard options.schedule.kind == .plateau else { return }
        plateau.observe(loss: loss, schedule: options.schedule, base: Double(options.optimizer.learningRate))
    }

    /// One optimisation step on the corpus rows `rows`. The loss is the mean
    /// over rows (pooled heads) or over real tokens (per-step head), weighted
    /// by `options.classWeights` when given.
    @discardableResult
    public func trainStep(_ rows: [Int]) -> NetworkWorker.Outcome {
        let active = layout.active(distribute(rows))
        let scale = 1 / Float(lossDenominator(rows))
        let key = DropoutKey(seed: options.seed, step: UInt64(optimizer.step + 1))
        if active.local == 0 { // a short batch left this rank no rows: it adds zeros
            workers[0].clearGradients(recording: false)
        }
        layout.run(active.local) { w in
            self.workers[w].batch.fill(corpus: self.corpus, rows: self.shards[self.layout.first + w])
            self.outcomes.slots[w] = self.workers[w].run(dropoutKey: key, gradScale: scale)
        }
        gradientPath.apply(activeWorkers: active.local, activeRanks: active.ranks)
        return outcomes.total(active: active.local)
    }

    /// The rows' count (pooled heads) or real tokens (per-step head), each
    /// counted with its class weight.
    func lossDenominator(_ rows: [Int]) -> Double {
        let steps = workers[0].head.scoresSteps
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

    /// Loss and accuracy without dropout (per row for classify, per real
    /// token for seq2seq). Rows are evaluated sorted by length, so batches
    /// carry almost no padding.
    public func evaluate(rows: [Int]) -> (loss: Double, accuracy: Double, count: Int) {
        guard !rows.isEmpty else { return (0, 0, 0) }
        let byLength = rows.sorted { corpus.length($0) > corpus.length($1) || (corpus.length($0) == corpus.length($1) && $0 < $1) }
        var lossSum = 0.0, weightSum = 0.0, correct = 0, count = 0
        var i = 0
        while i < byLength.count {
            let chunk = Array(byLength[i ..< min(i + options.batchSize, byLength.count)])
            let active = layout.active(distribute(chunk)).local
            layout.run(active) { w in
                self.workers[w].batch.fill(corpus: self.corpus, rows: self.shards[self.layout.first + w])
                self.outcomes.slots[w] = self.workers[w].run(dropoutKey: nil)
            }
            let o = outcomes.total(active: active)
            lossSum += o.lossSum; weightSum += o.weightSum; correct += o.correct; count += o.count
            i += options.batchSize
        }
        return (lossSum / weightSum, Double(correct) / Double(count), count)
    }

    /// Sorts `rows` by decreasing length (a counting sort into reused
    /// buffers; ties keep their order) and deals them round-robin to the
    /// shards of the whole job, so every shard gets a similar share of
    /// tokens. Returns how many shards of the job got rows.
    private func distribute(_ rows: [Int]) -> Int {
        let maxLen = longest
        lengthStart.removeAll(keepingCapacity: true)
        lengthStart.append(contentsOf: repeatElement(0, count: maxLen + 2))
        for r in rows { lengthStart[maxLen - corpus.length(r) + 1] += 1 }
        for i in 1 ..< lengthStart.count { lengthStart[i] += lengthStart[i - 1] }
        sorted.removeAll(keepingCapacity: true)
        sorted.append(contentsOf: repeatElement(0, count: rows.count))
        for r in rows {
            let k = maxLen - corpus.length(r)
            sorted[lengthStart[k]] = r
            lengthStart[k] += 1
        }
        let n = min(shards.count, sorted.count)
        for w in 0 ..< shards.count { shards[w].removeAll(keepingCapacity: true) }
        for (i, r) in sorted.enumerated() { shards[i % n].append(r) }
        return n
    }

    /// `shouldStop`, agreed by every rank: all stop at the same batch when
    /// any asks (a reduction of the flag; nothing to agree in one process).
    private func stopAgreed(_ shouldStop: (() -> Bool)?) -> Bool {
        let local = shouldStop?() ?? false
        return options.group?.any(local) ?? local
    }
}

@inline(__always)
func seconds(_ d: Duration) -> Double {
    let c = d.components
    return Double(c.seconds) + Double(c.attoseconds) * 1e-18
}
