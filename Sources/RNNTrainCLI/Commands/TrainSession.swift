import Corpus
import Model
import TensorCore

/// What every training session takes from its plan (`TrainPlan`,
/// `CharLMPlan`): the network and options, the run's recorded settings,
/// the outputs, the checkpoint to resume, and the task beside them.
protocol SessionPlan {
    /// The task as metrics files name it: classify, seq2seq, charlm.
    var taskName: String { get }
    var model: ModelSpec { get }
    var training: TrainingOptions { get }
    var settings: RunSettings { get }
    /// --save, --metrics, --plot, --summary, --resume, --quiet.
    var outputs: RunOutputs { get }
    /// `--early-stop N` (nil: off).
    var earlyStop: Int? { get }
    /// --save-best or --early-stop: the kept model is the epoch with the lowest validation loss.
    var selecting: Bool { get }
    /// Without a terminal: a progress line at most this often (nil: none).
    var progressLogSeconds: Double? { get }
    var steps: StepOptions { get }
    func makeTask() -> any SessionTask
}

/// The task-specific part of a session: its batch source, held-out data,
/// summary, epoch line and what it adds to checkpoints and the end of the
/// run (`SentenceTask`, `CharLMTask`).
protocol SessionTask: AnyObject {
    var source: any BatchSource { get }
    /// What an epoch is made of, in notes: "batch", "window".
    var unit: String { get }
    /// The unit of losses and accuracies in lines: "" (per row), "/token".
    var lossUnit: String { get }
    var hasValidation: Bool { get }
    /// Test figures after every epoch.
    var hasTest: Bool { get }
    /// Before the checkpoint is restored (pretrained vectors): a note to print, or nil.
    func prepare(_ session: TrainSession) throws -> String?
    /// After the checkpoint is restored: what the task keeps beside it.
    func restore(_ resumed: (path: String, checkpoint: Checkpoint, record: RunRecord), partial: EpochTally) throws
    /// After the start-up summary, before the first epoch.
    func beforeEpochs(_ session: TrainSession)
    func printSummary(_ session: TrainSession)
    func epochLine(_ s: EpochStats, of epochs: Int) -> String
    /// After the epoch line (charlm: a sample).
    func afterEpochLine(_ s: EpochStats, _ session: TrainSession)
    /// The task's fields of an epoch's metrics record.
    func complete(_ m: inout MetricsRecord)
    /// The test rows' figures now (nil without test rows).
    func evaluateTest() -> HeldOutFigures?
    /// Tensors an interrupted checkpoint carries beside the weights.
    func interruptedTensors() -> [String: Safetensors.Tensor]
    /// At the end of the run, with the kept model in the network: its
    /// figures printed and added to the final metrics record (test, baselines).
    func endOfRun(_ session: TrainSession, final: inout MetricsRecord) throws
    /// The best epoch's note after the plot note (nil: none).
    func bestNote(_ best: BestEpoch) -> String?
}

/// What a task adds nothing to.
extension SessionTask {
    var hasTest: Bool { false }
    func prepare(_ session: TrainSession) throws -> String? { nil }
    func restore(_ resumed: (path: String, checkpoint: Checkpoint, record: RunRecord), partial: EpochTally) throws {}
    func beforeEpochs(_ session: TrainSession) {}
    func afterEpochLine(_ s: EpochStats, _ session: TrainSession) {}
    func complete(_ m: inout MetricsRecord) {}
    func evaluateTest() -> HeldOutFigures? { nil }
    func interruptedTensors() -> [String: Safetensors.Tensor] { [:] }
    func endOfRun(_ session: TrainSession, final: inout MetricsRecord) throws {}
    func bestNote(_ best: BestEpoch) -> String? { nil }
}

/// The epochs of every training command: builds the network and trainer
/// from the plan and its task's batch source, restores a resumed
/// checkpoint, then per epoch prints the line, appends metrics, redraws the
/// plot and saves; Ctrl-C saves the epoch's position and exits 130. It
/// never names a cell or an optimizer: those live in the plan's specs and
/// the checkpoint's record.
final class TrainSession {
    let setup: any SessionPlan
    let task: any SessionTask
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
    /// What the task noted before training (`--embeddings`).
    var preparedNote: String?
    /// Training seconds and tokens of this process's epochs.
    var trainSeconds = 0.0, trainTokens = 0
    /// The epochs to run (with a step limit: enough epochs to reach it).
    var epochs = 0
    /// Step lines and checkpoints (TrainSession+Steps).
    var steps = StepState()
    /// Whether the first batches' cost was weighed (`EpochEstimate`).
    var estimated = false

