import Corpus
import Model

/// The flags about how a run learns and which epoch it keeps: early
/// stopping, the learning-rate schedule, class weights, per-epoch test
/// figures. A resumed run keeps its recorded choices unless told otherwise.
struct SelectionOptions {
    static let specs: [OptionSpec] = [
        OptionSpec("--early-stop", "N", help: "stop after N epochs without a lower validation loss; keep the best epoch's weights"),
        OptionSpec("--report-test", help: "print the test figures every epoch too (selection still uses validation only)"),
        OptionSpec("--lr-schedule", "KIND", help: "constant, cosine (down to --min-lr over --lr-tmax epochs), step (x gamma every --lr-step epochs) "
                   + "or plateau (x factor after --lr-patience epochs without a lower validation loss)", default: "constant"),
        OptionSpec("--warmup-steps", "N", help: "raise the learning rate linearly over the first N updates", default: "0"),
        OptionSpec("--lr-step", "N", help: "step: epochs between reductions", default: "1"),
        OptionSpec("--lr-gamma", "X", help: "step: factor of each reduction", default: "0.1"),
        OptionSpec("--lr-factor", "X", help: "plateau: factor of each reduction", default: "0.1"),
        OptionSpec("--lr-patience", "N", help: "plateau: epochs without improvement before reducing", default: "10"),
        OptionSpec("--lr-tmax", "N", help: "cosine: epochs from the peak to --min-lr (kept on --resume)", default: "--epochs"),
        OptionSpec("--min-lr", "X", help: "cosine: the final rate; plateau: the lowest rate", default: "0"),
        OptionSpec("--class-weights", "HOW", help: "weigh each class's loss: balanced (n / (classes x count) on the training rows) "
                   + "or a file with one weight per line", default: "none"),
    ]

    var earlyStop: Int?
    var reportTest: Bool
    var schedule: LearningRateSchedule
    var classWeights: String?

    init(_ o: ParsedOptions, epochs: Int, resumed r: RunSettings?) throws {
        earlyStop = o.has("--early-stop") ? try o.int("--early-stop", default: 1, min: 1, max: 1_000_000) : r?.earlyStop
        reportTest = o.flag("--report-test")
        let recorded = r?.schedule ?? LearningRateSchedule()
        let kind = try ModelOptions.choice(o, "--lr-schedule", LearningRateSchedule.Kind.allCases.map(\.rawValue), default: recorded.kind.rawValue)!
        var s = LearningRateSchedule(kind: LearningRateSchedule.Kind(rawValue: kind)!)
        s.warmupSteps = try o.int("--warmup-steps", default: recorded.warmupSteps, min: 0, max: 1_000_000_000)
        s.stepSize = try o.int("--lr-step", default: recorded.stepSize, min: 1, max: 1_000_000)
        s.gamma = try o.double("--lr-gamma", default: recorded.gamma, min: 0, max: 1, exclusiveMin: true)
        s.factor = try o.double("--lr-factor", default: recorded.factor, min: 0, max: 1, exclusiveMin: true)
        s.patience = try o.int("--lr-patience", default: recorded.patience, min: 0, max: 1_000_000)
        s.minRate = try o.double("--min-lr", default: recorded.minRate, min: 0, max: 10)
        if s.kind == .cosine { s.cosineEpochs = try o.int("--lr-tmax", default: recorded.cosineEpochs > 0 ? recorded.cosineEpochs : epochs, min: 1, max: 1_000_000) }
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
