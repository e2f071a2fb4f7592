import TensorCore

/// Clipping by global norm (`torch.nn.utils.clip_grad_norm_`,
/// `tf.clip_by_global_norm`): when the L2 norm of all gradients exceeds
/// `maxNorm`, every gradient is scaled by maxNorm / norm.
public enum GradientClipping {
    /// Returns the norm before clipping.
    @discardableResult
    public static func clip(_ grads: FloatBuffer, maxNorm: Float) -> Float {
        let norm = Float(Kernels.sumOfSquares(grads.base, count: grads.count).squareRoot())
        if norm > maxNorm && norm.isFinite {
            Kernels.scale(grads.base, by: maxNorm / (norm + 1e-6), count: grads.count)
        }
        return norm
    }
}
