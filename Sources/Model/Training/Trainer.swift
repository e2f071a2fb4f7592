import Corpus
import TensorCore

/// The per-task work of an epoch, for the one `Trainer`: sentence batches
/// (`SentenceBatches`: classify, seq2seq, count-ones) or windows of text
/// streams (`TextWindows`: charlm). The trainer owns the workers, the
/// gradient path, the tally and the schedule; a source fills the workers'
/// batches and scores its held-out data.
public protocol BatchSource: AnyObject {
    /// S as this source runs it (`TrainingOptions.shards`, or its default).
    func shardCount(_ options: TrainingOptions) -> Int
    /// The rows and steps one worker must hold with `layout`'s shards.
    func workerSize(layout: ShardLayout) -> (rows: Int, length: Int)
    /// Once, before any batch: the team that runs the batches.
    func attach(_ team: WorkerTeam, options: TrainingOptions)
    /// The batches of `epoch` (1-based).
    func batchCount(epoch: Int) -> Int
    /// Sets up `epoch`; `resuming`: it continues an interrupted one (carried
    /// state restored by the caller). Returns the epoch's batch count.
    func startEpoch(_ epoch: Int, resuming: Bool) -> Int
    /// Fills and runs (forward and backward) this rank's workers on batch
    /// `i` of the current epoch, outcomes in the team's slots.
    func runBatch(_ i: Int, dropoutKey: DropoutKey) -> BatchRun
    /// The batch's loss as the epoch's tally adds it.
    func tallyLoss(_ o: NetworkWorker.Outcome) -> Double
    /// The held-out figures after a finished epoch (forward only).
    func evaluateHeldOut() -> (test: HeldOutFigures, val: HeldOutFigures)
}

extension BatchSource {
    public func shardCount(_ options: TrainingOptions) -> Int { options.shardCount }
    public func tallyLoss(_ o: NetworkWorker.Outcome) -> Double { o.lossSum }
}

/// What one batch ran: the workers of this rank and the ranks with rows,
/// and the size of the `[B x T]` tensor the batch would pad to (nil: no
/// padding, every row of one length).
public struct BatchRun {
    public var workers: Int
    public var ranks: Int
    public var padded: Int?

    public init(workers: Int, ranks: Int, padded: Int?) { (self.workers, self.ranks, self.padded) = (workers, ranks, padded) }
}

/// This rank's workers (one per shard it runs), which shards they are, and
/// their outcome slots.
public final class WorkerTeam: @unchecked Sendable {
    public let layout: ShardLayout
    public let workers: [NetworkWorker]
    let outcomes: ShardOutcomes

    init(layout: ShardLayout, workers: [NetworkWorker], group: (any RankGroup)?) {
        (self.layout, self.workers) = (layout, workers)
        outcomes = ShardOutcomes(count: workers.count, group: group)
    }

    /// Runs `body(k)` for the first `count` workers on the thread team,
    /// each outcome into worker k's slot.
    public func run(_ count: Int, _ body: (Int) -> NetworkWorker.Outcome) {
        let outcomes = self.outcomes
        layout.run(count) { k in outcomes.slots[k] = body(k) }
    }

    /// The sum of the first `active` slots (over every rank).
    public func total(active: Int) -> NetworkWorker.Outcome { outcomes.total(active: active) }
}

/// Runs epochs for every task: asks the batch source for the epoch's
/// batches, lets it deal each to the shards (one worker per shard of this
/// rank, run by the thread team), hands their gradients to the
/// `GradientPath` (sum by the shard tree, so the same bits for a given
/// shard count on any threads and ranks; reduce; clip; optimizer step),
/// keeps the tally, and after the epoch lets the source evaluate.
///
/// Every random decision derives from `options.seed`: the epoch's batch order
/// from (seed, epoch), dropout from (seed, step, row), so an epoch can be
/// replayed exactly.
public final class Trainer: @unchecked Sendable {
    public let network: SequenceNetwork
    public let source: any BatchSource
    public let options: TrainingOptions
    public let optimizer: any Optimizer
    public let team: WorkerTeam
    public let gradientPath: GradientPath
    /// Stage 2 of the gradient path across ranks (nil in one process).
    public let rankReduction: RankReduction?
    /// ReduceLROnPlateau's state (`observeValidation` after each epoch).
    public var plateau = PlateauState()
    /// Updates from the peak to the end of the cosine schedule.
    public private(set) lazy var totalSteps = source.batchCount(epoch: 1)
        * (options.schedule.cosineEpochs > 0 ? options.schedule.cosineEpochs : options.epochs)

