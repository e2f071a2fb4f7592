import Corpus
import FoundationEssentials
import TensorCore

/// A training checkpoint in the safetensors format.
///
/// The model's tensors keep PyTorch's names and layouts (`embedding.weight`,
/// `gru.weight_ih_l0`, ..., `init_state`, `fc.weight`, `fc.bias`), so
/// `safetensors.torch.load_file` plus `load_state_dict` restores them in
/// PyTorch (after dropping the `optimizer.` entries). Adam's moments are
/// stored as `optimizer.exp_avg.<name>` and `optimizer.exp_avg_sq.<name>`,
/// and everything else a resumed run needs (architecture, epoch, Adam step,
/// seed, hyperparameters, class names, the command) in `__metadata__`.
///
/// Writes are atomic (temporary file, fsync, rename).
public struct Checkpoint {
    public static let format = "rnntrain-checkpoint-1"

    public var tensors: [String: Safetensors.Tensor]
    public var metadata: [String: String]

    /// Captures `network` (and `optimizer`, for resuming) after `epoch`.
    public init(network: SequenceNetwork, optimizer: Adam?, epoch: Int, extra: [String: String] = [:]) {
        var tensors: [String: Safetensors.Tensor] = [:]
        for spec in network.layout.specs {
            func slice(_ b: FloatBuffer) -> Safetensors.Tensor {
                Safetensors.Tensor(shape: spec.shape, values: Array(UnsafeBufferPointer(start: b.base + spec.offset, count: spec.count)))
            }
            tensors[spec.name] = slice(network.params)
            if let optimizer {
                tensors["optimizer.exp_avg." + spec.name] = slice(optimizer.m)
                tensors["optimizer.exp_avg_sq." + spec.name] = slice(optimizer.v)
            }
        }
        let c = network.config
        var meta = extra
        meta["format"] = Checkpoint.format
        meta["task"] = c.task.rawValue
        meta["vocab_size"] = "\(c.vocabularySize)"
        meta["embed"] = "\(c.embedDim)"
        meta["hidden"] = "\(c.hiddenSize)"
        meta["classes"] = "\(c.numClasses)"
        meta["keep_prob"] = "\(c.keepProb)"
        meta["epoch"] = "\(epoch)"
        if let optimizer {
            meta["adam_step"] = "\(optimizer.step)"
            meta["lr"] = "\(optimizer.learningRate)"
        }
        self.tensors = tensors
        self.metadata = meta
    }

    public init(tensors: [String: Safetensors.Tensor], metadata: [String: String]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// Writes the checkpoint atomically to `path`.
    public func write(to path: String) throws {
        let ordered = tensors.keys.sorted().map { ($0, tensors[$0]!) }
        try AtomicFile.write(try Safetensors.encode(ordered, metadata: metadata), to: path)
    }

    /// Reads a checkpoint written by rnntrain.
    public static func read(path: String) throws -> Checkpoint {
        let (tensors, metadata) = try Safetensors.read(path: path)
        guard metadata["format"] == format else {
            throw DataError(file: path, line: 0, "not an rnntrain checkpoint (its __metadata__ has no format \(format))")
        }
        return Checkpoint(tensors: tensors, metadata: metadata)
    }

    public var epoch: Int { Int(metadata["epoch"] ?? "") ?? 0 }

    /// The architecture the checkpoint was trained with. Sizes out of range,
    /// or that disagree with the stored tensors' shapes, are errors, so a
    /// damaged or hostile file never makes the reader build a huge network.
    public func config(path: String) throws -> ModelConfig {
        func int(_ key: String, _ range: ClosedRange<Int>) throws -> Int {
            guard let v = metadata[key].flatMap({ Int($0) }) else { throw DataError(file: path, line: 0, "checkpoint metadata lacks \(key)") }
            guard range.contains(v) else {
                throw DataError(file: path, line: 0, "checkpoint metadata \(key) = \(v) is outside \(range.lowerBound)...\(range.upperBound)")
            }
            return v
        }
        guard let task = metadata["task"].flatMap(Task.init(rawValue:)) else { throw DataError(file: path, line: 0, "checkpoint metadata lacks task") }
        let keep = metadata["keep_prob"].map { Float($0) } ?? 0.6
        guard let keep, keep > 0, keep <= 1 else {
            throw DataError(file: path, line: 0, "checkpoint metadata keep_prob = \(metadata["keep_prob"] ?? "") is not in (0, 1]")
        }
        let config = ModelConfig(task: task, vocabularySize: try int("vocab_size", 2 ... 100_000_000), embedDim: try int("embed", 1 ... 65536),
                                 hiddenSize: try int("hidden", 1 ... 65536), numClasses: try int("classes", 2 ... 65536),
                                 keepProb: keep)
        let expected: [(String, [Int])] = [
            ("embedding.weight", [config.vocabularySize, config.embedDim]),
            ("gru.weight_ih_l0", [3 * config.hiddenSize, config.embedDim]),
            ("gru.weight_hh_l0", [3 * config.hiddenSize, config.hiddenSize]),
            ("fc.weight", [config.numClasses, config.hiddenSize]),
        ]
        for (name, shape) in expected {
            guard let t = tensors[name] else { throw DataError(file: path, line: 0, "checkpoint lacks tensor \(name)") }
            guard t.shape == shape else {
                throw DataError(file: path, line: 0, "tensor \(name) has shape \(t.shape) but the metadata says \(shape)")
            }
        }
        return config
    }

    /// Loads the weights (and, when `optimizer` is given, Adam's moments and
    /// step) into a network of the same architecture. A different task,
    /// vocabulary or size is refused with a message that says which.
    public func restore(into network: SequenceNetwork, optimizer: Adam?, path: String) throws {
        let saved = try config(path: path), c = network.config
        var differences: [String] = []
        if saved.task != c.task { differences.append("task \(saved.task.rawValue) vs \(c.task.rawValue)") }
        if saved.vocabularySize != c.vocabularySize { differences.append("vocabulary \(saved.vocabularySize) vs \(c.vocabularySize)") }
        if saved.embedDim != c.embedDim { differences.append("embedding \(saved.embedDim) vs \(c.embedDim)") }
        if saved.hiddenSize != c.hiddenSize { differences.append("hidden \(saved.hiddenSize) vs \(c.hiddenSize)") }
        if saved.numClasses != c.numClasses { differences.append("classes \(saved.numClasses) vs \(c.numClasses)") }
        guard differences.isEmpty else {
            throw DataError(file: path, line: 0, "checkpoint does not match this run (checkpoint vs run: "
                + differences.joined(separator: ", ") + "); resume with the same architecture and data")
        }
        for spec in network.layout.specs {
            func copy(_ key: String, into b: FloatBuffer) throws {
                guard let t = tensors[key], t.shape == spec.shape else {
                    throw DataError(file: path, line: 0, "checkpoint lacks tensor \(key) of shape \(spec.shape)")
                }
                t.values.withUnsafeBufferPointer { (b.base + spec.offset).update(from: $0.baseAddress!, count: spec.count) }
            }
            try copy(spec.name, into: network.params)
            if let optimizer {
                try copy("optimizer.exp_avg." + spec.name, into: optimizer.m)
                try copy("optimizer.exp_avg_sq." + spec.name, into: optimizer.v)
            }
        }
        if let optimizer {
            guard let step = metadata["adam_step"].flatMap(Int.init) else {
                throw DataError(file: path, line: 0, "checkpoint has no optimizer state to resume from")
            }
            optimizer.step = step
        }
    }
}
