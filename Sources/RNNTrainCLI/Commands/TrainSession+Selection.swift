import Corpus
import Model
import TensorCore

/// The epoch a run keeps: the one with the lowest validation loss, with a
/// copy of its weights (so early stopping can restore them, and the test
/// figure at the end is the kept model's).
struct BestEpoch {
    var epoch = 0
    var loss = Double.infinity
    var accuracy = Double.nan
    var weights: [Float]?

    func improves(on loss: Double) -> Bool { loss.isFinite && loss < self.loss }

    mutating func keep(epoch: Int, loss: Double, accuracy: Double, network: SequenceNetwork) {
        (self.epoch, self.loss, self.accuracy) = (epoch, loss, accuracy)
        weights = Array(UnsafeBufferPointer(start: network.params.base, count: network.params.count))
    }
}

extension TrainSession {
    /// The share of the largest class among the training rows, 4 decimals
    /// (the accuracy of always guessing it; per row, also for seq2seq).
    var majorityShare: Double {
        var counts = [Int](repeating: 0, count: trainer.corpus.numClasses)
        for r in plan.trainRows { counts[Int(trainer.corpus.labels[r])] += 1 }
        return (Double(counts.max() ?? 0) / Double(max(plan.trainRows.count, 1)) * 10_000).rounded() / 10_000
    }

    /// A resumed run's best epoch: the resumed weights when it is the last
    /// saved epoch, else the --save checkpoint of that epoch (what
    /// --save-best and --early-stop keep there).
    func restoreBest(_ record: RunRecord, checkpoint: Checkpoint) throws {
        guard let e = record.progress.bestValEpoch, let loss = record.progress.bestValLoss else { return }
        (best.epoch, best.loss, best.accuracy) = (e, loss, record.progress.bestValAccuracy ?? .nan)
        if e == record.progress.epoch {
            best.weights = Array(UnsafeBufferPointer(start: network.params.base, count: network.params.count))
        } else if let path = plan.savePath, fileExists(path), let saved = try? Checkpoint.read(path: path),
                  (try? saved.record(path: path))?.progress.epoch == e {
            let scratch = SequenceNetwork(spec: network.spec, seed: 0)
            try saved.restore(into: scratch, optimizer: nil, path: path)
            best.weights = Array(UnsafeBufferPointer(start: scratch.params.base, count: scratch.params.count))
        }
    }

    /// --early-stop N: true when `epoch` is N epochs past the best one.
    func stopsEarly(after epoch: Int) -> Bool {
        guard let patience = plan.selection.earlyStop, best.epoch > 0, epoch - best.epoch >= patience, epoch < epochs else { return false }
        if !plan.quiet {
            console.note("early stop after epoch \(epoch): no lower validation loss in \(patience) epoch\(patience == 1 ? "" : "s") since epoch \(best.epoch)")
        }
        return true
    }

    /// At the end: with --save-best or --early-stop the best epoch's weights
    /// go back into the network; then the test figure of the model kept,
    /// printed once (to stdout, with --quiet too), the baselines' line, and
    /// the final metrics record.
    func selectAndTest() throws {
        let hasVal = !plan.valRows.isEmpty
        if plan.selecting, let w = best.weights {
            w.withUnsafeBufferPointer { network.params.base.update(from: $0.baseAddress!, count: w.count) }
        }
        let last = outputs.history.last?.epoch ?? 0
        let kept = plan.selecting && best.epoch > 0 ? best.epoch : last
        var final = outputs.history.last { $0.epoch == kept && $0.step == nil } ?? MetricsRecord(run: plan.runName, epoch: kept, trainLoss: .nan, trainAccuracy: .nan)
        (final.final, final.step, final.seconds, final.tokensPerSecond) = (true, nil, nil, nil)
        if hasVal, best.epoch > 0 {
            if !plan.quiet {
                console.note("lowest validation loss\(unit): \(Format.fixed(best.loss, 4)) at epoch \(best.epoch) (validation accuracy\(unit) \(Format.fixed(best.accuracy, 4)))")
            }
            if !plan.testRows.isEmpty {
                let test = trainer.evaluate(rows: plan.testRows)
                let which = plan.selecting ? "the epoch of lowest validation loss" : "the last; --save-best or --early-stop keeps the best"
                console.line("test accuracy\(unit): \(Format.fixed(test.accuracy, 4)), test loss\(unit) \(Format.fixed(test.loss, 4)) (model of epoch \(kept), \(which))")
                (final.testLoss, final.testAccuracy) = (test.loss, test.accuracy)
            }
        }
        if let baseline {
            console.line(TrainSession.baselineLine(baseline))
            func value(_ x: Double) -> Double? { x.isNaN ? nil : x }
            (final.baselineValAccuracy, final.baselineTestAccuracy) = (value(baseline.bagVal), value(baseline.bagTest))
            (final.majorityValAccuracy, final.majorityTestAccuracy) = (value(baseline.majorityVal), value(baseline.majorityTest))
        }
        if writesFiles && kept > 0 { try outputs.addFinal(final) }
    }
}
