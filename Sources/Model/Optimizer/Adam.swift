import TensorCore

/// Adam (Kingma & Ba) with PyTorch's bias correction (`torch.optim.Adam`):
///
///     m = β1 m + (1 - β1) g          v = β2 v + (1 - β2) g²
///     p -= lr / (1 - β1^t) * m / (sqrt(v) / sqrt(1 - β2^t) + ε)
///
/// With `weightDecay` wd > 0 it is AdamW (`torch.optim.AdamW`, Loshchilov &
/// Hutter): `p *= 1 - lr wd` first, decoupled from the gradient; with 0 the
/// parameters see exactly Adam's update.
///
/// State: `exp_avg` (m) and `exp_avg_sq` (v). Rows updated through
/// `applyRows` follow lazy Adam (`Kernels.lazyAdam`, PyTorch's `SparseAdam`,
/// which has no weight decay) with the same step count.
public final class Adam: SparseRowOptimizer, @unchecked Sendable {
    public private(set) var spec: OptimizerSpec
    public let m: FloatBuffer, v: FloatBuffer
    public var step = 0
    private var stepSize: Float = 0, invBiasCorrection2: Float = 0, decay: Float = 1, lazyStepSize: Float = 0

    public init(spec: OptimizerSpec, parameterCount: Int) {
        self.spec = spec
        m = FloatBuffer(count: parameterCount)
        v = FloatBuffer(count: parameterCount)
    }

    public convenience init(parameterCount: Int, learningRate: Float) {
        self.init(spec: OptimizerSpec(kind: .adam, learningRate: learningRate), parameterCount: parameterCount)
    }

    public var learningRate: Float {
        get { spec.learningRate }
        set { spec.learningRate = newValue }
    }

    public var state: [(name: String, buffer: FloatBuffer)] { [("exp_avg", m), ("exp_avg_sq", v)] }

    public func beginStep() {
        step += 1
        let t = Double(step)
        stepSize = Float(Double(spec.learningRate) / (1 - pow(Double(spec.beta1), t)))
        invBiasCorrection2 = Float(1 / (1 - pow(Double(spec.beta2), t)).squareRoot())
        lazyStepSize = Float(Double(spec.learningRate) * (1 - pow(Double(spec.beta2), t)).squareRoot() / (1 - pow(Double(spec.beta1), t)))
        decay = Float(1 - Double(spec.learningRate) * Double(spec.weightDecay))
    }

    public func apply(params: UnsafeMutablePointer<Float>, grads: UnsafePointer<Float>, gradScale: Float, range: Range<Int>) {
        precondition(range.upperBound <= m.count, "range outside the slab")
        if spec.weightDecay != 0 { for i in range { params[i] *= decay } }
        Kernels.adam(params: params, m: m.base, v: v.base, grads: grads, gradScale: gradScale, range: range,
                     beta1: spec.beta1, beta2: spec.beta2, epsilon: spec.epsilon,
                     stepSize: stepSize, invBiasCorrection2: invBiasCorrection2)
    }

    public func applyRows(params: UnsafeMutablePointer<Float>, grads: UnsafePointer<Float>, gradScale: Float,
                          table: RowTable, rows: UnsafeBufferPointer<Int32>) {
        precondition(table.range.upperBound <= m.count && spec.weightDecay == 0, "table outside the slab, or weight decay on lazy rows")
        for r in rows {
            Kernels.lazyAdam(params: params, m: m.base, v: v.base, grads: grads, gradScale: gradScale, range: table.range(ofRow: r),
                             beta1: spec.beta1, beta2: spec.beta2, epsilon: spec.epsilon, stepSize: lazyStepSize)
        }
    }
}

#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif
