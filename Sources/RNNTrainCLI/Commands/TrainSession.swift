import Corpus
import Model
import TensorCore

/// The epochs of one training command: builds the network and trainer from a
/// `TrainPlan`, restores a resumed checkpoint, then per epoch prints the
/// line, appends metrics, redraws the plot and saves; Ctrl-C saves the
/// epoch's position and exits 130. It never names a cell or an optimizer:
/// those live in the plan's specs and the checkpoint's record.
final class TrainSession {
    let plan: TrainPlan
    let console: Console
    let network: SequenceNetwork
    let trainer: Trainer
    var firstEpoch = 1
    var partial = EpochTally()
    /// The epoch with the lowest validation loss so far, and its weights
    /// (a resumed run remembers it, so --save-best never replaces a better
    /// model saved before the interruption).
    var best = BestEpoch()
    /// The metrics file and the chart (with a metrics file, the epochs from
    /// before a resume too).
    var outputs: EpochOutputs!
    /// Time inside sgemm (reported with RNNTRAIN_TIME_BLAS set).
    var blasShare: BLASShare
    /// What `--embeddings` matched (printed with the summary).
    var pretrainedNote: String?
    /// Training seconds of this process's epochs (for the optimizer's share).
    var trainSeconds = 0.0
    /// The epochs to run (with a step limit: enough epochs to reach it).
    let epochs: Int
    /// Step lines and checkpoints (TrainSession+Steps).
    var steps = StepState()
    /// The baselines on the same split (`--baseline`, classify).
    var baseline: BaselineFigures?
    /// Whether the first batches' cost was weighed (`EpochEstimate`).
    var estimated = false

    init(plan: TrainPlan, console: Console) throws {
        self.plan = plan
        self.console = console
        blasShare = BLASShare(threads: plan.training.threads)
        network = SequenceNetwork(spec: plan.model, seed: plan.settings.seed)
        trainer = Trainer(network: network, corpus: plan.loaded.corpus, trainRows: plan.trainRows,
                          testRows: plan.selection.reportTest || plan.valRows.isEmpty ? plan.testRows : [], valRows: plan.valRows,
                          options: plan.training)
        if let source = plan.pretrained { pretrainedNote = try EmbeddingOptions.load(source, into: network) }
        if let resumed = plan.resumed {
            try resumed.checkpoint.restore(into: network, optimizer: trainer.optimizer, path: resumed.path)
            let progress = resumed.record.progress
            firstEpoch = progress.epoch + 1
            partial = progress.partial ?? EpochTally()
            steps.window = progress.stepWindow ?? EpochTally()
            trainer.plateau = progress.plateau ?? PlateauState()
        }
        epochs = TrainSession.epochsToRun(plan: plan, batchesPerEpoch: trainer.batches(epoch: 1).count)
        if let resumed = plan.resumed {
            try restoreBest(resumed.record, checkpoint: resumed.checkpoint)
            let done = resumed.record.progress
            if let limit = plan.steps.limit, done.optimizerStep >= limit {
                throw UsageError("\(resumed.path) is already at step \(done.optimizerStep); ask for more --max-steps to continue")
            }
            guard firstEpoch <= epochs else {
                throw UsageError("\(resumed.path) is already at epoch \(done.epoch); ask for more --epochs to continue")
            }
        }
        outputs = EpochOutputs(metricsPath: plan.metricsPath, plotPath: plan.plotPath, runName: plan.runName, firstEpoch: firstEpoch)
    }
    var unit: String { plan.task == .classify ? "" : "/token" }

    func run() throws -> Int32 {
        if !plan.quiet { printSummary() }
        if let pretrainedNote, !plan.quiet { console.note(pretrainedNote) }
        if let resumed = plan.resumed, !plan.quiet {
            console.note(resumeNote(path: resumed.path, epoch: firstEpoch, partial: partial, unit: "batch",
                                    optimizerStep: trainer.optimizer.step))
        }
        if plan.baseline {
            baseline = BaselineFigures.compute(trainer.corpus, train: plan.trainRows, val: plan.valRows, test: plan.testRows,
                                               threads: plan.training.threads)
        }
        Interruption.install()
        defer { Interruption.uninstall() }
        let progress = ProgressBar(console: console, enabled: console.errIsTerminal && !plan.quiet,
                                   logInterval: console.errIsTerminal || plan.quiet ? nil : plan.progressLogSeconds)
        for epoch in firstEpoch ... epochs {
            let resuming = epoch == firstEpoch ? partial : EpochTally()
            steps.startEpoch(resuming)
            let bar = progress.callback(epoch: epoch, of: epochs)
            let s = trainer.trainEpoch(epoch, resuming: resuming,
                                       progress: { [self] p in afterBatch(p, epoch: epoch, bar: bar, progress: progress) },
                                       shouldStop: { [self] in Interruption.requested || steps.failure != nil || reachedStepLimit })
            progress.clear()
            if let failure = steps.failure { throw failure }
            if let batch = s.nonFiniteBatch { throw nonFinite(s, epoch: epoch, batch: batch) }
            if s.interrupted && reachedStepLimit { try stopAtStepLimit(s, epoch: epoch); break }
            if s.interrupted { return try saveInterrupted(s, epoch: epoch) }
            console.line(TrainSession.epochLine(s, of: epochs, unit: unit, hasVal: !plan.valRows.isEmpty, hasTest: !trainer.testRows.isEmpty,
                                                errorRate: plan.steps.errorRate))
            blasShare.add(epochSeconds: s.trainSeconds + s.evalSeconds)
            trainSeconds += s.trainSeconds - (epoch == firstEpoch ? partial.seconds : 0)
            trainer.observeValidation(loss: s.valLoss)
            try record(s)
            if reachedStepLimit || stopsEarly(after: epoch) { break }
        }
        try finish()
        return RNNTrain.ExitCode.ok
    }

    /// The run record of this run after `epoch` complete epochs.
    func runRecord(epoch: Int) -> RunRecord {
        var progress = RunProgress(epoch: epoch, optimizerStep: trainer.optimizer.step)
        if best.epoch > 0 { (progress.bestValEpoch, progress.bestValLoss, progress.bestValAccuracy) = (best.epoch, best.loss, best.accuracy) }
        if plan.training.schedule.kind == .plateau { progress.plateau = trainer.plateau }
        if steps.window.batchesDone > 0 { progress.stepWindow = steps.window }
        // The base rate: the schedule sets the optimizer's current one.
        var optimizer = trainer.optimizer.spec
        optimizer.learningRate = plan.training.optimizer.learningRate
        return RunRecord(model: network.spec, optimizer: optimizer, settings: plan.settings, progress: progress)
    }

    /// After a finished epoch: metrics line, chart, checkpoint.
    func record(_ s: EpochStats) throws {
        let hasTest = !trainer.testRows.isEmpty, hasVal = !plan.valRows.isEmpty
        var m = MetricsRecord(run: plan.runName, epoch: s.epoch, trainLoss: s.trainLoss, trainAccuracy: s.trainAccuracy,
                              testLoss: hasTest ? s.testLoss : nil, testAccuracy: hasTest ? s.testAccuracy : nil,
                              seconds: (s.trainSeconds * 1000).rounded() / 1000, tokensPerSecond: s.tokensPerSecond.rounded(),
                              learningRate: Double("\(trainer.optimizer.learningRate)"), task: plan.task.rawValue,
                              batching: plan.settings.batching.description, batchSize: plan.training.batchSize)
        if hasVal { (m.valLoss, m.valAccuracy) = (s.valLoss, s.valAccuracy) }
        m.majorityShare = majorityShare
        let improved = hasVal && best.improves(on: s.valLoss)
        if improved { best.keep(epoch: s.epoch, loss: s.valLoss, accuracy: s.valAccuracy, network: network) }
        guard writesFiles else { return }
        try outputs.add(m, kept: plan.selecting ? best.epoch : s.epoch)
        if let path = plan.savePath, improved || !plan.selecting {
            var r = runRecord(epoch: s.epoch)
            if hasTest { r.progress.testAccuracy = s.testAccuracy }
            if hasVal { (r.progress.valLoss, r.progress.valAccuracy) = (s.valLoss, s.valAccuracy) }
            try Checkpoint(network: network, optimizer: trainer.optimizer, record: r).write(to: path)
            if !plan.quiet { console.note("saved \(path) (epoch \(s.epoch))") }
        }
    }

    /// Ctrl-C: the epoch's position and running sums go into the checkpoint
    /// (with --save-best beside the best model, never over it).
    func saveInterrupted(_ s: EpochStats, epoch: Int) throws -> Int32 {
        try saveInterruptedRun(position: "epoch \(epoch), after batch \(s.tally.batchesDone) of \(s.batches)",
                               savePath: writesFiles ? plan.savePath : nil, besideBest: plan.selecting, console: console) {
            var r = runRecord(epoch: epoch - 1)
            r.progress.partial = s.tally
            return try Checkpoint(network: network, optimizer: trainer.optimizer, record: r)
        }
    }

    /// The weights are poisoned: stop without saving them.
    func nonFinite(_ s: EpochStats, epoch: Int, batch: Int) -> RuntimeError {
        let kept = plan.savePath.map { fileExists($0) ? "; \($0) keeps the last good epoch" : "" } ?? ""
        return RuntimeError("epoch \(epoch), batch \(batch): the training loss became \(s.trainLoss.isNaN ? "NaN" : "infinite")"
            + "; stopped without saving\(kept). Try --clip 5 or a lower --lr (now \(trainer.optimizer.learningRate))")
    }

    func finish() throws {
        if GEMMClock.isOn {
            console.note(blasShare.summary)
            let inside = trainer.gradientPath.busySeconds
            console.note("time in the gradient path (sum, clip, optimizer step): \(Format.percent(inside / max(trainSeconds, 1e-9)))"
                + " of \(Format.fixed(trainSeconds, 2)) training s (\(trainer.gradientPath.stageShares(of: trainSeconds)))")
        }
        if let ranks = rankSummary, !plan.quiet { console.note(ranks) }
        try selectAndTest()
        guard !plan.quiet else { return }
        if let path = plan.plotPath { console.note("learning curves: \(path)") }
        console.note("peak memory: \(Format.fixed(peakResidentMegabytes(), 1)) MB (max resident set)")
    }
}
