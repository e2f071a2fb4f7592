/// The fused point-wise part of an LSTM step, forward and backward, in
/// PyTorch's convention (gate blocks ordered i, f, g, o):
///
///     i = σ(a_i + b_ii + b_hi)     f = σ(a_f + b_if + b_hf)
///     g = tanh(a_g + b_ig + b_hg)  o = σ(a_o + b_io + b_ho)
///     c' = f * c + i * g           h' = o * tanh(c')
///
/// where `a = x W_ih^T + h W_hh^T`: the input part is one GEMM over every
/// packed token before the time loop, the recurrent part one GEMM per step
/// accumulated onto it (`beta = 1`), so the kernel reads one pre-activation
/// per gate. Both biases are added here rather than by extra passes.
///
/// Row layouts (H = hidden size):
///   gates: [4H] = [i | f | g | o] blocks. Forward reads the pre-activations
///          and overwrites them with the activations, which backward reads
///          and overwrites with the pre-activation gradients dA.
///   tanhC, c, cPrev, hOut, dh, dhNext, dc: [H]
///
/// Columns are processed 64 at a time (`Vec64`); a last block narrower than
/// 64 is staged through zero-padded scratch so the same code handles it.
public enum LSTMGates {
    /// Forward for `rows` active rows. Rows are `ld*` floats apart; `ldCPrev`
    /// may be 0 (one state broadcast to every row).
    public static func forward(rows: Int, hidden h: Int,
                               gates: UnsafeMutablePointer<Float>, ldGates: Int,
                               biasIH: UnsafePointer<Float>, biasHH: UnsafePointer<Float>,
                               cPrev: UnsafePointer<Float>, ldCPrev: Int,
                               tanhC: UnsafeMutablePointer<Float>, ldTanhC: Int,
                               c: UnsafeMutablePointer<Float>, ldC: Int,
                               hOut: UnsafeMutablePointer<Float>, ldHOut: Int) {
        let full = h / 64 * 64
        for row in 0 ..< rows {
            let a = gates + row * ldGates, cp = cPrev + row * ldCPrev
            let tc = tanhC + row * ldTanhC, cr = c + row * ldC, ho = hOut + row * ldHOut
            var j = 0
            while j < full {
                forwardBlock(gates: a + j, bi: biasIH + j, bh: biasHH + j, cPrev: cp + j,
                             tanhC: tc + j, c: cr + j, h: ho + j, gateStride: h)
                j += 64
            }
            if j < h {
                // Stage the last columns of each gate block into 64-wide scratch.
                let w = h - j
                withUnsafeTemporaryAllocation(of: Float.self, capacity: 16 * 64) { buf in
                    let t = buf.baseAddress!
                    t.initialize(repeating: 0, count: 16 * 64)
                    let (ta, tbi, tbh, tcp, ttc, tc2, th) = (t, t + 256, t + 512, t + 768, t + 832, t + 896, t + 960)
                    for k in 0 ..< 4 {
                        (ta + 64 * k).update(from: a + k * h + j, count: w)
                        (tbi + 64 * k).update(from: biasIH + k * h + j, count: w)
                        (tbh + 64 * k).update(from: biasHH + k * h + j, count: w)
                    }
                    tcp.update(from: cp + j, count: w)
                    forwardBlock(gates: ta, bi: tbi, bh: tbh, cPrev: tcp, tanhC: ttc, c: tc2, h: th, gateStride: 64)
                    for k in 0 ..< 4 { (a + k * h + j).update(from: ta + 64 * k, count: w) }
                    (tc + j).update(from: ttc, count: w)
                    (cr + j).update(from: tc2, count: w)
                    (ho + j).update(from: th, count: w)
                }
            }
        }
    }

    /// 64 columns of the forward step; gate blocks are `gateStride` apart.
    @_transparent
    static func forwardBlock(gates a: UnsafeMutablePointer<Float>, bi: UnsafePointer<Float>, bh: UnsafePointer<Float>,
                             cPrev: UnsafePointer<Float>, tanhC: UnsafeMutablePointer<Float>,
                             c: UnsafeMutablePointer<Float>, h: UnsafeMutablePointer<Float>, gateStride s: Int) {
        let i = vsigmoid(Vec64(a) + Vec64(bi) + Vec64(bh))
        let f = vsigmoid(Vec64(a + s) + Vec64(bi + s) + Vec64(bh + s))
        let g = vtanh(Vec64(a + 2 * s) + Vec64(bi + 2 * s) + Vec64(bh + 2 * s))
        let o = vsigmoid(Vec64(a + 3 * s) + Vec64(bi + 3 * s) + Vec64(bh + 3 * s))
        let cNew = (f * Vec64(cPrev)).adding(i, times: g)
        let tc = vtanh(cNew)
        i.store(a)
        f.store(a + s)
        g.store(a + 2 * s)
        o.store(a + 3 * s)
        tc.store(tanhC)
        cNew.store(c)
        (o * tc).store(h)
    }

