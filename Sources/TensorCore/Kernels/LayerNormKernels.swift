/// Layer normalisation over blocks of `width` columns, as used by the
/// layer-normalised recurrent cells (one normalisation per gate block):
///
///     μ = mean(a),  σ² = mean((a - μ)²)  (biased, as PyTorch's LayerNorm)
///     rstd = 1 / sqrt(σ² + ε),  â = (a - μ) rstd,  y = γ ∘ â + β
///
/// Backward, with g = dy ∘ γ:
///
///     da = rstd (g - mean(g) - â mean(g ∘ â))
///     dγ = Σ_rows dy ∘ â,  dβ = Σ_rows dy
///
/// A row holds `blocks` blocks side by side; γ and β hold `blocks * width`
/// values (one gain and shift per column of every block). Columns are
/// processed 64 at a time (`Vec64`); the last, narrower chunk of a block goes
/// through the partial loads, whose zero lanes the statistics correct for.
public enum LayerNormKernels {
    /// ε added to the variance: PyTorch's `nn.LayerNorm` default.
    public static let epsilon: Float = 1e-5

    /// Sum of the 64 lanes as a tree of vector adds (`Vec64.sum()` reduces
    /// lane by lane, which shows in per-block statistics).
    @_transparent
    public static func lanes(_ v: Vec64) -> Float {
        let s16 = (v.a + v.b) + (v.c + v.d)
        let s8 = s16.lowHalf + s16.highHalf
        let s4 = s8.lowHalf + s8.highHalf
        let s2 = s4.lowHalf + s4.highHalf
        return s2[0] + s2[1]
    }

    /// Mean and 1/sqrt(var + ε) of `width` floats, two passes.
    @inline(__always)
    public static func statistics(_ a: UnsafePointer<Float>, width: Int) -> (mean: Float, rstd: Float) {
        var acc = Vec64(0)
        Kernels.blocks(width) { j, w in acc += Kernels.load(a + j, w) }
        let mean = lanes(acc) / Float(width)
        var sq = Vec64(0)
        var padded = 0
        Kernels.blocks(width) { j, w in
            let d = Kernels.load(a + j, w) + -mean
            sq = sq.adding(d, times: d)
            padded += 64 - w
        }
        // Zero lanes of a partial chunk added (0 - μ)² each.
        let ss = lanes(sq) - Float(padded) * mean * mean
        return (mean, 1 / (Swift.max(ss, 0) / Float(width) + epsilon).squareRoot())
    }

    /// For each of `rows` rows and each block: normalises `a` (read), writes
    /// â to `xhat`, 1/sqrt(var + ε) to `rstd` (`blocks` per row, contiguous)
    /// and `γ ∘ â + β` to `y` (may be `a`).
    public static func forward(rows: Int, blocks: Int, width h: Int,
                               a: UnsafePointer<Float>, ldA: Int,
                               gain: UnsafePointer<Float>, shift: UnsafePointer<Float>,
                               xhat: UnsafeMutablePointer<Float>, ldXhat: Int,
                               rstd: UnsafeMutablePointer<Float>,
                               y: UnsafeMutablePointer<Float>, ldY: Int) {
        for row in 0 ..< rows {
            for k in 0 ..< blocks {
                let ar = a + row * ldA + k * h, xr = xhat + row * ldXhat + k * h, yr = y + row * ldY + k * h
                let gk = gain + k * h, bk = shift + k * h
                let (mean, rs) = statistics(ar, width: h)
                rstd[row * blocks + k] = rs
                Kernels.blocks(h) { j, w in
                    let xh = (Kernels.load(ar + j, w) + -mean) * rs
                    Kernels.store(xh, xr + j, w)
                    Kernels.store(Kernels.load(bk + j, w).adding(xh, times: Kernels.load(gk + j, w)), yr + j, w)
                }
            }
        }
    }

    /// For each row and block: `da = rstd (g - mean(g) - â mean(g ∘ â))`
    /// with `g = dy ∘ γ`. `da` may be `dy`.
    public static func backward(rows: Int, blocks: Int, width h: Int,
                                dy: UnsafePointer<Float>, ldDy: Int,
                                gain: UnsafePointer<Float>,
                                xhat: UnsafePointer<Float>, ldXhat: Int,
                                rstd: UnsafePointer<Float>,
                                da: UnsafeMutablePointer<Float>, ldDa: Int) {
        let inv = 1 / Float(h)
        for row in 0 ..< rows {
            for k in 0 ..< blocks {
                let dr = dy + row * ldDy + k * h, xr = xhat + row * ldXhat + k * h
                let gk = gain + k * h, out = da + row * ldDa + k * h
                var sg = Vec64(0), sgx = Vec64(0)
                Kernels.blocks(h) { j, w in
                    let g = Kernels.load(dr + j, w) * Kernels.load(gk + j, w)
                    sg += g
                    sgx = sgx.adding(g, times: Kernels.load(xr + j, w))
                }
                let mg = lanes(sg) * inv, mgx = lanes(sgx) * inv, rs = rstd[row * blocks + k]
                Kernels.blocks(h) { j, w in
                    let g = Kernels.load(dr + j, w) * Kernels.load(gk + j, w)
                    let v = (g + -mg - Kernels.load(xr + j, w) * mgx) * rs
                    Kernels.store(v, out + j, w)
                }
            }
        }
    }

    /// `dGain[j] += Σ_r dy[r, j] xhat[r, j]`, `dShift[j] += Σ_r dy[r, j]`
    /// over the `dy.cols` columns.
    public static func addGainShiftGradients(dy: Matrix, xhat: Matrix,
                                             dGain: UnsafeMutablePointer<Float>, dShift: UnsafeMutablePointer<Float>) {
        Kernels.blocks(dy.cols) { j, w in
            var sg = Kernels.load(dGain + j, w), sb = Kernels.load(dShift + j, w)
            if w == 64 {
                for r in 0 ..< dy.rows {
                    let d = Vec64(dy.row(r) + j)
                    sb += d
                    sg = sg.adding(d, times: Vec64(xhat.row(r) + j))
                }
            } else {
                for r in 0 ..< dy.rows {
                    let d = Vec64(dy.row(r) + j, count: w)
                    sb += d
                    sg = sg.adding(d, times: Vec64(xhat.row(r) + j, count: w))
                }
            }
            Kernels.store(sg, dGain + j, w)
            Kernels.store(sb, dShift + j, w)
        }
    }

    /// `y[i] = a[i] + b[i]` for `count` elements.
    public static func sum(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        Kernels.blocks(count) { i, w in Kernels.store(Kernels.load(a + i, w) + Kernels.load(b + i, w), y + i, w) }
    }
}
