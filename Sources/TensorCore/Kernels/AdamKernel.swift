extension Kernels {
    /// One Adam update of `p[range]` with moments `m`, `v` and the gradient
    /// `gradScale * grads`:
    ///
    ///     g = gradScale * grads[i]
    ///     m = β1 m + (1 - β1) g          v = β2 v + (1 - β2) g²
    ///     p -= stepSize * m / (sqrt(v) * invBiasCorrection2 + ε)
    ///
    /// with stepSize = lr / (1 - β1^t) and invBiasCorrection2 = 1 / sqrt(1 - β2^t)
    /// (PyTorch's formulation).
    public static func adam(params p: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>,
                            grads: UnsafePointer<Float>, gradScale: Float, range: Range<Int>,
                            beta1 b1: Float, beta2 b2: Float, epsilon eps: Float, stepSize: Float, invBiasCorrection2 c2: Float) {
        let base = range.lowerBound
        blocks(range.count) { o, w in
            let i = base + o
            let g = load(grads + i, w) * gradScale
            let mv = b1 * load(m + i, w) + (1 - b1) * g
            let vv = b2 * load(v + i, w) + (1 - b2) * g * g
            let pv = load(p + i, w) - stepSize * mv / (vv.squareRoot() * c2 + eps)
            store(mv, m + i, w)
            store(vv, v + i, w)
            store(pv, p + i, w)
        }
    }
}

extension Kernels {
    /// One lazy-Adam update of `p[range]` (PyTorch's `SparseAdam`, TF's
    /// `LazyAdamOptimizer`), for the rows of a table a batch touched:
    ///
    ///     g = gradScale * grads[i]
    ///     m += (1 - β1)(g - m)           v += (1 - β2)(g² - v)
    ///     p -= stepSize * m / (sqrt(v) + ε)
    ///
    /// with stepSize = lr sqrt(1 - β2^t) / (1 - β1^t): unlike `adam`, ε is
    /// added to the uncorrected sqrt(v), as both libraries do.
    public static func lazyAdam(params p: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>,
                                grads: UnsafePointer<Float>, gradScale: Float, range: Range<Int>,
                                beta1 b1: Float, beta2 b2: Float, epsilon eps: Float, stepSize: Float) {
        let base = range.lowerBound
        blocks(range.count) { o, w in
            let i = base + o
            let g = load(grads + i, w) * gradScale
            let m0 = load(m + i, w), v0 = load(v + i, w)
            let mv = m0 + (g - m0) * (1 - b1)
            let vv = v0 + (g * g - v0) * (1 - b2)
            let pv = load(p + i, w) - stepSize * (mv / (vv.squareRoot() + eps))
            store(mv, m + i, w)
            store(vv, v + i, w)
            store(pv, p + i, w)
        }
    }
}