    /// Backward for `rows` active rows. The gradient for h' is `dh` plus, for
    /// the first `carriedRows` rows, `dhNext` (what the next step passed
    /// back); `dc` holds dL/dc' on entry and dL/dc (the previous cell state)
    /// on return. `gates` holds the activations from forward on entry and dA
    /// on return:
    ///
    ///     dc += dh o (1 - tanh(c')^2)       do = dh tanh(c') o (1 - o)
    ///     di = dc g i (1 - i)               df = dc c f (1 - f)
    ///     dg = dc i (1 - g^2)               dc_prev = dc f
    ///
    /// The caller then computes dh_prev = dA W_hh for the rows.
    public static func backward(rows: Int, carriedRows: Int, hidden h: Int,
                                dh: UnsafePointer<Float>, ldDh: Int,
                                dhNext: UnsafePointer<Float>, ldDhNext: Int,
                                gates: UnsafeMutablePointer<Float>, ldGates: Int,
                                tanhC: UnsafePointer<Float>, ldTanhC: Int,
                                cPrev: UnsafePointer<Float>, ldCPrev: Int,
                                dc: UnsafeMutablePointer<Float>, ldDc: Int) {
        let full = h / 64 * 64
        for row in 0 ..< rows {
            let d = dh + row * ldDh, carried = row < carriedRows
            let dn = dhNext + (carried ? row * ldDhNext : 0)
            let a = gates + row * ldGates, tc = tanhC + row * ldTanhC
            let cp = cPrev + row * ldCPrev, dcr = dc + row * ldDc
            var j = 0
            while j < full {
                backwardBlock(dh: d + j, dhNext: carried ? dn + j : nil, gates: a + j, tanhC: tc + j,
                              cPrev: cp + j, dc: dcr + j, gateStride: h)
                j += 64
            }
            if j < h {
                let w = h - j
                withUnsafeTemporaryAllocation(of: Float.self, capacity: 9 * 64) { buf in
                    let t = buf.baseAddress!
                    t.initialize(repeating: 0, count: 9 * 64)
                    let (td, tdn, ta, ttc, tcp, tdc) = (t, t + 64, t + 128, t + 384, t + 448, t + 512)
                    td.update(from: d + j, count: w)
                    if carried { tdn.update(from: dn + j, count: w) }
                    for k in 0 ..< 4 { (ta + 64 * k).update(from: a + k * h + j, count: w) }
                    ttc.update(from: tc + j, count: w)
                    tcp.update(from: cp + j, count: w)
                    tdc.update(from: dcr + j, count: w)
                    backwardBlock(dh: td, dhNext: tdn, gates: ta, tanhC: ttc, cPrev: tcp, dc: tdc, gateStride: 64)
                    for k in 0 ..< 4 { (a + k * h + j).update(from: ta + 64 * k, count: w) }
                    (dcr + j).update(from: tdc, count: w)
                }
            }
        }
    }

    /// 64 columns of the backward step; gate blocks are `gateStride` apart.
    @_transparent
    static func backwardBlock(dh: UnsafePointer<Float>, dhNext: UnsafePointer<Float>?,
                              gates a: UnsafeMutablePointer<Float>, tanhC: UnsafePointer<Float>,
                              cPrev: UnsafePointer<Float>, dc: UnsafeMutablePointer<Float>, gateStride s: Int) {
        var dv = Vec64(dh)
        if let dhNext { dv += Vec64(dhNext) }
        let i = Vec64(a), f = Vec64(a + s), g = Vec64(a + 2 * s), o = Vec64(a + 3 * s)
        let tc = Vec64(tanhC)
        let dcv = Vec64(dc).adding(dv * o, times: 1 - tc * tc)
        (dcv * g * i * (1 - i)).store(a)
        (dcv * Vec64(cPrev) * f * (1 - f)).store(a + s)
        (dcv * i * (1 - g * g)).store(a + 2 * s)
        (dv * tc * o * (1 - o)).store(a + 3 * s)
        (dcv * f).store(dc)
    }
}
