import Corpus
import Model

/// What a training run prints besides the epochs' work: the start-up
/// summary and the epoch line.
extension TrainSession {
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

    static func epochLine(_ s: EpochStats, of epochs: Int, unit: String, hasTest: Bool, errorRate: Bool = false) -> String {
        let testAcc = hasTest ? Format.fixed(s.testAccuracy, 4) : "n/a"
        let testLoss = hasTest ? Format.fixed(s.testLoss, 4) : "n/a"
        let speed = Format.grouped(Int(s.tokensPerSecond.rounded()))
        var line = "Epoch \(s.epoch)/\(epochs) - train acc\(unit) \(Format.fixed(s.trainAccuracy, 4))"
        line += " - test acc\(unit) \(testAcc)" + (errorRate && hasTest ? " - error \(Format.percent(1 - s.testAccuracy, 2))" : "")
        line += " - loss\(unit) \(Format.fixed(s.trainLoss, 4))"
        line += " - test loss\(unit) \(testLoss) - \(Format.duration(s.trainSeconds)) - \(speed) tok/s"
        return line
    }

    func printSummary() {
        let corpus = trainer.corpus
        let o = trainer.options
        let counts = corpus.classCounts()
        let majority = Double(counts.max() ?? 0) / Double(max(corpus.count, 1))
        let lengths = corpus.lengthSummary()
        console.note(plan.loaded.summary)
        console.note("split: \(Format.grouped(trainer.trainRows.count)) train / \(Format.grouped(trainer.testRows.count)) test (seed \(o.seed))")
        console.note("classes: " + zip(corpus.classNames, counts).map { "\($0) \(Format.grouped($1))" }.joined(separator: ", ")
            + " (majority share \(Format.fixed(majority, 4)))")
        console.note("lengths: min \(lengths.min), mean \(Format.fixed(lengths.mean, 1)), max \(lengths.max)")
        let plan = trainer.batches(epoch: 1)
        var real = 0, padded = 0
        for b in plan {
            var longest = 0
            for r in b { real += corpus.length(r); longest = max(longest, corpus.length(r)) }
            padded += longest * b.count
        }
        let modeText: String
        switch o.mode {
        case .padded: modeText = "padded"
        case .bucketed(let n): modeText = "bucketed (\(n) buckets)"
        }
        console.note("batching: \(modeText), batch \(o.batchSize), \(plan.count) batches per epoch, "
            + "padding share \(Format.percent(Double(padded - real) / Double(max(padded, 1)))) (never computed: batches are packed)")
        console.note("model: " + modelText(network.spec) + ", \(Format.grouped(network.parameterCount)) parameters")
        let length = self.plan.steps.limit.map { "\(Format.grouped($0)) steps" } ?? "\(o.epochs) epochs"
        console.note("training: \(trainer.optimizer.spec.fullDescription), \(length), \(o.threads) thread\(o.threads == 1 ? "" : "s")"
            + (o.clipNorm.map { ", clip \($0)" } ?? "") + "; BLAS \(BLASEnvironment.summary())")
    }

    /// "classify, embedding 10000x64, GRU 64, 6 classes, keep 0.60".
    func modelText(_ s: ModelSpec) -> String {
        var parts = [s.task.rawValue, "embedding \(s.vocabularySize)x\(s.embedDim)", s.cellDescription]
        if s.task == .classify && s.pooling != .last { parts.append("\(s.pooling.rawValue) pooling") }
        parts.append("\(s.numClasses) classes")
        parts.append("keep \(Format.fixed(Double(s.keepProb), 2))" + (s.layers > 1 && s.layerKeepProb < 1
            ? ", between layers \(Format.fixed(Double(s.layerKeepProb), 2))" : ""))
        return parts.joined(separator: ", ")
    }
}