    public init(network: SequenceNetwork, source: any BatchSource, options: TrainingOptions) {
        precondition(options.threads >= 1, "threads must be positive")
        (self.network, self.source, self.options) = (network, source, options)
        // Parallelism comes from the workers; BLAS threads inside each
        // worker's small GEMMs would only oversubscribe the cores.
        BLASRuntime.setThreads(1)
        let optimizer = options.optimizer.make(parameterCount: network.layout.totalCount)
        self.optimizer = optimizer
        let layout = ShardLayout(shards: source.shardCount(options), ranks: options.group?.size ?? 1,
                                 rank: options.group?.rank ?? 0, threads: options.threads)
        let size = source.workerSize(layout: layout)
        let workers = (0 ..< layout.perRank).map { _ in NetworkWorker(network: network, maxRows: size.rows, maxLength: size.length) }
        team = WorkerTeam(layout: layout, workers: workers, group: options.group)
        gradientPath = GradientPath(network: network, workers: workers, optimizer: optimizer, clipNorm: options.clipNorm,
                                    threads: options.threads)
        rankReduction = options.group.map { RankReduction(group: $0, network: network, owner: workers[0]) }
        rankReduction?.attach(to: gradientPath)
        source.attach(team, options: options)
    }

    public var workers: [NetworkWorker] { team.workers }
    /// The shards, and which of them this rank runs on which thread.
    public var layout: ShardLayout { team.layout }

    /// Trains one epoch, then lets the source evaluate. `resuming` carries
    /// on an interrupted epoch (its first `batchesDone` batches are skipped
    /// and its sums continued); `shouldStop`, asked before every batch, and
    /// the step limit end the epoch early without evaluating.
    public func trainEpoch(_ epoch: Int, resuming: EpochTally = EpochTally(), progress: ((BatchProgress) -> Void)? = nil,
                           shouldStop: (() -> Bool)? = nil) -> EpochStats {
        let count = source.startEpoch(epoch, resuming: resuming.batchesDone > 0)
        let clock = ContinuousClock(), start = clock.now
        var t = resuming
        t.batchesDone = min(t.batchesDone, count)
        var stop = StopReason.finished
        while t.batchesDone < count {
            if let limit = options.stepLimit, optimizer.step >= limit { stop = .stepLimit; break }
            if stopAgreed(shouldStop) { stop = .asked; break }
            let i = t.batchesDone
            optimizer.learningRate = learningRate(step: optimizer.step + 1, epoch: epoch)
            let (o, padded) = trainStep(i)
            t.lossSum += source.tallyLoss(o)
            guard o.lossSum.isFinite else { stop = .nonFinite(batch: i + 1); break }
            t.correct += o.correct; t.scored += o.count; t.tokens += o.tokens
            t.padded += padded ?? o.tokens
            t.batchesDone = i + 1
            progress?(BatchProgress(batch: i + 1, batches: count, runningLoss: t.meanLoss, runningAccuracy: t.accuracy,
                                    elapsedSeconds: (clock.now - start).inSeconds, tally: t))
        }
        t.seconds = resuming.seconds + (clock.now - start).inSeconds
        gradientPath.gatherOptimizerState()
        let evalStart = clock.now
        let held = stop == .finished ? source.evaluateHeldOut() : (test: HeldOutFigures(), val: HeldOutFigures())
        return EpochStats(epoch: epoch, trainLoss: t.meanLoss, trainAccuracy: t.accuracy,
                          testLoss: held.test.loss, testAccuracy: held.test.accuracy,
                          valLoss: held.val.loss, valAccuracy: held.val.accuracy,
                          trainSeconds: t.seconds, evalSeconds: (clock.now - evalStart).inSeconds, tokens: t.tokens,
                          batches: count, paddingShare: t.padded > 0 ? Double(t.padded - t.tokens) / Double(t.padded) : 0,
                          tally: t, stop: stop)
    }

    /// One optimisation step on batch `i` of the current epoch: the
    /// source runs the workers, the gradient path sums, reduces, clips and
    /// steps. Returns the batch's outcome and padded size.
    @discardableResult
    public func trainStep(_ i: Int) -> (NetworkWorker.Outcome, padded: Int?) {
        let run = source.runBatch(i, dropoutKey: DropoutKey(seed: options.seed, step: UInt64(optimizer.step + 1)))
        gradientPath.apply(activeWorkers: run.workers, activeRanks: run.ranks)
        return (team.total(active: run.workers), run.padded)
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

    /// `shouldStop`, agreed by every rank: all stop at the same batch when
    /// any asks (a reduction of the flag; nothing to agree in one process).
    private func stopAgreed(_ shouldStop: (() -> Bool)?) -> Bool {
        let local = shouldStop?() ?? false
        return options.group?.any(local) ?? local
    }
}
