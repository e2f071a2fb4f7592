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

    /// `Epoch 3/10 - train acc 0.41 - val acc 0.39 - loss 1.52 - val loss 1.58 - 1.2 s - 90,000 tok/s`,
    /// with test figures after the validation ones when evaluated every epoch
    /// (and the test error rate with `errorRate`).
    static func epochLine(_ s: EpochStats, of epochs: Int, unit: String, hasVal: Bool, hasTest: Bool, errorRate: Bool = false) -> String {
        let speed = Format.grouped(Int(s.tokensPerSecond.rounded()))
        var line = "Epoch \(s.epoch)/\(epochs) - train acc\(unit) \(Format.fixed(s.trainAccuracy, 4))"
        if hasVal { line += " - val acc\(unit) \(Format.fixed(s.valAccuracy, 4))" }
        if hasTest {
            line += " - test acc\(unit) \(Format.fixed(s.testAccuracy, 4))" + (errorRate ? " - error \(Format.percent(1 - s.testAccuracy, 2))" : "")
        }
        line += " - loss\(unit) \(Format.fixed(s.trainLoss, 4))"
        if hasVal { line += " - val loss\(unit) \(Format.fixed(s.valLoss, 4))" }
        if hasTest { line += " - test loss\(unit) \(Format.fixed(s.testLoss, 4))" }
        return line + " - \(Format.duration(s.trainSeconds)) - \(speed) tok/s"
    }

    /// "baseline on the same split: bag-of-ids logistic regression val acc 0.3990, test acc 0.4012;
    /// majority class val acc 0.2126, test acc 0.2133 (31 L-BFGS iterations, 0.2 s)".
    static func baselineLine(_ b: BaselineFigures) -> String {
        func accuracies(_ val: Double, _ test: Double) -> String {
            [val.isNaN ? nil : "val acc \(Format.fixed(val, 4))", test.isNaN ? nil : "test acc \(Format.fixed(test, 4))"]
                .compactMap { $0 }.joined(separator: ", ")
        }
        return "baseline on the same split: bag-of-ids logistic regression \(accuracies(b.bagVal, b.bagTest)); "
            + "majority class \(accuracies(b.majorityVal, b.majorityTest)) (\(b.iterations) L-BFGS iterations, \(Format.duration(b.seconds)))"
    }

    func printSummary() {
        let corpus = trainer.corpus
        let o = trainer.options
        let counts = corpus.classCounts()
        let majority = Double(counts.max() ?? 0) / Double(max(corpus.count, 1))
        let lengths = corpus.lengthSummary()
        console.note(plan.loaded.summary)
        console.note("split: \(self.plan.splitText) (seed \(o.seed))")
        if let overlap = self.plan.overlapText { console.note(overlap) }
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
        let length = self.plan.steps.limit.map { "\(Format.grouped($0)) step\($0 == 1 ? "" : "s")" } ?? "\(o.epochs) epoch\(o.epochs == 1 ? "" : "s")"
        console.note("training: \(trainer.optimizer.spec.fullDescription), \(length), "
            + TrainCommand.parallelText(threads: o.threads, layout: trainer.layout)
            + (o.clipNorm.map { ", clip \($0)" } ?? "") + "; \(BLASEnvironment.kernelSummary())")
        if let extras = trainingExtras { console.note(extras) }
    }

    /// The schedule, class weights and selection, when any differ from the plain run.
    var trainingExtras: String? {
        var parts: [String] = []
        let o = trainer.options
        if o.schedule != LearningRateSchedule() { parts.append("learning rate \(o.schedule.description)") }
        if let w = o.classWeights {
            parts.append("class weights " + zip(trainer.corpus.classNames, w).map { "\($0) \(Format.fixed(Double($1), 3))" }.joined(separator: ", "))
        }
        if let n = plan.selection.earlyStop { parts.append("early stop after \(n) epoch\(n == 1 ? "" : "s") without a lower validation loss") }
        if plan.saveBest { parts.append("--save-best keeps the epoch of lowest validation loss") }
        return parts.isEmpty ? nil : "selection: " + parts.joined(separator: "; ")
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
