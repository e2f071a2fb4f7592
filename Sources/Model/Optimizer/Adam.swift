import TensorCore

/// Adam (Kingma & Ba) over a whole parameter slab in one vectorised loop,
/// with PyTorch's bias correction:
///
///     m = β1 m + (1 - β1) g          v = β2 v + (1 - β2) g²
///     p -= lr / (1 - β1^t) * m / (sqrt(v) / sqrt(1 - β2^t) + ε)
public final class Adam: @unchecked Sendable {
    public var learningRate: Float
    public let beta1: Float, beta2: Float, epsilon: Float
    /// First and second moments, same layout as the parameters.
    public let m: FloatBuffer, v: FloatBuffer
    /// Updates taken so far.
    public var step = 0

    public init(parameterCount: Int, learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        m = FloatBuffer(count: parameterCount)
        v = FloatBuffer(count: parameterCount)
    }

    public func update(_ params: FloatBuffer, _ grads: FloatBuffer) {
        precondition(params.count == m.count && grads.count == m.count, "slab sizes differ")
        step += 1
        let t = Double(step)
        let stepSize = Float(Double(learningRate) / (1 - pow(Double(beta1), t)))
        let invBC2 = Float(1 / (1 - pow(Double(beta2), t)).squareRoot())
        let b1 = beta1, b2 = beta2, eps = epsilon
        let p = params.base, g = grads.base, mp = m.base, vp = v.base
        let count = params.count
        var i = 0
        while i < count {
            let c = Swift.min(vecWidth, count - i)
            let gv = vload(g + i, c)
            let mv = b1 * vload(mp + i, c) + (1 - b1) * gv
            let vv = b2 * vload(vp + i, c) + (1 - b2) * gv * gv
            vstore(mv, mp + i, c)
            vstore(vv, vp + i, c)
            vstore(vload(p + i, c) - stepSize * mv / (vv.squareRoot() * invBC2 + eps), p + i, c)
            i += vecWidth
        }
    }
}

#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif
