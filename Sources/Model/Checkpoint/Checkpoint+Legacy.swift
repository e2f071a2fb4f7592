import Corpus
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Reading checkpoints of the first format (one GRU layer, Adam, loose
/// string keys in `__metadata__`, the learned initial state as
/// `init_state [H]`): converted on reading into the current form.
extension Checkpoint {
    static let legacyFormat = "rnntrain-checkpoint-1"

    init(legacyTensors tensors: [String: Safetensors.Tensor], metadata m: [String: String], path: String) throws {
        func fail(_ message: String) -> DataError { DataError(file: path, line: 0, message) }
        func int(_ key: String) throws -> Int {
            guard let v = m[key].flatMap({ Int($0) }) else { throw fail("checkpoint metadata lacks \(key)") }
            return v
        }
        guard let task = m["task"].flatMap(Task.init(rawValue:)) else { throw fail("checkpoint metadata lacks task") }
        guard let keep = Float(m["keep_prob"] ?? "0.6"), keep > 0, keep <= 1 else {
            throw fail("checkpoint metadata keep_prob = \(m["keep_prob"] ?? "") is not in (0, 1]")
        }
        let model = ModelSpec(task: task, vocabularySize: try int("vocab_size"), embedDim: try int("embed"),
                              hiddenSize: try int("hidden"), numClasses: try int("classes"), keepProb: keep)
        var settings = RunSettings()
        settings.seed = UInt64(m["seed"] ?? "") ?? 1
        settings.testFraction = Double(m["test_fraction"] ?? "") ?? 0.2
        settings.batchSize = Int(m["batch_size"] ?? "") ?? 256
        settings.batching = m["batching"].flatMap(Batching.init(recorded:)) ?? .padded
        settings.data = m["data"] ?? ""
        settings.maxLength = Int(m["max_len"] ?? "") ?? 30
        settings.classNames = (m["class_names"] ?? "").split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        settings.vocab = m["vocab"].flatMap { $0.isEmpty ? nil : $0 }
        settings.command = m["command"] ?? ""
        var progress = RunProgress(epoch: Int(m["epoch"] ?? "") ?? 0, optimizerStep: Int(m["adam_step"] ?? "") ?? 0)
        if let text = m["epoch_partial"] {
            guard let t = EpochTally(encoded: text) else { throw fail("unreadable epoch_partial metadata '\(text)'") }
            progress.partial = t
        }
        progress.testAccuracy = m["test_accuracy"].flatMap(Double.init)
        progress.bestEpoch = m["best_epoch"].flatMap(Int.init)
        progress.bestTestAccuracy = m["best_test_accuracy"].flatMap(Double.init)
        let optimizer = OptimizerSpec(kind: .adam, learningRate: Float(m["lr"] ?? "") ?? 1e-4)
        let record = RunRecord(model: model, optimizer: optimizer, settings: settings, progress: progress)

        var converted = tensors
        if let initState = converted.removeValue(forKey: "init_state") {
            converted["h0"] = Safetensors.Tensor(shape: [1] + initState.shape, values: initState.values)
        }
        for prefix in ["optimizer.exp_avg.", "optimizer.exp_avg_sq."] {
            if let t = converted.removeValue(forKey: prefix + "init_state") {
                converted[prefix + "h0"] = Safetensors.Tensor(shape: [1] + t.shape, values: t.values)
            }
        }
        let json = try JSONEncoder.sorted.encode(record)
        self.init(tensors: converted, metadata: ["format": Checkpoint.format, "run": String(decoding: json, as: UTF8.self)])
    }
}