    init(plan setup: any SessionPlan, console: Console) throws {
        (self.setup, self.console) = (setup, console)
        let task = setup.makeTask()
        self.task = task
        blasShare = BLASShare(threads: setup.training.threads)
        network = SequenceNetwork(spec: setup.model, seed: setup.training.seed)
        var options = setup.training
        options.stepLimit = setup.steps.limit
        trainer = Trainer(network: network, source: task.source, options: options)
        preparedNote = try task.prepare(self)
        if let resumed = setup.outputs.resumed {
            try resumed.checkpoint.restore(into: network, optimizer: trainer.optimizer, path: resumed.path)
            let progress = resumed.record.progress
            firstEpoch = progress.epoch + 1
            partial = progress.partial ?? EpochTally()
            steps.window = progress.stepWindow ?? EpochTally()
            trainer.plateau = progress.plateau ?? PlateauState()
        }
        epochs = TrainSession.epochsToRun(limit: setup.steps.limit, epochs: setup.training.epochs,
                                          batchesPerEpoch: trainer.source.batchCount(epoch: 1))
        if let resumed = setup.outputs.resumed { try checkResumed(resumed) }
        outputs = EpochOutputs(metricsPath: setup.outputs.metricsPath, plotPath: setup.outputs.plotPath, runName: setup.outputs.runName, firstEpoch: firstEpoch)
    }

    /// A resumed run: its best epoch, and the steps or epochs left to train.
    private func checkResumed(_ resumed: (path: String, checkpoint: Checkpoint, record: RunRecord)) throws {
        try restoreBest(resumed.record, checkpoint: resumed.checkpoint)
        let done = resumed.record.progress
        if let limit = setup.steps.limit, done.optimizerStep >= limit {
            throw UsageError("\(resumed.path) is already at step \(done.optimizerStep); ask for more --max-steps to continue")
        }
        guard firstEpoch <= epochs else {
            throw UsageError("\(resumed.path) is already at epoch \(done.epoch); ask for more --epochs to continue")
        }
        try task.restore(resumed, partial: partial)
    }

    func run() throws -> Int32 {
        if !setup.outputs.quiet { task.printSummary(self) }
        if let preparedNote, !setup.outputs.quiet { console.note(preparedNote) }
        if let resumed = setup.outputs.resumed, !setup.outputs.quiet {
            console.note("resuming \(resumed.path) at epoch \(firstEpoch)"
                + (partial.batchesDone > 0 ? ", \(task.unit) \(partial.batchesDone + 1)" : "") + " (optimizer step \(trainer.optimizer.step))")
        }
        task.beforeEpochs(self)
        Interruption.install()
        defer { Interruption.uninstall() }
        let progress = ProgressBar(console: console, enabled: console.errIsTerminal && !setup.outputs.quiet,
                                   logInterval: console.errIsTerminal || setup.outputs.quiet ? nil : setup.progressLogSeconds)
        epochs: for epoch in firstEpoch ... epochs {
            let resuming = epoch == firstEpoch ? partial : EpochTally()
            steps.startEpoch(resuming)
            let bar = progress.callback(epoch: epoch, of: epochs)
            let s = trainer.trainEpoch(epoch, resuming: resuming,
                                       progress: { [self] p in afterBatch(p, epoch: epoch, bar: bar, progress: progress) },
                                       shouldStop: { [self] in Interruption.requested || steps.failure != nil })
            progress.clear()
            if let failure = steps.failure { throw failure }
            switch s.stop {
            case .nonFinite(let batch): throw nonFinite(s, epoch: epoch, batch: batch)
            case .stepLimit: count(s, epoch: epoch); try stopAtStepLimit(s, epoch: epoch); break epochs
            case .asked: return try saveInterrupted(s, epoch: epoch)
            case .finished: break
            }
            console.line(task.epochLine(s, of: epochs))
            task.afterEpochLine(s, self)
            blasShare.add(epochSeconds: s.trainSeconds + s.evalSeconds)
            count(s, epoch: epoch)
            trainer.observeValidation(loss: s.valLoss)
            try record(s)
            if reachedStepLimit || stopsEarly(after: epoch) { break }
        }
        try finish()
        return RNNTrain.ExitCode.ok
    }

