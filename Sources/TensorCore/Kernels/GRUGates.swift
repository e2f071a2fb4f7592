/// The fused point-wise part of a GRU step, forward and backward, in
/// PyTorch's convention:
///
///     r  = σ(gi_r + b_ir + gh_r + b_hr)
///     z  = σ(gi_z + b_iz + gh_z + b_hz)
///     hn = gh_n + b_hn
///     n  = tanh(gi_n + b_in + r * hn)
///     h' = (1 - z) * n + z * h  =  n + z * (h - n)
///
/// where `gi = x W_ih^T` (hoisted out of the time loop, one GEMM for all
/// steps) and `gh = h W_hh^T` (one GEMM per step on the active rows). Both
/// biases are added here rather than by extra passes over memory.
///
/// Row layouts (H = hidden size):
///   gi, gh, dGi, dGh: [3H] = [r | z | n] blocks
///   saved:            [4H] = [r | z | n | hn], written by forward for backward
public enum GRUGates {
    /// Forward for `rows` active rows. Rows are `ld*` floats apart.
    @inline(__always)
    public static func forward(rows: Int, hidden h: Int,
                               gi: UnsafePointer<Float>, ldGi: Int,
                               gh: UnsafePointer<Float>, ldGh: Int,
                               biasIH: UnsafePointer<Float>, biasHH: UnsafePointer<Float>,
                               hPrev: UnsafePointer<Float>, ldHPrev: Int,
                               saved: UnsafeMutablePointer<Float>, ldSaved: Int,
                               hOut: UnsafeMutablePointer<Float>, ldHOut: Int) {
        for row in 0 ..< rows {
            let gir = gi + row * ldGi, ghr = gh + row * ldGh
            let hp = hPrev + row * ldHPrev
            let s = saved + row * ldSaved, ho = hOut + row * ldHOut
            var j = 0
            while j < h {
                let c = Swift.min(vecWidth, h - j)
                let r = vsigmoid(vload(gir + j, c) + vload(biasIH + j, c) + vload(ghr + j, c) + vload(biasHH + j, c))
                let z = vsigmoid(vload(gir + h + j, c) + vload(biasIH + h + j, c)
                                 + vload(ghr + h + j, c) + vload(biasHH + h + j, c))
                let hn = vload(ghr + 2 * h + j, c) + vload(biasHH + 2 * h + j, c)
                let n = vtanh(vload(gir + 2 * h + j, c) + vload(biasIH + 2 * h + j, c) + r * hn)
                let hv = vload(hp + j, c)
                vstore(r, s + j, c)
                vstore(z, s + h + j, c)
                vstore(n, s + 2 * h + j, c)
                vstore(hn, s + 3 * h + j, c)
                vstore(n + z * (hv - n), ho + j, c)
                j += vecWidth
            }
        }
    }

    /// Backward for `rows` active rows, given `dh` (the total gradient of the
    /// loss with respect to h' of this step). Writes the gate gradients and the
    /// direct part of the gradient for the previous state, `dhPrev = dh * z`
    /// (the caller then adds `dGh W_hh`).
    ///
    ///     dn  = dh (1 - z)          dnp = dn (1 - n^2)
    ///     dz  = dh (h - n)          dzp = dz z (1 - z)
    ///     dr  = dnp hn              drp = dr r (1 - r)
    ///     dGi = [drp | dzp | dnp]   dGh = [drp | dzp | dnp r]
    @inline(__always)
    public static func backward(rows: Int, hidden h: Int,
                                dh: UnsafePointer<Float>, ldDh: Int,
                                saved: UnsafePointer<Float>, ldSaved: Int,
                                hPrev: UnsafePointer<Float>, ldHPrev: Int,
                                dGi: UnsafeMutablePointer<Float>, ldDGi: Int,
                                dGh: UnsafeMutablePointer<Float>, ldDGh: Int,
                                dhPrev: UnsafeMutablePointer<Float>, ldDhPrev: Int) {
        for row in 0 ..< rows {
            let d = dh + row * ldDh, s = saved + row * ldSaved, hp = hPrev + row * ldHPrev
            let gi = dGi + row * ldDGi, gh = dGh + row * ldDGh, dp = dhPrev + row * ldDhPrev
            var j = 0
            while j < h {
                let c = Swift.min(vecWidth, h - j)
                let dv = vload(d + j, c)
                let r = vload(s + j, c), z = vload(s + h + j, c)
                let n = vload(s + 2 * h + j, c), hn = vload(s + 3 * h + j, c)
                let hv = vload(hp + j, c)
                let dnp = dv * (1 - z) * (1 - n * n)
                let dzp = dv * (hv - n) * z * (1 - z)
                let drp = dnp * hn * r * (1 - r)
                vstore(drp, gi + j, c)
                vstore(dzp, gi + h + j, c)
                vstore(dnp, gi + 2 * h + j, c)
                vstore(drp, gh + j, c)
                vstore(dzp, gh + h + j, c)
                vstore(dnp * r, gh + 2 * h + j, c)
                vstore(dv * z, dp + j, c)
                j += vecWidth
            }
        }
    }
}
