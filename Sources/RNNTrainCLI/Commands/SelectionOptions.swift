import Corpus
import Model

/// The flags about how a run learns and which epoch it keeps: early
/// stopping, the learning-rate schedule, class weights, per-epoch test
/// figures. A resumed run keeps its recorded choices unless told otherwise.
struct SelectionOptions {
    static let specs: [OptionSpec] = [
        .int("--early-stop", 1 ... 1_000_000, help: "stop after N epochs without a lower validation loss; keep the best epoch's weights"),
        .flag("--report-test", help: "print the test figures every epoch too (selection still uses validation only)"),
        .choice("--lr-schedule", "KIND", LearningRateSchedule.Kind.allCases.map(\.rawValue), default: "constant",
                help: "constant, cosine (down to --min-lr over --lr-tmax epochs), step (x gamma every --lr-step epochs) "
                    + "or plateau (x factor after --lr-patience epochs without a lower validation loss)"),
        .int("--warmup-steps", 0 ... 1_000_000_000, default: "0", help: "raise the learning rate linearly over the first N updates"),
        .int("--lr-step", 1 ... 1_000_000, default: "1", help: "step: epochs between reductions"),
        .number("--lr-gamma", "X", 0 ... 1, above: true, default: "0.1", help: "step: factor of each reduction"),
        .number("--lr-factor", "X", 0 ... 1, above: true, default: "0.1", help: "plateau: factor of each reduction"),
        .int("--lr-patience", 0 ... 1_000_000, default: "10", help: "plateau: epochs without improvement before reducing"),
        .int("--lr-tmax", 1 ... 1_000_000, shown: "--epochs", help: "cosine: epochs from the peak to --min-lr (kept on --resume)"),
        .number("--min-lr", "X", 0 ... 10, default: "0", help: "cosine: the final rate; plateau: the lowest rate"),
        .text("--class-weights", "HOW", shown: "none", help: "weigh each class's loss: balanced (n / (classes x count) on the training rows) "
              + "or a file with one weight per line"),
    ]

    var earlyStop: Int?
    var reportTest: Bool
    var schedule: LearningRateSchedule
    var classWeights: String?

    init(_ o: ParsedOptions, epochs: Int, resumed r: RunSettings?) throws {
        earlyStop = try o.optionalInt("--early-stop", recorded: r?.earlyStop)
        reportTest = o.flag("--report-test")
        // A resumed run's recorded schedule stands for every value not given.
        let recorded = r?.schedule ?? LearningRateSchedule()
        var s = LearningRateSchedule(kind: try o.choice("--lr-schedule", as: LearningRateSchedule.Kind.self, recorded: r?.schedule?.kind)!)
        s.warmupSteps = try o.int("--warmup-steps", recorded: r?.schedule?.warmupSteps)
        s.stepSize = try o.int("--lr-step", recorded: r?.schedule?.stepSize)
        s.gamma = try o.double("--lr-gamma", recorded: r?.schedule?.gamma)
        s.factor = try o.double("--lr-factor", recorded: r?.schedule?.factor)
        s.patience = try o.int("--lr-patience", recorded: r?.schedule?.patience)
        s.minRate = try o.double("--min-lr", recorded: r?.schedule?.minRate)
        if s.kind == .cosine { s.cosineEpochs = try o.int("--lr-tmax", recorded: recorded.cosineEpochs > 0 ? recorded.cosineEpochs : epochs) }
        let applies: [(String, [LearningRateSchedule.Kind])] = [
            ("--lr-step", [.step]), ("--lr-gamma", [.step]), ("--lr-factor", [.plateau]), ("--lr-patience", [.plateau]), ("--min-lr", [.cosine, .plateau]), ("--lr-tmax", [.cosine]),
        ]
        for (flag, kinds) in applies where o.has(flag) && !kinds.contains(s.kind) {
            throw UsageError("option \(flag) applies to --lr-schedule \(kinds.map(\.rawValue).joined(separator: " or ")), not \(s.kind.rawValue)")
        }
        schedule = s
        classWeights = o.string("--class-weights")
    }

    /// The class weights: given (balanced or a file), else the recorded ones, else none.
    func weights(corpus: Corpus, trainRows: [Int], recorded: [Float]?) throws -> [Float]? {
        guard let how = classWeights else { return recorded }
        let k = corpus.numClasses
        if how == "balanced" {
            var counts = [Int](repeating: 0, count: k)
            for r in trainRows { counts[Int(corpus.labels[r])] += 1 }
            return counts.map { $0 == 0 ? 0 : Float(Double(trainRows.count) / (Double(k) * Double($0))) }
        }
        let w = try ClassList.weights(path: how)
        guard w.count == k else { throw DataError(file: how, line: 0, "holds \(w.count) class weights; the data has \(k) classes") }
        return w
    }
}