    /// Adds the epoch's training seconds and tokens (this process's part of it).
    func count(_ s: EpochStats, epoch: Int) {
        trainSeconds += s.trainSeconds - (epoch == firstEpoch ? partial.seconds : 0)
        trainTokens += s.tokens - (epoch == firstEpoch ? partial.tokens : 0)
    }

    /// The run record of this run after `epoch` complete epochs.
    func runRecord(epoch: Int) -> RunRecord {
        var progress = RunProgress(epoch: epoch, optimizerStep: trainer.optimizer.step)
        if best.epoch > 0 { (progress.bestValEpoch, progress.bestValLoss, progress.bestValAccuracy) = (best.epoch, best.loss, best.accuracy) }
        if setup.training.schedule.kind == .plateau { progress.plateau = trainer.plateau }
        if steps.window.batchesDone > 0 { progress.stepWindow = steps.window }
        // The base rate: the schedule sets the optimizer's current one.
        var optimizer = trainer.optimizer.spec
        optimizer.learningRate = setup.training.optimizer.learningRate
        return RunRecord(model: network.spec, optimizer: optimizer, settings: setup.settings, progress: progress)
    }

    /// After a finished epoch: metrics line, chart, checkpoint.
    func record(_ s: EpochStats) throws {
        let hasTest = task.hasTest, hasVal = task.hasValidation
        var m = MetricsRecord(run: setup.outputs.runName, epoch: s.epoch, trainLoss: s.trainLoss, trainAccuracy: s.trainAccuracy,
                              testLoss: hasTest ? s.testLoss : nil, testAccuracy: hasTest ? s.testAccuracy : nil,
                              seconds: (s.trainSeconds * 1000).rounded() / 1000, tokensPerSecond: s.tokensPerSecond.rounded(),
                              learningRate: Format.rate(trainer.optimizer.learningRate), task: setup.taskName,
                              batching: setup.settings.batching.description, batchSize: setup.settings.batchSize)
        if hasVal { (m.valLoss, m.valAccuracy) = (s.valLoss, s.valAccuracy) }
        task.complete(&m)
        let improved = hasVal && best.improves(on: s.valLoss)
        if improved { best.keep(epoch: s.epoch, loss: s.valLoss, accuracy: s.valAccuracy, network: network) }
        guard writesFiles else { return }
        try outputs.add(m, kept: setup.selecting ? best.epoch : s.epoch)
        if let path = setup.outputs.savePath, improved || !setup.selecting {
            var r = runRecord(epoch: s.epoch)
            if hasTest { r.progress.testAccuracy = s.testAccuracy }
            if hasVal { (r.progress.valLoss, r.progress.valAccuracy) = (s.valLoss, s.valAccuracy) }
            try Checkpoint(network: network, optimizer: trainer.optimizer, record: r).write(to: path)
            if !setup.outputs.quiet { console.note("saved \(path) (epoch \(s.epoch))") }
        }
    }

    /// Ctrl-C: the epoch's position, running sums and the task's tensors go
    /// into the checkpoint, written to --save PATH (or beside the selected
    /// model, as `NAME.interrupted.safetensors`, never over it); then one
    /// line that says where training stopped and how to continue. Exit 130.
    func saveInterrupted(_ s: EpochStats, epoch: Int) throws -> Int32 {
        // Every rank hands its part of the task's tensors over; rank 0 writes.
        let extra = setup.outputs.savePath == nil ? [:] : task.interruptedTensors()
        var where_ = "epoch \(epoch), after \(task.unit) \(s.tally.batchesDone) of \(s.batches)"
        if let savePath = setup.outputs.savePath, writesFiles {
            let target = setup.selecting ? TrainSession.interruptedPath(savePath) : savePath
            var r = runRecord(epoch: epoch - 1)
            r.progress.partial = s.tally
            var checkpoint = try Checkpoint(network: network, optimizer: trainer.optimizer, record: r)
            checkpoint.tensors.merge(extra) { _, new in new }
            try checkpoint.write(to: target)
            where_ += "; saved \(target): continue with --resume \(target)"
        } else {
            where_ += "; nothing saved (use --save PATH to keep progress)"
        }
        console.note("interrupted in \(where_)")
        return RNNTrain.ExitCode.interrupted
    }

