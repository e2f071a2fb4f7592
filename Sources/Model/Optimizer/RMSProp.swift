import TensorCore

/// RMSProp as PyTorch's `torch.optim.RMSprop` (defaults alpha 0.99, eps 1e-8,
/// momentum 0, not centred):
///
///     s = α s + (1 - α) g²                      (square_avg)
///     centred: a = α a + (1 - α) g;  d = sqrt(s - a²) + ε   (grad_avg)
///     else:    d = sqrt(s) + ε
///     momentum μ > 0: b = μ b + g / d;  p -= lr b   (momentum_buffer)
///     else:           p -= lr g / d
///
/// (TensorFlow's RMSPropOptimizer differs: ε inside the square root.)
public final class RMSProp: Optimizer, @unchecked Sendable {
    public private(set) var spec: OptimizerSpec
    public var step = 0
    let squareAvg: FloatBuffer, gradAvg: FloatBuffer?, momentumBuffer: FloatBuffer?

    public init(spec: OptimizerSpec, parameterCount n: Int) {
        self.spec = spec
        squareAvg = FloatBuffer(count: n)
        gradAvg = spec.centered ? FloatBuffer(count: n) : nil
        momentumBuffer = spec.momentum > 0 ? FloatBuffer(count: n) : nil
    }

    public var learningRate: Float {
        get { spec.learningRate }
        set { spec.learningRate = newValue }
    }

    public var state: [(name: String, buffer: FloatBuffer)] {
        [("square_avg", squareAvg)] + (gradAvg.map { [("grad_avg", $0)] } ?? [])
            + (momentumBuffer.map { [("momentum_buffer", $0)] } ?? [])
    }

    public func beginStep() { step += 1 }

    public func apply(params: UnsafeMutablePointer<Float>, grads: UnsafePointer<Float>, gradScale: Float, range: Range<Int>) {
        let a = spec.alpha, eps = spec.epsilon, lr = spec.learningRate, mu = spec.momentum
        let s = squareAvg.base, ga = gradAvg?.base, mb = momentumBuffer?.base
        for i in range {
            let g = grads[i] * gradScale
            s[i] = a * s[i] + (1 - a) * g * g
            var d: Float
            if let ga {
                ga[i] = a * ga[i] + (1 - a) * g
                d = (s[i] - ga[i] * ga[i]).squareRoot() + eps
            } else {
                d = s[i].squareRoot() + eps
            }
            if let mb {
                mb[i] = mu * mb[i] + g / d
                params[i] -= lr * mb[i]
            } else {
                params[i] -= lr * g / d
            }
        }
    }
}
