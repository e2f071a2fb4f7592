#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Model

/// `eval --json`: the report's figures as one JSON object (keys sorted),
/// for scripts. Absent precisions (a class never predicted) are null.
extension EvalCommand {
    struct Report: Encodable {
        struct PerClass: Encodable {
            var name: String
            var precision: Double?, recall: Double?, f1: Double?
            var support: Int, predicted: Int
        }
        var model: String
        var data: String
        var split: String
        var task: String
        var count: Int
        var correct: Int
        var accuracy: Double
        var loss: Double
        var majorityShare: Double
        var classes: [PerClass]
        /// confusion[true][predicted]
        var confusion: [[Int]]
        /// seq2seq: accuracy after reading t tokens (index t-1), null where no row is that long.
        var accuracyByStep: [Double?]?

        enum CodingKeys: String, CodingKey {
            case model, data, split, task, count, correct, accuracy, loss, classes, confusion
            case majorityShare = "majority_share", accuracyByStep = "accuracy_by_step"
        }
    }

    static func json(_ e: Evaluation, model: TrainedModel, data: String, split: String) -> String {
        let classes = (0 ..< e.classes).map { k in
            Report.PerClass(name: model.classNames[k], precision: e.precision(k), recall: e.recall(k), f1: e.f1(k),
                            support: e.support(k), predicted: e.predicted(k))
        }
        let majority = (0 ..< e.classes).map(e.support).max() ?? 0
        let steps = model.spec.task == .seq2seq
            ? e.stepCount.indices.map { e.stepCount[$0] > 0 ? Double(e.stepCorrect[$0]) / Double(e.stepCount[$0]) : nil } : nil
        let r = Report(model: model.path, data: data, split: split, task: model.spec.task.rawValue, count: e.count, correct: e.correct,
                       accuracy: e.accuracy, loss: e.meanLoss, majorityShare: Double(majority) / Double(max(e.count, 1)),
                       classes: classes, confusion: e.confusion, accuracyByStep: steps)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(r)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
