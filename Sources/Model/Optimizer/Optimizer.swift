import TensorCore

/// An update rule over the whole parameter slab. Its state is a list of
/// named buffers with the parameters' layout (Adam: `exp_avg`,
/// `exp_avg_sq`, PyTorch's names), which checkpoints save as
/// `optimizer.<state>.<tensor>` without knowing which optimizer it is.
///
/// An update is `beginStep()` once, then `apply` on disjoint ranges of the
/// slab (one per thread), each reading the summed, reduced and clipped
/// gradient (`GradientPath`).
public protocol Optimizer: AnyObject, Sendable {
    var spec: OptimizerSpec { get }
    var learningRate: Float { get set }
    /// Updates taken so far.
    var step: Int { get set }
    /// Named state buffers, each with the parameters' layout.
    var state: [(name: String, buffer: FloatBuffer)] { get }
    /// Advances `step` and fixes this update's scalars.
    func beginStep()
    /// Updates `params[range]` with the gradient `gradScale * grads[range]`.
    func apply(params: UnsafeMutablePointer<Float>, grads: UnsafePointer<Float>, gradScale: Float, range: Range<Int>)
}

/// A `[rows x width]` tensor inside the slab (an embedding table).
public struct RowTable: Sendable, Equatable {
    public var offset: Int, rows: Int, width: Int

    public init(offset: Int, rows: Int, width: Int) {
        self.offset = offset
        self.rows = rows
        self.width = width
    }

    /// The slab range of the whole table.
    public var range: Range<Int> { offset ..< offset + rows * width }
    /// The slab range of row `r`.
    public func range(ofRow r: Int32) -> Range<Int> { offset + Int(r) * width ..< offset + (Int(r) + 1) * width }
}

/// The capability of updating only some rows of a table (a sparse
/// gradient: distinct row ids, each with its summed gradient row). Only the
/// listed rows' parameters and state change; every other row's state stays
/// exactly as it was (Adam's moments are not decayed: PyTorch's
/// `SparseAdam`, TF's `LazyAdamOptimizer`). Called after `beginStep()`, on
/// disjoint row lists (one per thread).
public protocol SparseRowOptimizer: Optimizer {
    func applyRows(params: UnsafeMutablePointer<Float>, grads: UnsafePointer<Float>, gradScale: Float,
                   table: RowTable, rows: UnsafeBufferPointer<Int32>)
}

extension Optimizer {
    /// One whole-slab update from a gradient slab.
    public func update(_ params: FloatBuffer, _ grads: FloatBuffer) {
        precondition(grads.count == params.count, "slab sizes differ")
        beginStep()
        apply(params: params.base, grads: grads.base, gradScale: 1, range: 0 ..< params.count)
    }
}

