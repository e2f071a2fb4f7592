import Corpus
import Model

extension TrainPlan: SessionPlan {
    var taskName: String { task.rawValue }
    var earlyStop: Int? { selection.earlyStop }
    func makeTask() -> any SessionTask { SentenceTask(plan: self) }
}

/// Sentence rows (classify, seq2seq, count-ones) in a `TrainSession`: the
/// corpus's batches, the test figures, pretrained vectors, the baselines,
/// and at the end the selected model's test figure.
final class SentenceTask: SessionTask {
    let plan: TrainPlan
    let batches: SentenceBatches
    /// The baselines on the same split (`--baseline`, classify).
    var baseline: BaselineFigures?

    init(plan: TrainPlan) {
        self.plan = plan
        batches = SentenceBatches(corpus: plan.loaded.corpus, trainRows: plan.trainRows,
                                  testRows: plan.selection.reportTest || plan.valRows.isEmpty ? plan.testRows : [],
                                  valRows: plan.valRows, options: plan.batching)
    }

    var source: any BatchSource { batches }
    var unit: String { "batch" }
    var lossUnit: String { plan.task == .classify ? "" : "/token" }
    var hasValidation: Bool { !plan.valRows.isEmpty }
    var hasTest: Bool { !batches.testRows.isEmpty }

    func prepare(_ session: TrainSession) throws -> String? {
        try plan.pretrained.map { try EmbeddingOptions.load($0, into: session.network) }
    }

    func beforeEpochs(_ session: TrainSession) {
        guard plan.baseline else { return }
        baseline = BaselineFigures.compute(plan.loaded.corpus, train: plan.trainRows, val: plan.valRows, test: plan.testRows,
                                           threads: plan.training.threads)
    }

    func complete(_ m: inout MetricsRecord) { m.majorityShare = majorityShare }

    func evaluateTest() -> HeldOutFigures? { plan.testRows.isEmpty ? nil : batches.evaluate(rows: plan.testRows) }

