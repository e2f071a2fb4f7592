import Corpus
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a trained model gets right on labelled rows: a confusion matrix
/// (rows: true class, columns: predicted class), the loss, and for seq2seq
/// the accuracy at each time step. Scored items are rows (classify) or real
/// tokens (seq2seq), as in training.
public struct Evaluation: Sendable, Equatable {
    public var confusion: [[Int]]
    public var lossSum = 0.0
    /// Per step t (0-based): items scored and correct. Classify scores each
    /// row once, at its last step.
    public var stepCount: [Int] = []
    public var stepCorrect: [Int] = []

    public init(classes: Int) {
        confusion = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
    }

    /// Runs `predictor` over `rows` of `corpus`. The predicted class is the
    /// arg-max (the first on ties), as in training.
    public init(predictor: Predictor, corpus: Corpus, rows: [Int]) {
        self.init(classes: predictor.network.spec.numClasses)
        let perStep = predictor.scoresSteps && corpus.hasTokenLabels
        predictor.forEach(corpus: corpus, rows: rows) { p in
            let truth = perStep ? Int(corpus.tokenLabels[corpus.offsets[p.row] + p.step]) : Int(corpus.labels[p.row])
            var best = 0
            for j in 1 ..< p.probabilities.count where p.probabilities[j] > p.probabilities[best] { best = j }
            add(truth: truth, predicted: best, step: p.step, probabilityOfTruth: p.probabilities[truth])
        }
    }

    public mutating func add(truth: Int, predicted: Int, step: Int, probabilityOfTruth: Float) {
        confusion[truth][predicted] += 1
        lossSum -= Double(logf(max(probabilityOfTruth, .leastNormalMagnitude)))
        while stepCount.count <= step { stepCount.append(0); stepCorrect.append(0) }
        stepCount[step] += 1
        if truth == predicted { stepCorrect[step] += 1 }
    }

    public var classes: Int { confusion.count }
    public var count: Int { confusion.reduce(0) { $0 + $1.reduce(0, +) } }
    public var correct: Int { (0 ..< classes).reduce(0) { $0 + confusion[$1][$1] } }
    public var accuracy: Double { Double(correct) / Double(max(count, 1)) }
    public var meanLoss: Double { lossSum / Double(max(count, 1)) }
    /// Items whose true class is `k`.
    public func support(_ k: Int) -> Int { confusion[k].reduce(0, +) }
    /// Items predicted as `k`.
    public func predicted(_ k: Int) -> Int { confusion.reduce(0) { $0 + $1[k] } }
    /// Of the items predicted `k`, the share that are `k` (nil when none were predicted `k`).
    public func precision(_ k: Int) -> Double? { predicted(k) == 0 ? nil : Double(confusion[k][k]) / Double(predicted(k)) }
    /// Of the items of class `k`, the share predicted `k` (nil when there are none).
    public func recall(_ k: Int) -> Double? { support(k) == 0 ? nil : Double(confusion[k][k]) / Double(support(k)) }
    public func f1(_ k: Int) -> Double? {
        guard let p = precision(k), let r = recall(k) else { return nil }
        return p + r > 0 ? 2 * p * r / (p + r) : 0
    }

    /// Accuracy of a coarser labelling: `group` maps a class to its group
    /// (e.g. gender = class / 3 for the blog classes).
    public func accuracy(grouping group: (Int) -> Int) -> Double {
        var hit = 0
        for t in 0 ..< classes { for p in 0 ..< classes where group(t) == group(p) { hit += confusion[t][p] } }
        return Double(hit) / Double(max(count, 1))
    }
}
