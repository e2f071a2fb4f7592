import Corpus
import Model

/// A checkpoint loaded for use: the network with its weights, and what the
/// metadata says about the run that made it.
struct TrainedModel {
    var path: String
    var network: SequenceNetwork
    var classNames: [String]
    var maxLength: Int
    var epoch: Int
    /// The data the model was trained on, as recorded ("built-in sample", a path, ...).
    var data: String?
    /// The vocabulary file the data was made with, when training was given `--vocab`.
    var vocabPath: String?
    /// Everything the run recorded (seed, test fraction, command, ...).
    var metadata: [String: String]

    init(path: String) throws {
        let checkpoint = try Checkpoint.read(path: path)
        let config = try checkpoint.config(path: path)
        network = SequenceNetwork(config: config, seed: 0)
        try checkpoint.restore(into: network, optimizer: nil, path: path)
        self.path = path
        let names = checkpoint.metadata["class_names"].map { $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init) }
        classNames = names?.count == config.numClasses ? names! : (0 ..< config.numClasses).map { "class \($0)" }
        maxLength = Int(checkpoint.metadata["max_len"] ?? "") ?? 30
        epoch = checkpoint.epoch
        data = checkpoint.metadata["data"]
        metadata = checkpoint.metadata
        vocabPath = checkpoint.metadata["vocab"].flatMap { $0.isEmpty ? nil : $0 }
    }

    var config: ModelConfig { network.config }

    /// "classify model, epoch 5, 665,414 parameters, trained on built-in sample"
    var summary: String {
        "\(path): \(config.task.rawValue) model, epoch \(epoch), embedding \(config.vocabularySize)x\(config.embedDim), "
            + "GRU \(config.hiddenSize), \(config.numClasses) classes" + (data.map { ", trained on \($0)" } ?? "")
    }

    /// True when the model was trained on the synthetic corpus, whose
    /// vocabulary the tool can regenerate.
    var trainedOnSynthetic: Bool { data == "built-in sample" || data == "synthetic corpus" }
}
