import CPUSupport

/// The calling thread's handling of denormal (subnormal) floats.
///
/// Gradients carried back through a hundred-plus GRU steps decay into
/// denormals, and x86 arithmetic on denormals takes a slow microcode path
/// (sgemm ran 7x slower at lengths up to 240). Flush-to-zero (results) and
/// denormals-are-zero (inputs) make those values exact zeros instead; the
/// losses agree with the plain path to well below 1e-4. MXCSR is per thread,
/// so every thread that computes sets it; the call is a register read when
/// the bits are already on.
public enum FloatingPointMode {
    /// Turns flush-to-zero and denormals-are-zero on in the calling thread.
    /// Returns false where the CPU has no such mode (non-x86 builds).
    @discardableResult
    public static func enableFlushToZero() -> Bool { rnntrain_fp_enable_ftz_daz() }

    /// Whether both bits are on in the calling thread.
    public static var flushesToZero: Bool { rnntrain_fp_ftz_daz_enabled() }

    /// Back to IEEE denormals in the calling thread (for comparing both paths).
    public static func disableFlushToZero() { rnntrain_fp_disable_ftz_daz() }
}
