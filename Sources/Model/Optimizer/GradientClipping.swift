import TensorCore

/// Clipping by global norm (`torch.nn.utils.clip_grad_norm_`,
/// `tf.clip_by_global_norm`): when the L2 norm of all gradients exceeds
/// `maxNorm`, every gradient is scaled by maxNorm / (norm + 1e-6).
public enum GradientClipping {
    /// The factor the gradients are multiplied by: 1 when the norm is within
    /// `maxNorm` (or not finite: the loss check stops such a run).
    public static func scale(norm: Float, maxNorm: Float) -> Float {
        norm > maxNorm && norm.isFinite ? maxNorm / (norm + 1e-6) : 1
    }
}
