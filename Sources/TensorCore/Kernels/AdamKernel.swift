extension Kernels {
    /// One Adam update of `p[range]` with moments `m`, `v`, where the
    /// gradient is the sum of `grads` (in the order given, so the result does
    /// not depend on which thread runs which range) times `gradScale`:
    ///
    ///     g = gradScale * Σ_w grads[w][i]
    ///     m = β1 m + (1 - β1) g          v = β2 v + (1 - β2) g²
    ///     p -= stepSize * m / (sqrt(v) * invBiasCorrection2 + ε)
    ///
    /// with stepSize = lr / (1 - β1^t) and invBiasCorrection2 = 1 / sqrt(1 - β2^t)
    /// (PyTorch's formulation).
    public static func adam(params p: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>,
                            grads: [UnsafeMutablePointer<Float>], gradScale: Float, range: Range<Int>,
                            beta1 b1: Float, beta2 b2: Float, epsilon eps: Float, stepSize: Float, invBiasCorrection2 c2: Float) {
        let base = range.lowerBound
        blocks(range.count) { o, w in
            let i = base + o
            var g = load(grads[0] + i, w)
            for k in 1 ..< grads.count { g += load(grads[k] + i, w) }
            g = g * gradScale
            let mv = b1 * load(m + i, w) + (1 - b1) * g
            let vv = b2 * load(v + i, w) + (1 - b2) * g * g
            let pv = load(p + i, w) - stepSize * mv / (vv.squareRoot() * c2 + eps)
            store(mv, m + i, w)
            store(vv, v + i, w)
            store(pv, p + i, w)
        }
    }

    /// Σ (Σ_w grads[w][i])^2 over `range`, in Double per 4096-element chunk.
    public static func sumOfSquares(_ grads: [UnsafeMutablePointer<Float>], range: Range<Int>) -> Double {
        var total = 0.0
        var start = range.lowerBound
        while start < range.upperBound {
            let n = Swift.min(4096, range.upperBound - start)
            var acc = Vec64(0)
            blocks(n) { o, w in
                var g = load(grads[0] + start + o, w)
                for k in 1 ..< grads.count { g += load(grads[k] + start + o, w) }
                acc = acc.adding(g, times: g)
            }
            total += Double(acc.sum())
            start += n
        }
        return total
    }
}
