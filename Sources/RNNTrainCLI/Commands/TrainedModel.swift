import Corpus
import Model

/// A checkpoint loaded for use: the network with its weights, and the run
/// record that says how it was trained.
struct TrainedModel {
    var path: String
    var network: SequenceNetwork
    var record: RunRecord
    var classNames: [String]

    init(path: String) throws {
        let checkpoint = try Checkpoint.read(path: path)
        record = try checkpoint.record(path: path)
        if record.settings.charLM != nil {
            throw DataError(file: path, line: 0, "a character language model (rnntrain charlm) predicts characters, "
                + "not classes; use rnntrain generate --model \(path)")
        }
        network = SequenceNetwork(spec: record.model, seed: 0)
        try checkpoint.restore(into: network, optimizer: nil, path: path)
        self.path = path
        let names = record.settings.classNames
        classNames = names.count == record.model.numClasses ? names : (0 ..< record.model.numClasses).map { "class \($0)" }
    }

    var spec: ModelSpec { network.spec }
    var maxLength: Int { record.settings.maxLength }
    var epoch: Int { record.progress.epoch }
    /// The data the model was trained on, as recorded ("built-in sample", a path, ...).
    var data: String? { record.settings.data.isEmpty ? nil : record.settings.data }
    /// The vocabulary file the data was made with, when training was given `--vocab`.
    var vocabPath: String? { record.settings.vocab }

    /// "classify model, epoch 5, embedding 10000x64, GRU 64, 6 classes, trained on built-in sample"
    var summary: String {
        "\(path): \(spec.task.rawValue) model, epoch \(epoch), embedding \(spec.vocabularySize)x\(spec.embedDim), "
            + "\(spec.cellDescription), \(spec.numClasses) classes" + (data.map { ", trained on \($0)" } ?? "")
    }

    /// True when the model was trained on the synthetic corpus, whose
    /// vocabulary the tool can regenerate.
    var trainedOnSynthetic: Bool { data == "built-in sample" || data == "synthetic corpus" }
}