/// Which optimizer and its hyperparameters (stored in checkpoints as JSON).
/// Defaults are PyTorch's for each kind (Adam lr 1e-3; the reference
/// tutorial used 1e-4).
public struct OptimizerSpec: Equatable, Sendable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable { case adam, rmsprop, sgd }

    public var kind: Kind = .adam
    public var learningRate: Float = 1e-3
    /// Adam's moment decays.
    public var beta1: Float = 0.9, beta2: Float = 0.999
    /// Adam and RMSProp: added to the denominator.
    public var epsilon: Float = 1e-8
    /// RMSProp's smoothing constant.
    public var alpha: Float = 0.99
    /// RMSProp and SGD.
    public var momentum: Float = 0
    /// RMSProp: normalise by the centred second moment.
    public var centered = false
    /// SGD: Nesterov momentum.
    public var nesterov = false
    /// Update only the embedding rows of each batch's tokens (`SparseRowOptimizer`:
    /// lazy Adam, plain SGD); the rest of the slab as usual. nil = dense (so
    /// records written before this option read unchanged).
    public var sparseEmbedding: Bool?
    /// Leave the embedding table as it is (pretrained vectors kept fixed).
    public var freezeEmbedding: Bool?
    /// Adam: decoupled weight decay (`torch.optim.AdamW`: p *= 1 - lr * wd
    /// before the Adam update); 0 is plain Adam.
    public var weightDecay: Float = 0

    public init(kind: Kind = .adam, learningRate: Float = 1e-3) {
        self.kind = kind
        self.learningRate = learningRate
    }

    /// The rate a run of `kind` starts from when none is given.
    public static func defaultRate(_ kind: Kind) -> Float { kind == .adam ? 1e-3 : 0.01 }

    /// The one place that maps a kind to its type.
    public func make(parameterCount n: Int) -> any Optimizer {
        switch kind {
        case .adam: return Adam(spec: self, parameterCount: n)
        case .rmsprop: return RMSProp(spec: self, parameterCount: n)
        case .sgd: return SGD(spec: self, parameterCount: n)
        }
    }

    public var isSparseEmbedding: Bool { sparseEmbedding == true }
    public var isEmbeddingFrozen: Bool { freezeEmbedding == true }

    /// Why this optimizer cannot update the embedding sparsely, or nil.
    public var sparseProblem: String? {
        switch kind {
        case .adam: return weightDecay > 0 ? "--sparse-embedding has no weight decay (as PyTorch's SparseAdam); drop --weight-decay" : nil
        case .sgd: return momentum > 0 ? "--sparse-embedding with sgd needs --momentum 0 (as PyTorch's sparse SGD)" : nil
        case .rmsprop: return "--sparse-embedding needs --optimizer adam (lazy Adam) or sgd"
        }
    }

    /// Buffers of the parameters' size the optimizer keeps.
    public var stateCount: Int {
        switch kind {
        case .adam: return 2
        case .rmsprop: return 1 + (centered ? 1 : 0) + (momentum > 0 ? 1 : 0)
        case .sgd: return momentum > 0 ? 1 : 0
        }
    }

    /// "Adam lr 0.0001", "RMSProp lr 0.01 (alpha 0.99, momentum 0.9, centered)".
    public var description: String {
        switch kind {
        case .adam: return weightDecay > 0 ? "AdamW lr \(learningRate) (weight decay \(weightDecay))" : "Adam lr \(learningRate)"
        case .rmsprop:
            return "RMSProp lr \(learningRate) (alpha \(alpha), eps \(epsilon)" + (momentum > 0 ? ", momentum \(momentum)" : "")
                + (centered ? ", centered)" : ")")
        case .sgd: return "SGD lr \(learningRate)" + (momentum > 0 ? " (momentum \(momentum)\(nesterov ? ", Nesterov" : ""))" : "")
        }
    }

    /// The description with how the embedding is updated:
    /// "Adam lr 0.001, sparse embedding (lazy Adam)", "SGD lr 0.1, embedding frozen".
    public var fullDescription: String {
        if isEmbeddingFrozen { return description + ", embedding frozen" }
        guard isSparseEmbedding else { return description }
        return description + ", sparse embedding" + (kind == .adam ? " (lazy Adam)" : "")
    }
}

extension OptimizerSpec {
    enum CodingKeys: String, CodingKey {
        case kind, learningRate, beta1, beta2, epsilon, alpha, momentum, centered, nesterov, weightDecay, sparseEmbedding, freezeEmbedding
    }

    /// Reads a spec; keys added later (weightDecay, sparseEmbedding,
    /// freezeEmbedding) may be absent in older checkpoints.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decode(Kind.self, forKey: .kind)
        learningRate = try c.decode(Float.self, forKey: .learningRate)
        beta1 = try c.decode(Float.self, forKey: .beta1)
        beta2 = try c.decode(Float.self, forKey: .beta2)
        epsilon = try c.decode(Float.self, forKey: .epsilon)
        alpha = try c.decode(Float.self, forKey: .alpha)
        momentum = try c.decode(Float.self, forKey: .momentum)
        centered = try c.decode(Bool.self, forKey: .centered)
        nesterov = try c.decode(Bool.self, forKey: .nesterov)
        weightDecay = try c.decodeIfPresent(Float.self, forKey: .weightDecay) ?? 0
        sparseEmbedding = try c.decodeIfPresent(Bool.self, forKey: .sparseEmbedding)
        freezeEmbedding = try c.decodeIfPresent(Bool.self, forKey: .freezeEmbedding)
    }
}