    /// The weights are poisoned: stop without saving them.
    func nonFinite(_ s: EpochStats, epoch: Int, batch: Int) -> RuntimeError {
        let kept = setup.outputs.savePath.map { fileExists($0) ? "; \($0) keeps the last good epoch" : "" } ?? ""
        return RuntimeError("epoch \(epoch), \(task.unit) \(batch): the training loss became \(s.trainLoss.isNaN ? "NaN" : "infinite")"
            + "; stopped without saving\(kept). Try --clip 5 or a lower --lr (now \(trainer.optimizer.learningRate))")
    }

    func finish() throws {
        if GEMMClock.isOn {
            console.note(blasShare.summary)
            let inside = trainer.gradientPath.busySeconds
            console.note("time in the gradient path (sum, clip, optimizer step): \(Format.percent(inside / max(trainSeconds, 1e-9)))"
                + " of \(Format.fixed(trainSeconds, 2)) training s (\(trainer.gradientPath.stageShares(of: trainSeconds)))")
        }
        if let ranks = rankSummary, !setup.outputs.quiet { console.note(ranks) }
        var final = keptModel()
        try task.endOfRun(self, final: &final)
        if writesFiles && final.epoch > 0 { try outputs.addFinal(final) }
        if writesFiles, let path = setup.outputs.summaryPath { try summary(final).write(to: path) }
        guard !setup.outputs.quiet else { return }
        if let path = setup.outputs.plotPath { console.note("learning curves: \(path)") }
        if let note = task.bestNote(best) { console.note(note) }
        console.note("peak memory: \(Format.fixed(peakResidentMegabytes(), 1)) MB (max resident set)")
    }

    /// The kept model back in the network (with --save-best or --early-stop
    /// the epoch of lowest validation loss, else the last epoch, or the
    /// step where a step limit stopped the run), and its final metrics
    /// record: that epoch's (or step line's) figures, marked final.
    func keptModel() -> MetricsRecord {
        if setup.selecting, let w = best.weights {
            w.withUnsafeBufferPointer { network.params.base.update(from: $0.baseAddress!, count: w.count) }
        }
        if !setup.selecting, steps.stoppedAtLimit, var final = steps.lastRecord {
            (final.final, final.seconds, final.tokensPerSecond) = (true, nil, nil)
            return final
        }
        let last = outputs.history.last?.epoch ?? 0
        let kept = setup.selecting && best.epoch > 0 ? best.epoch : last
        var final = outputs.history.last { $0.epoch == kept && $0.step == nil }
            ?? MetricsRecord(run: setup.outputs.runName, epoch: kept, trainLoss: .nan, trainAccuracy: .nan)
        (final.final, final.step, final.seconds, final.tokensPerSecond) = (true, nil, nil, nil)
        return final
    }

    /// `--summary`: the final record's figures, this process's speed and
    /// memory, and the run record as the run ends.
    func summary(_ final: MetricsRecord) -> RunSummary {
        let last = outputs.history.last { $0.step == nil }?.epoch ?? firstEpoch - 1
        let saved = setup.outputs.savePath.flatMap { fileExists($0) ? $0 : nil }
        return RunSummary(command: setup.outputs.command, final: final, selecting: setup.selecting,
                          epochsRun: max(0, last - firstEpoch + 1), trainSeconds: trainSeconds, tokens: trainTokens,
                          checkpoint: saved, record: runRecord(epoch: last))
    }

    /// `runs/model.safetensors` -> `runs/model.interrupted.safetensors`.
    static func interruptedPath(_ path: String) -> String { insertingSuffix(".interrupted", into: path) }

    /// `suffix` before the file name's extension (or at its end).
    static func insertingSuffix(_ suffix: String, into path: String) -> String {
        let slash = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        if let dot = path[slash...].lastIndex(of: "."), dot > slash {
            return String(path[..<dot]) + suffix + String(path[dot...])
        }
        return path + suffix
    }
}
