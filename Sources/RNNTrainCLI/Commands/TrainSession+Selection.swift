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
    /// A resumed run's best epoch: the resumed weights when it is the last
    /// saved epoch, else the --save checkpoint of that epoch (what
    /// --save-best and --early-stop keep there).
    func restoreBest(_ record: RunRecord, checkpoint: Checkpoint) throws {
        guard let e = record.progress.bestValEpoch, let loss = record.progress.bestValLoss else { return }
        (best.epoch, best.loss, best.accuracy) = (e, loss, record.progress.bestValAccuracy ?? .nan)
        if e == record.progress.epoch {
            best.weights = Array(UnsafeBufferPointer(start: network.params.base, count: network.params.count))
        } else if let path = setup.outputs.savePath, fileExists(path), let saved = try? Checkpoint.read(path: path),
                  (try? saved.record(path: path))?.progress.epoch == e {
            let scratch = SequenceNetwork(spec: network.spec, seed: 0)
            try saved.restore(into: scratch, optimizer: nil, path: path)
            best.weights = Array(UnsafeBufferPointer(start: scratch.params.base, count: scratch.params.count))
        }
    }

    /// --early-stop N: true when `epoch` is N epochs past the best one.
    func stopsEarly(after epoch: Int) -> Bool {
        guard let patience = setup.earlyStop, best.epoch > 0, epoch - best.epoch >= patience, epoch < epochs else { return false }
        if !setup.outputs.quiet {
            console.note("early stop after epoch \(epoch): no lower validation loss in \(patience) epoch\(patience == 1 ? "" : "s") since epoch \(best.epoch)")
        }
        return true
    }
}
