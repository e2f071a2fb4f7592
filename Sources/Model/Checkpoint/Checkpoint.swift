import Corpus
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TensorCore

/// A training checkpoint in the safetensors format.
///
/// The model's tensors keep PyTorch's names and layouts (`embedding.weight`,
/// `lstm.weight_ih_l1_reverse`, ..., `h0`, `fc.weight`, `fc.bias`), so
/// `safetensors.torch.load_file` plus `load_state_dict` restores them in
/// PyTorch (after dropping the `optimizer.` entries). The optimizer's state
/// buffers are stored as `optimizer.<state>.<name>` (Adam:
/// `optimizer.exp_avg.fc.weight`), and the `RunRecord` (model, optimizer,
/// settings, progress) as JSON in `__metadata__["run"]`.
///
/// Writes are atomic (temporary file, fsync, rename).
public struct Checkpoint {
    public static let format = "rnntrain-checkpoint-2"

    public var tensors: [String: Safetensors.Tensor]
    public var metadata: [String: String]

    /// Captures `network` (and `optimizer`'s state, for resuming) with `record`.
    public init(network: SequenceNetwork, optimizer: (any Optimizer)?, record: RunRecord) throws {
        var tensors: [String: Safetensors.Tensor] = [:]
        for spec in network.layout.specs {
            func slice(_ b: FloatBuffer) -> Safetensors.Tensor {
                Safetensors.Tensor(shape: spec.shape, values: Array(UnsafeBufferPointer(start: b.base + spec.offset, count: spec.count)))
            }
            tensors[spec.name] = slice(network.params)
            for (state, buffer) in optimizer?.state ?? [] { tensors["optimizer.\(state).\(spec.name)"] = slice(buffer) }
        }
        let json = try JSONEncoder.sorted.encode(record)
        self.tensors = tensors
        metadata = ["format": Checkpoint.format, "run": String(decoding: json, as: UTF8.self)]
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

    /// Reads a checkpoint written by rnntrain (this format, or the first one,
    /// which is converted).
    public static func read(path: String) throws -> Checkpoint {
        let (tensors, metadata) = try Safetensors.read(path: path)
        return try decode(tensors: tensors, metadata: metadata, path: path)
    }

    /// A checkpoint from a safetensors file's contents (`path` names it in errors).
    public static func decode(tensors: [String: Safetensors.Tensor], metadata: [String: String], path: String) throws -> Checkpoint {
        switch metadata["format"] {
        case format: return Checkpoint(tensors: tensors, metadata: metadata)
        case legacyFormat: return try Checkpoint(legacyTensors: tensors, metadata: metadata, path: path)
        default: throw DataError(file: path, line: 0, "not an rnntrain checkpoint (its __metadata__ has no format \(format))")
        }
    }

    /// The run record, checked: sizes in range, a buildable model, and every
    /// tensor the model's layout names present with its shape. A damaged or
    /// hostile file therefore never makes the reader build a huge network.
    public func record(path: String) throws -> RunRecord {
        func fail(_ message: String) -> DataError { DataError(file: path, line: 0, message) }
        guard let text = metadata["run"] else { throw fail("checkpoint metadata lacks the run record") }
        var record: RunRecord
        do { record = try JSONDecoder().decode(RunRecord.self, from: Data(text.utf8)) } catch {
            throw fail("checkpoint run record is not readable (\(error))")
        }
        if record.settings.charLM != nil { record.progress.readAsValidation() }
        let m = record.model
        let limits: [(String, Int, ClosedRange<Int>)] = [
            ("vocabularySize", m.vocabularySize, 2 ... 100_000_000), ("embedDim", m.embedDim, 1 ... 65536),
            ("hiddenSize", m.hiddenSize, 1 ... 65536), ("numClasses", m.numClasses, 2 ... 65536), ("layers", m.layers, 1 ... 64),
        ]
        for (key, v, range) in limits where !range.contains(v) {
            throw fail("checkpoint model \(key) = \(v) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        if let problem = m.problem { throw fail("checkpoint model is not valid: \(problem)") }
        for spec in NetworkArchitecture(m).layout.specs {
            guard let t = tensors[spec.name] else { throw fail("checkpoint lacks tensor \(spec.name)") }
            guard t.shape == spec.shape else { throw fail("tensor \(spec.name) has shape \(t.shape) but the model needs \(spec.shape)") }
        }
        return record
    }

    /// Loads the weights (and, when `optimizer` is given, its state and step)
    /// into a network of the same architecture. A different model or
    /// optimizer is refused with a message that says which setting differs.
    public func restore(into network: SequenceNetwork, optimizer: (any Optimizer)?, path: String) throws {
        let saved = try record(path: path)
        var differences = saved.model.differences(from: network.spec)
        if let optimizer, optimizer.spec.kind != saved.optimizer.kind {
            differences.append("optimizer \(saved.optimizer.kind.rawValue) vs \(optimizer.spec.kind.rawValue)")
        }
        if let o = optimizer?.spec, o.isSparseEmbedding != saved.optimizer.isSparseEmbedding || o.isEmbeddingFrozen != saved.optimizer.isEmbeddingFrozen {
            differences.append("embedding update \(saved.optimizer.fullDescription) vs \(o.fullDescription)")
        }
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
            for (state, buffer) in optimizer?.state ?? [] { try copy("optimizer.\(state).\(spec.name)", into: buffer) }
        }
        optimizer?.step = saved.progress.optimizerStep
    }
}

extension ModelSpec {
    /// "hidden 64 vs 32" for every setting that differs from `other`.
    public func differences(from other: ModelSpec) -> [String] {
        var d: [String] = []
        func check<T: Equatable>(_ name: String, _ a: T, _ b: T) { if a != b { d.append("\(name) \(a) vs \(b)") } }
        check("task", task.rawValue, other.task.rawValue)
        check("pooling", pooling.rawValue, other.pooling.rawValue)
        check("cell", cell.rawValue, other.cell.rawValue)
        check("nonlinearity", nonlinearity.rawValue, other.nonlinearity.rawValue)
        check("layers", layers, other.layers)
        check("bidirectional", bidirectional, other.bidirectional)
        check("layer norm", layerNorm, other.layerNorm)
        check("vocabulary", vocabularySize, other.vocabularySize)
        check("embedding", embedDim, other.embedDim)
        check("hidden", hiddenSize, other.hiddenSize)
        check("classes", numClasses, other.numClasses)
        return d
    }
}
