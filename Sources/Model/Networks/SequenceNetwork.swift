import TensorCore

/// The layers a `ModelSpec` describes and the layout of their tensors in one
/// slab, derived once from the spec (no parameters allocated: checkpoints
/// are checked against it before anything large is built).
public struct NetworkArchitecture: Sendable {
    public let spec: ModelSpec
    public let layout: ParameterLayout
    public let embedding: Embedding
    public let stack: RecurrentStack
    /// The classifier `fc`: Linear(D*H -> K).
    public let classifier: Linear

    public init(_ spec: ModelSpec) {
        self.spec = spec
        var layout = ParameterLayout()
        embedding = Embedding(vocabularySize: spec.vocabularySize, dim: spec.embedDim, layout: &layout)
        stack = RecurrentStack(spec: spec, layout: &layout)
        classifier = Linear(inputSize: spec.outputSize, outputSize: spec.numClasses, layout: &layout)
        self.layout = layout
    }
}

/// The network and its parameters:
///
///     Embedding [V x E] -> RecurrentStack (L layers x D directions, H)
///       -> head (last | mean | max | per step) -> dropout -> Linear(D*H -> K) -> softmax
///
/// All trainable tensors live in one slab (`params`) described by `layout`;
/// workers (`NetworkWorker`) read it and write gradients into slabs of the
/// same layout.
public final class SequenceNetwork: @unchecked Sendable {
    public let architecture: NetworkArchitecture
    public let dropout: Dropout
    public let params: FloatBuffer

    /// Builds the network and initialises it from `seed`: embedding, cells in
    /// layout order, classifier, each from the same initialisation stream.
    public init(spec: ModelSpec, seed: UInt64) {
        precondition(spec.problem == nil, spec.problem ?? "")
        architecture = NetworkArchitecture(spec)
        dropout = Dropout(keepProb: spec.keepProb)
        params = FloatBuffer(count: architecture.layout.totalCount)
        var rng = RNG.derived(seed: seed, RandomStream.initialization)
        embedding.initialize(params.base, rng: &rng)
        stack.initialize(params.base, rng: &rng)
        classifier.initialize(params.base, rng: &rng)
    }

    public var spec: ModelSpec { architecture.spec }
    public var layout: ParameterLayout { architecture.layout }
    public var embedding: Embedding { architecture.embedding }
    public var stack: RecurrentStack { architecture.stack }
    public var classifier: Linear { architecture.classifier }

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
    /// Text sampled from a character language model during training.
    public static let sampling: UInt64 = 4
}
