import TensorCore

/// Adam (Kingma & Ba) over a whole parameter slab, with PyTorch's bias
/// correction:
///
///     m = β1 m + (1 - β1) g          v = β2 v + (1 - β2) g²
///     p -= lr / (1 - β1^t) * m / (sqrt(v) / sqrt(1 - β2^t) + ε)
///
/// The gradient may arrive as several slabs (one per worker) that are summed
/// on the fly, and the slab may be updated in disjoint ranges by several
/// threads (`beginStep` once, then `apply` per range).
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

    /// The scalars of one update.
    public struct StepSize: Sendable {
        var stepSize: Float
        var invBiasCorrection2: Float
    }

    /// Advances the step count and returns this update's scalars.
    public func beginStep() -> StepSize {
        step += 1
        let t = Double(step)
        return StepSize(stepSize: Float(Double(learningRate) / (1 - pow(Double(beta1), t))),
                        invBiasCorrection2: Float(1 / (1 - pow(Double(beta2), t)).squareRoot()))
    }

    /// Updates `params[range]` with gradient `gradScale * Σ grads`, where
    /// `grads` are slabs of the parameters' layout.
    public func apply(_ s: StepSize, params: FloatBuffer, grads: [UnsafeMutablePointer<Float>], gradScale: Float = 1, range: Range<Int>) {
        precondition(params.count == m.count && range.upperBound <= m.count, "range outside the slab")
        Kernels.adam(params: params.base, m: m.base, v: v.base, grads: grads, gradScale: gradScale, range: range,
                     beta1: beta1, beta2: beta2, epsilon: epsilon,
                     stepSize: s.stepSize, invBiasCorrection2: s.invBiasCorrection2)
    }

    /// One whole-slab update from a single gradient slab.
    public func update(_ params: FloatBuffer, _ grads: FloatBuffer) {
        precondition(grads.count == params.count, "slab sizes differ")
        apply(beginStep(), params: params, grads: [grads.base], range: 0 ..< params.count)
    }
}

#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif
