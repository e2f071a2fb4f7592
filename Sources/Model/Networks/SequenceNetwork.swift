import TensorCore

/// The network definition and its parameters:
///
///     Embedding [V x E] -> GRU(E -> H) -> dropout -> Linear(H -> K) -> softmax
///
/// `classify` reads the GRU output at each row's last relevant step;
/// `seq2seq` applies the head at every step. All trainable tensors live in one
/// slab (`params`) described by `layout`; workers (`NetworkWorker`) read it and
/// write gradients into slabs of the same layout.
public final class SequenceNetwork: @unchecked Sendable {
    public let config: ModelConfig
    public let layout: ParameterLayout
    public let embedding: Embedding
    public let recurrent: [any RecurrentLayer]
    public let head: Linear
    public let dropout: Dropout
    public let params: FloatBuffer

    /// Builds the network and initialises it from `seed`.
    public init(config: ModelConfig, seed: UInt64) {
        self.config = config
        var layout = ParameterLayout()
        embedding = Embedding(vocabularySize: config.vocabularySize, dim: config.embedDim, layout: &layout)
        recurrent = [GRU(inputSize: config.embedDim, hiddenSize: config.hiddenSize, layout: &layout)]
        head = Linear(inputSize: config.hiddenSize, outputSize: config.numClasses, layout: &layout)
        dropout = Dropout(keepProb: config.keepProb)
        self.layout = layout
        params = FloatBuffer(count: layout.totalCount)
        var rng = RNG.derived(seed: seed, RandomStream.initialization)
        embedding.initialize(params.base, rng: &rng)
        for layer in recurrent { layer.initialize(params.base, rng: &rng) }
        head.initialize(params.base, rng: &rng)
    }

    public var parameterCount: Int { layout.specs.reduce(0) { $0 + $1.count } }

    /// The values of one named tensor (copy).
    public func tensor(_ name: String) -> [Float]? {
        guard let s = layout.spec(name) else { return nil }
        return Array(UnsafeBufferPointer(start: params.base + s.offset, count: s.count))
    }

    /// Overwrites one named tensor.
    public func setTensor(_ name: String, _ values: [Float]) {
        guard let s = layout.spec(name) else { preconditionFailure("no tensor \(name)") }
        precondition(values.count == s.count, "\(name) has \(s.count) values, got \(values.count)")
        values.withUnsafeBufferPointer { (params.base + s.offset).update(from: $0.baseAddress!, count: s.count) }
    }
}

/// Keys of the independent random streams derived from the run's seed, so
/// that each kind of decision is reproducible on its own.
public enum RandomStream {
    public static let initialization: UInt64 = 1
    public static let epochOrder: UInt64 = 2
    public static let dropout: UInt64 = 3
}