    /// `Epoch 3/10 - train acc 0.41 - val acc 0.39 - loss 1.52 - val loss 1.58 - 1.2 s - 90,000 tok/s`,
    /// with test figures after the validation ones when evaluated every epoch
    /// (and the test error rate with `StepOptions.errorRate`, count-ones).
    func epochLine(_ s: EpochStats, of epochs: Int) -> String {
        let unit = lossUnit, hasVal = hasValidation
        let speed = Format.grouped(Int(s.tokensPerSecond.rounded()))
        var line = "Epoch \(s.epoch)/\(epochs) - train acc\(unit) \(Format.fixed(s.trainAccuracy, 4))"
        if hasVal { line += " - val acc\(unit) \(Format.fixed(s.valAccuracy, 4))" }
        if hasTest {
            line += " - test acc\(unit) \(Format.fixed(s.testAccuracy, 4))"
                + (plan.steps.errorRate ? " - error \(Format.percent(1 - s.testAccuracy, 2))" : "")
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

    func printSummary(_ session: TrainSession) {
        let corpus = plan.loaded.corpus, o = plan.training, b = plan.batching, console = session.console
        let counts = corpus.classCounts()
        let majority = Double(counts.max() ?? 0) / Double(max(corpus.count, 1))
        let lengths = corpus.lengthSummary()
        console.note(plan.loaded.summary)
        console.note("split: \(plan.splitText) (seed \(o.seed))")
        if let overlap = plan.overlapText { console.note(overlap) }
        console.note("classes: " + zip(corpus.classNames, counts).map { "\($0) \(Format.grouped($1))" }.joined(separator: ", ")
            + " (majority share \(Format.fixed(majority, 4)))")
        console.note("lengths: min \(lengths.min), mean \(Format.fixed(lengths.mean, 1)), max \(lengths.max)")
        let epoch = batches.batches(epoch: 1)
        var real = 0, padded = 0
        for batch in epoch {
            let size = corpus.paddedSize(of: batch)
            (real, padded) = (real + size.tokens, padded + size.padded)
        }
        let modeText: String
        switch b.mode {
        case .padded: modeText = "padded"
        case .bucketed(let n): modeText = "bucketed (\(n) buckets)"
        }
        console.note("batching: \(modeText), batch \(b.batchSize), \(epoch.count) batches per epoch, "
            + "padding share \(Format.percent(Double(padded - real) / Double(max(padded, 1)))) (never computed: batches are packed)")
        console.note("model: " + modelText(session.network.spec) + ", \(Format.grouped(session.network.parameterCount)) parameters")
        let length = plan.steps.limit.map { "\(Format.grouped($0)) step\($0 == 1 ? "" : "s")" } ?? "\(o.epochs) epoch\(o.epochs == 1 ? "" : "s")"
        console.note("training: \(session.trainer.optimizer.spec.fullDescription), \(length), "
            + TrainCommand.parallelText(threads: o.threads, layout: session.trainer.layout)
            + (o.clipNorm.map { ", clip \($0)" } ?? "") + "; \(BLASEnvironment.kernelSummary())")
        if let extras = trainingExtras { console.note(extras) }
    }

    /// The schedule, class weights and selection, when any differ from the plain run.
    var trainingExtras: String? {
        var parts: [String] = []
        if plan.training.schedule != LearningRateSchedule() { parts.append("learning rate \(plan.training.schedule.description)") }
        if let w = plan.batching.classWeights {
            parts.append("class weights " + zip(plan.loaded.corpus.classNames, w).map { "\($0) \(Format.fixed(Double($1), 3))" }.joined(separator: ", "))
        }
        if let n = plan.selection.earlyStop { parts.append("early stop after \(n) epoch\(n == 1 ? "" : "s") without a lower validation loss") }
        if plan.outputs.saveBest { parts.append("--save-best keeps the epoch of lowest validation loss") }
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

    /// The share of the largest class among the training rows, 4 decimals
    /// (the accuracy of always guessing it; per row, also for seq2seq):
    /// counted once, written with every epoch's record.
    private(set) lazy var majorityShare: Double = {
        let corpus = plan.loaded.corpus
        var counts = [Int](repeating: 0, count: corpus.numClasses)
        for r in plan.trainRows { counts[Int(corpus.labels[r])] += 1 }
        return (Double(counts.max() ?? 0) / Double(max(plan.trainRows.count, 1)) * 10_000).rounded() / 10_000
    }()

    /// At the end, with the kept model in the network: its test figure,
    /// printed once (to stdout, with --quiet too), and the baselines' line;
    /// both go into the final record.
    func endOfRun(_ session: TrainSession, final: inout MetricsRecord) throws {
        let best = session.best, console = session.console, unit = lossUnit, kept = final.epoch
        if hasValidation, best.epoch > 0 {
            if !plan.outputs.quiet {
                console.note("lowest validation loss\(unit): \(Format.fixed(best.loss, 4)) at epoch \(best.epoch) (validation accuracy\(unit) \(Format.fixed(best.accuracy, 4)))")
            }
            if let test = evaluateTest() {
                let which = plan.selecting ? "the epoch of lowest validation loss" : "the last; --save-best or --early-stop keeps the best"
                console.line("test accuracy\(unit): \(Format.fixed(test.accuracy, 4)), test loss\(unit) \(Format.fixed(test.loss, 4)) (model of epoch \(kept), \(which))")
                (final.testLoss, final.testAccuracy) = (test.loss, test.accuracy)
            }
        }
        if let baseline {
            console.line(SentenceTask.baselineLine(baseline))
            func value(_ x: Double) -> Double? { x.isNaN ? nil : x }
            (final.baselineValAccuracy, final.baselineTestAccuracy) = (value(baseline.bagVal), value(baseline.bagTest))
            (final.majorityValAccuracy, final.majorityTestAccuracy) = (value(baseline.majorityVal), value(baseline.majorityTest))
        }
    }
}
