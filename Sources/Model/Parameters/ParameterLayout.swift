import TensorCore

/// One named tensor inside a parameter slab. Names and shapes follow
/// PyTorch's modules (`gru.weight_ih_l0` is `[3H, E]`), so checkpoints map
/// one-to-one onto a PyTorch `state_dict`.
public struct TensorSpec: Equatable, Sendable {
    public var name: String
    public var shape: [Int]
    public var offset: Int
    public var count: Int { shape.reduce(1, *) }
}

/// The layout of all trainable tensors of a network in one flat slab
/// (llm.c's approach): parameters, gradients and Adam's moments are each one
/// buffer of `totalCount` floats with the same layout, so the optimiser, the
/// gradient-norm clip and checkpointing are single loops.
public struct ParameterLayout: Sendable {
    public private(set) var specs: [TensorSpec] = []
    public private(set) var totalCount = 0

    public init() {}

    /// Declares a tensor and returns its offset. Offsets are rounded up to 16
    /// floats so every tensor starts on a 64-byte boundary.
    @discardableResult
    public mutating func add(_ name: String, shape: [Int]) -> Int {
        precondition(!specs.contains { $0.name == name }, "duplicate tensor \(name)")
        let offset = (totalCount + 15) / 16 * 16
        let spec = TensorSpec(name: name, shape: shape, offset: offset)
        specs.append(spec)
        totalCount = offset + spec.count
        return offset
    }

    public func spec(_ name: String) -> TensorSpec? { specs.first { $0.name == name } }
}
