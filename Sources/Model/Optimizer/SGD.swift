import TensorCore

/// Stochastic gradient descent as PyTorch's `torch.optim.SGD` (dampening 0):
///
///     momentum μ > 0: b = μ b + g   (momentum_buffer; b starts at g)
///                     Nesterov: g = g + μ b, else g = b
///     p -= lr g
///
/// Without momentum, rows of a table can be updated alone (`applyRows`,
/// PyTorch's SGD on a `sparse=True` embedding): the same arithmetic, so
/// sparse and dense runs give identical weights.
public final class SGD: SparseRowOptimizer, @unchecked Sendable {
    public private(set) var spec: OptimizerSpec
    public var step = 0
    let momentumBuffer: FloatBuffer?

    public init(spec: OptimizerSpec, parameterCount n: Int) {
        self.spec = spec
        momentumBuffer = spec.momentum > 0 ? FloatBuffer(count: n) : nil
    }

    public var learningRate: Float {
        get { spec.learningRate }
        set { spec.learningRate = newValue }
    }

    public var state: [(name: String, buffer: FloatBuffer)] { momentumBuffer.map { [("momentum_buffer", $0)] } ?? [] }

    public func beginStep() { step += 1 }

    public func apply(params: UnsafeMutablePointer<Float>, grads: UnsafePointer<Float>, gradScale: Float, range: Range<Int>) {
        let lr = spec.learningRate, mu = spec.momentum, nesterov = spec.nesterov
        guard let b = momentumBuffer?.base else {
            for i in range { params[i] -= lr * (grads[i] * gradScale) }
            return
        }
        // With dampening 0, a zero buffer gives PyTorch's first step b = g.
        for i in range {
            let g = grads[i] * gradScale
            b[i] = mu * b[i] + g
            params[i] -= lr * (nesterov ? g + mu * b[i] : b[i])
        }
    }

    public func applyRows(params: UnsafeMutablePointer<Float>, grads: UnsafePointer<Float>, gradScale: Float,
                          table: RowTable, rows: UnsafeBufferPointer<Int32>) {
        precondition(momentumBuffer == nil, "sparse SGD has no momentum")
        for r in rows { apply(params: params, grads: grads, gradScale: gradScale, range: table.range(ofRow: r)) }
    }
}
