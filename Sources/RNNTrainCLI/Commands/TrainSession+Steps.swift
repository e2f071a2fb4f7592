import TensorCore
import Corpus
import Model

/// What the step intervals carry from batch to batch.
struct StepState {
    /// The sums over the steps since the last step line (carried across
    /// epochs, and saved in checkpoints so a resumed run's lines match).
    var window = EpochTally()
    /// The epoch's tally and elapsed seconds after the previous batch.
    var previous = EpochTally()
    var previousElapsed = 0.0
    /// The last step that printed a line (0: none yet).
    var lastLogged = 0
    /// A step line or checkpoint that could not be written: training stops
    /// before the next batch and the run reports it.
    var failure: Error?
    /// The last step line's record, and whether the step limit ended the
    /// run there (its model is then the one kept, unless selecting).
    var lastRecord: MetricsRecord?
    var stoppedAtLimit = false

    mutating func startEpoch(_ resuming: EpochTally) {
        previous = resuming
        previousElapsed = 0
    }
}

/// `--log-every-steps`, `--save-every-steps` and count-ones' step limit,
/// run between batches from the trainer's progress callback. A step
/// checkpoint is the Ctrl-C checkpoint written on purpose: the completed
/// epochs, the optimizer step, and the epoch's running sums (`partial`), so
/// `--resume` skips the batches already done and continues bit for bit.
extension TrainSession {
    var reachedStepLimit: Bool { setup.steps.limit.map { trainer.optimizer.step >= $0 } ?? false }

    /// The epochs to run: `epochs`, or with a step limit as many as reach it.
    static func epochsToRun(limit: Int?, epochs: Int, batchesPerEpoch: Int) -> Int {
        guard let limit else { return epochs }
        let per = max(batchesPerEpoch, 1)
        return max(1, (limit + per - 1) / per)
    }

    /// After every batch: the window's sums; the progress bar (with
    /// --log-every-steps it shows the window's loss and accuracy); a step
    /// line and a step checkpoint when due.
    func afterBatch(_ p: BatchProgress, epoch: Int, bar: ((BatchProgress) -> Void)?, progress: ProgressBar) {
        if !estimated && p.batch >= 3 && p.elapsedSeconds >= 1 {
            estimated = true
            if !setup.outputs.quiet, let line = EpochEstimate.line(secondsPerBatch: p.elapsedSeconds / Double(p.batch), batches: p.batches,
                                                          epochs: epochs - epoch + 1, parameters: network.parameterCount,
                                                          memoryMB: peakResidentMegabytes()) {
                progress.clear()
                console.note(line)
            }
        }
        var d = p.tally.since(steps.previous)
        d.seconds = p.elapsedSeconds - steps.previousElapsed
        steps.previous = p.tally
        steps.previousElapsed = p.elapsedSeconds
        steps.window.add(d)
        let step = trainer.optimizer.step
        if let bar {
            var shown = p
            if setup.steps.logEvery != nil {
                (shown.runningLoss, shown.runningAccuracy) = (steps.window.meanLoss, steps.window.accuracy)
            }
            bar(shown)
        }
        do {
            if let n = setup.steps.logEvery, step % n == 0 {
                progress.clear()
                let clock = ContinuousClock(), start = clock.now
                let test = setup.steps.evaluate ? task.evaluateTest() : nil
                try reportStep(step, epoch: epoch, batch: p.batch, of: p.batches, test: test)
                // The next window's seconds count training only.
                steps.previousElapsed += (clock.now - start).inSeconds
            }
            if let n = setup.steps.saveEvery, step % n == 0, p.batch < p.batches {
                let path = StepOptions.checkpointPath(setup.outputs.savePath!, step: step)
                var tally = p.tally
                tally.seconds += p.elapsedSeconds  // the trainer adds the epoch's seconds at its end
                try saveMidEpoch(tally, epoch: epoch, to: path)
                if !setup.outputs.quiet { progress.clear(); console.note("saved \(path) (step \(step))") }
            }
        } catch {
            steps.failure = error
        }
    }

    /// The step line (and its metrics record) over the window, which starts anew.
    func reportStep(_ step: Int, epoch: Int, batch: Int, of batches: Int,
                    test: HeldOutFigures?) throws {
        let w = steps.window
        steps.window = EpochTally()
        steps.lastLogged = step
        let loss = w.meanLoss, accuracy = w.accuracy
        let speed = w.seconds > 0 ? Double(w.tokens) / w.seconds : 0
        var line = "Step \(step) (epoch \(epoch), batch \(batch)/\(batches)) - loss\(task.lossUnit) \(Format.fixed(loss, 4))"
            + " - acc\(task.lossUnit) \(Format.fixed(accuracy, 4))"
        if let test {
            line += " - test acc\(task.lossUnit) \(Format.fixed(test.accuracy, 4))"
                + (setup.steps.errorRate ? " - error \(Format.percent(1 - test.accuracy, 2))" : "")
                + " - test loss\(task.lossUnit) \(Format.fixed(test.loss, 4))"
        }
        console.line(line + " - \(Format.duration(w.seconds)) - \(Format.grouped(Int(speed.rounded()))) tok/s")
        let m = MetricsRecord(run: setup.outputs.runName, epoch: epoch, step: step, trainLoss: loss, trainAccuracy: accuracy,
                              testLoss: test?.loss, testAccuracy: test?.accuracy,
                              seconds: (w.seconds * 1000).rounded() / 1000, tokensPerSecond: speed.rounded(),
                              learningRate: Format.rate(trainer.optimizer.learningRate), task: setup.taskName,
                              batching: setup.settings.batching.description, batchSize: setup.settings.batchSize)
        steps.lastRecord = m
        guard let path = setup.outputs.metricsPath, writesFiles else { return }
        try MetricsFile.append(m, to: path)
    }

    /// A checkpoint inside `epoch`: what `--resume` needs to carry on from
    /// the batch after `tally.batchesDone`.
    func saveMidEpoch(_ tally: EpochTally, epoch: Int, to path: String) throws {
        trainer.gradientPath.gatherOptimizerState()  // every rank (a sharded step)
        guard writesFiles else { return }
        var r = runRecord(epoch: epoch - 1)
        r.progress.partial = tally
        try Checkpoint(network: network, optimizer: trainer.optimizer, record: r).write(to: path)
    }

    /// The step limit reached inside an epoch: the last step line (with the
    /// test rows evaluated) unless that step was just reported, and the
    /// checkpoint, resumable with more --max-steps.
    func stopAtStepLimit(_ s: EpochStats, epoch: Int) throws {
        let step = trainer.optimizer.step
        if steps.lastLogged != step || !setup.steps.evaluate {
            let test = task.evaluateTest()
            try reportStep(step, epoch: epoch, batch: s.tally.batchesDone, of: s.batches, test: test)
        }
        blasShare.add(epochSeconds: s.trainSeconds)
        steps.stoppedAtLimit = true
        guard var path = setup.outputs.savePath else { return }
        // --save-best and --early-stop keep the best epoch in PATH; the last step goes beside it.
        if setup.selecting { path = StepOptions.checkpointPath(path, step: step) }
        try saveMidEpoch(s.tally, epoch: epoch, to: path)
        if !setup.outputs.quiet { console.note("saved \(path) (step \(step): epoch \(epoch), \(task.unit) \(s.tally.batchesDone)/\(s.batches))") }
    }
}
