/// The fused point-wise part of a layer-normalised LSTM step (Ba et al.
/// 2016), PyTorch's gate order i, f, g, o:
///
///     p  = gi + gh            gi = LN_x(x W_ih^T) + b,  gh = LN_h(h W_hh^T)
///     i = σ(p_i)  f = σ(p_f)  g = tanh(p_g)  o = σ(p_o)
///     c' = f ∘ c + i ∘ g                      (carried unnormalised)
///     ĉ  = (c' - mean c') / sqrt(var c' + ε)
///     tc = tanh(γ_c ∘ ĉ + β_c)
///     h' = o ∘ tc
///
/// Row layouts (H = hidden size):
///   gi, gh, dGates:  [4H] = [i | f | g | o] blocks
///   saved:           [6H] = [i | f | g | o | ĉ | tc], written by forward
/// `rstdC` holds one 1/sqrt(var c' + ε) per row.
public enum LayerNormLSTMGates {
    /// Forward for `rows` active rows; writes the gates, c' (`cOut`) and h'.
    public static func forward(rows: Int, hidden h: Int,
                               gi: UnsafePointer<Float>, ldGi: Int,
                               gh: UnsafePointer<Float>, ldGh: Int,
                               cPrev: UnsafePointer<Float>, ldCPrev: Int,
                               gainC: UnsafePointer<Float>, shiftC: UnsafePointer<Float>,
                               saved: UnsafeMutablePointer<Float>, ldSaved: Int,
                               rstdC: UnsafeMutablePointer<Float>,
                               cOut: UnsafeMutablePointer<Float>, ldCOut: Int,
                               hOut: UnsafeMutablePointer<Float>, ldHOut: Int) {
        for row in 0 ..< rows {
            let a = gi + row * ldGi, b = gh + row * ldGh, cp = cPrev + row * ldCPrev
            let s = saved + row * ldSaved, co = cOut + row * ldCOut, ho = hOut + row * ldHOut
            Kernels.blocks(h) { j, w in
                let i = vsigmoid(Kernels.load(a + j, w) + Kernels.load(b + j, w))
                let f = vsigmoid(Kernels.load(a + h + j, w) + Kernels.load(b + h + j, w))
                let g = vtanh(Kernels.load(a + 2 * h + j, w) + Kernels.load(b + 2 * h + j, w))
                let o = vsigmoid(Kernels.load(a + 3 * h + j, w) + Kernels.load(b + 3 * h + j, w))
                Kernels.store(i, s + j, w)
                Kernels.store(f, s + h + j, w)
                Kernels.store(g, s + 2 * h + j, w)
                Kernels.store(o, s + 3 * h + j, w)
                Kernels.store((i * g).adding(f, times: Kernels.load(cp + j, w)), co + j, w)
            }
            let (mean, rs) = LayerNormKernels.statistics(co, width: h)
            rstdC[row] = rs
            Kernels.blocks(h) { j, w in
                let ch = (Kernels.load(co + j, w) + -mean) * rs
                let tc = vtanh(Kernels.load(shiftC + j, w).adding(ch, times: Kernels.load(gainC + j, w)))
                Kernels.store(ch, s + 4 * h + j, w)
                Kernels.store(tc, s + 5 * h + j, w)
                Kernels.store(Kernels.load(s + 3 * h + j, w) * tc, ho + j, w)
            }
        }
    }

    /// Backward for `rows` active rows. On entry `dc` holds dL/dc' from the
    /// next step (zero for rows that end here), on exit dL/dc for the
    /// previous state. `dh` is the total dL/dh'. Writes dL/dp to `dGates` and
    /// dL/d(γ_c ĉ + β_c) to `dcn` (for the gain and shift gradients).
    ///
    ///     dcn = dh o (1 - tc²)       dĉ = dcn γ_c
    ///     dc' = rstd (dĉ - mean dĉ - ĉ mean(dĉ ĉ)) + dc
    ///     dp  = [dc' g i(1-i) | dc' c f(1-f) | dc' i (1-g²) | dh tc o(1-o)]
    ///     dc  = dc' f
    public static func backward(rows: Int, hidden h: Int,
                                dh: UnsafePointer<Float>, ldDh: Int,
                                dc: UnsafeMutablePointer<Float>, ldDc: Int,
                                saved: UnsafePointer<Float>, ldSaved: Int,
                                rstdC: UnsafePointer<Float>,
                                cPrev: UnsafePointer<Float>, ldCPrev: Int,
                                gainC: UnsafePointer<Float>,
                                dGates: UnsafeMutablePointer<Float>, ldDGates: Int,
                                dcn: UnsafeMutablePointer<Float>, ldDcn: Int) {
        let inv = 1 / Float(h)
        for row in 0 ..< rows {
            let d = dh + row * ldDh, s = saved + row * ldSaved, dcr = dc + row * ldDc
            let cp = cPrev + row * ldCPrev, dg = dGates + row * ldDGates, dn = dcn + row * ldDcn
            var sg = Vec64(0), sgx = Vec64(0)
            Kernels.blocks(h) { j, w in
                let tc = Kernels.load(s + 5 * h + j, w)
                let v = Kernels.load(d + j, w) * Kernels.load(s + 3 * h + j, w) * (1 - tc * tc)
                Kernels.store(v, dn + j, w)
                let g = v * Kernels.load(gainC + j, w)
                sg += g
                sgx = sgx.adding(g, times: Kernels.load(s + 4 * h + j, w))
            }
            let mg = LayerNormKernels.lanes(sg) * inv, mgx = LayerNormKernels.lanes(sgx) * inv, rs = rstdC[row]
            Kernels.blocks(h) { j, w in
                let ch = Kernels.load(s + 4 * h + j, w)
                let dhat = Kernels.load(dn + j, w) * Kernels.load(gainC + j, w)
                let dcc = (dhat + -mg - ch * mgx) * rs + Kernels.load(dcr + j, w)
                let i = Kernels.load(s + j, w), f = Kernels.load(s + h + j, w)
                let g = Kernels.load(s + 2 * h + j, w), o = Kernels.load(s + 3 * h + j, w)
                let tc = Kernels.load(s + 5 * h + j, w)
                Kernels.store(dcc * g * i * (1 - i), dg + j, w)
                Kernels.store(dcc * Kernels.load(cp + j, w) * f * (1 - f), dg + h + j, w)
                Kernels.store(dcc * i * (1 - g * g), dg + 2 * h + j, w)
                Kernels.store(Kernels.load(d + j, w) * tc * o * (1 - o), dg + 3 * h + j, w)
                Kernels.store(dcc * f, dcr + j, w)
            }
        }
    }
}
