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
///
/// Columns are processed 64 at a time (`Vec64`); a last block narrower than
/// 64 is staged through zero-padded scratch so the same code handles it.
public enum GRUGates {
    /// Forward for `rows` active rows. Rows are `ld*` floats apart; with
    /// `giRows`, row r of gi is row `giRows[r]` of `gi` (a projection
    /// computed once per distinct token, read in place).
    public static func forward(rows: Int, hidden h: Int,
                               gi: UnsafePointer<Float>, ldGi: Int, giRows: UnsafePointer<Int32>? = nil,
                               gh: UnsafePointer<Float>, ldGh: Int,
                               biasIH: UnsafePointer<Float>, biasHH: UnsafePointer<Float>,
                               hPrev: UnsafePointer<Float>, ldHPrev: Int,
                               saved: UnsafeMutablePointer<Float>, ldSaved: Int,
                               hOut: UnsafeMutablePointer<Float>, ldHOut: Int) {
        let full = h / 64 * 64
        for row in 0 ..< rows {
            let gir = gi + (giRows.map { Int($0[row]) } ?? row) * ldGi, ghr = gh + row * ldGh, hp = hPrev + row * ldHPrev
            let s = saved + row * ldSaved, ho = hOut + row * ldHOut
            var j = 0
            while j < full {
                forwardBlock(gi: gir + j, gh: ghr + j, bi: biasIH + j, bh: biasHH + j, hp: hp + j,
                             saved: s + j, out: ho + j, gateStride: h)
                j += 64
            }
            if j < h {
                // Stage the last columns of each gate block into 64-wide scratch.
                let c = h - j
                withUnsafeTemporaryAllocation(of: Float.self, capacity: 18 * 64) { buf in
                    let t = buf.baseAddress!
                    t.initialize(repeating: 0, count: 18 * 64)
                    let (tgi, tgh, tbi, tbh, thp, ts, tout) = (t, t + 192, t + 384, t + 576, t + 768, t + 832, t + 1088)
                    for k in 0 ..< 3 {
                        (tgi + 64 * k).update(from: gir + k * h + j, count: c)
                        (tgh + 64 * k).update(from: ghr + k * h + j, count: c)
                        (tbi + 64 * k).update(from: biasIH + k * h + j, count: c)
                        (tbh + 64 * k).update(from: biasHH + k * h + j, count: c)
                    }
                    thp.update(from: hp + j, count: c)
                    forwardBlock(gi: tgi, gh: tgh, bi: tbi, bh: tbh, hp: thp, saved: ts, out: tout, gateStride: 64)
                    for k in 0 ..< 4 { (s + k * h + j).update(from: ts + 64 * k, count: c) }
                    (ho + j).update(from: tout, count: c)
                }
            }
        }
    }

    /// 64 columns of the forward step; gate blocks are `gateStride` apart.
    @_transparent
    static func forwardBlock(gi: UnsafePointer<Float>, gh: UnsafePointer<Float>,
                             bi: UnsafePointer<Float>, bh: UnsafePointer<Float>, hp: UnsafePointer<Float>,
                             saved: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>, gateStride h: Int) {
        let r = vsigmoid(Vec64(gi) + Vec64(bi) + Vec64(gh) + Vec64(bh))
        let z = vsigmoid(Vec64(gi + h) + Vec64(bi + h) + Vec64(gh + h) + Vec64(bh + h))
        let hn = Vec64(gh + 2 * h) + Vec64(bh + 2 * h)
        let n = vtanh(Vec64(gi + 2 * h) + Vec64(bi + 2 * h) + r * hn)
        let hv = Vec64(hp)
        r.store(saved)
        z.store(saved + h)
        n.store(saved + 2 * h)
        hn.store(saved + 3 * h)
        (n + z * (hv - n)).store(out)
    }

    /// Backward for `rows` active rows, given `dh` (the gradient of the loss
    /// with respect to h' of this step through the output) plus, for the
    /// first `carriedRows` rows, row r of `next` (through the next step,
    /// which may be `dhPrev` itself: each row is read before it is written).
    /// Writes the gate gradients and the direct part of the gradient for the
    /// previous state, `dhPrev = dh * z` (the caller then adds `dGh W_hh`).
    ///
    ///     dn  = dh (1 - z)          dnp = dn (1 - n^2)
    ///     dz  = dh (h - n)          dzp = dz z (1 - z)
    ///     dr  = dnp hn              drp = dr r (1 - r)
    ///     dGi = [drp | dzp | dnp]   dGh = [drp | dzp | dnp r]
    public static func backward(rows: Int, hidden h: Int,
                                dh: UnsafePointer<Float>, ldDh: Int,
                                saved: UnsafePointer<Float>, ldSaved: Int,
                                hPrev: UnsafePointer<Float>, ldHPrev: Int,
                                dGi: UnsafeMutablePointer<Float>, ldDGi: Int,
                                dGh: UnsafeMutablePointer<Float>, ldDGh: Int,
                                dhPrev: UnsafeMutablePointer<Float>, ldDhPrev: Int,
                                next: UnsafePointer<Float>? = nil, ldNext: Int = 0, carriedRows: Int = 0) {
        let full = h / 64 * 64
        for row in 0 ..< rows {
            let d = dh + row * ldDh, s = saved + row * ldSaved, hp = hPrev + row * ldHPrev
            let gi = dGi + row * ldDGi, gh = dGh + row * ldDGh, dp = dhPrev + row * ldDhPrev
            let nx = row < carriedRows ? next.map { $0 + row * ldNext } : nil
            var j = 0
            while j < full {
                let dv = nx.map { Vec64(d + j) + Vec64($0 + j) } ?? Vec64(d + j)
                backwardBlock(dh: dv, saved: s + j, hp: hp + j, dGi: gi + j, dGh: gh + j, dhPrev: dp + j, gateStride: h)
                j += 64
            }
            if j < h {
                let c = h - j
                withUnsafeTemporaryAllocation(of: Float.self, capacity: 14 * 64) { buf in
                    let t = buf.baseAddress!
                    t.initialize(repeating: 0, count: 14 * 64)
                    let (tdh, ts, thp, tgi, tgh, tdp) = (t, t + 64, t + 320, t + 384, t + 576, t + 768)
                    tdh.update(from: d + j, count: c)
                    if let nx { for i in 0 ..< c { tdh[i] += nx[j + i] } }
                    for k in 0 ..< 4 { (ts + 64 * k).update(from: s + k * h + j, count: c) }
                    thp.update(from: hp + j, count: c)
                    backwardBlock(dh: Vec64(tdh), saved: ts, hp: thp, dGi: tgi, dGh: tgh, dhPrev: tdp, gateStride: 64)
                    for k in 0 ..< 3 {
                        (gi + k * h + j).update(from: tgi + 64 * k, count: c)
                        (gh + k * h + j).update(from: tgh + 64 * k, count: c)
                    }
                    (dp + j).update(from: tdp, count: c)
                }
            }
        }
    }

    /// 64 columns of the backward step; gate blocks are `gateStride` apart.
    @_transparent
    static func backwardBlock(dh dv: Vec64, saved: UnsafePointer<Float>, hp: UnsafePointer<Float>,
                              dGi: UnsafeMutablePointer<Float>, dGh: UnsafeMutablePointer<Float>,
                              dhPrev: UnsafeMutablePointer<Float>, gateStride h: Int) {
        let r = Vec64(saved), z = Vec64(saved + h), n = Vec64(saved + 2 * h), hn = Vec64(saved + 3 * h)
        let hv = Vec64(hp)
        let dnp = dv * (1 - z) * (1 - n * n)
        let dzp = dv * (hv - n) * z * (1 - z)
        let drp = dnp * hn * r * (1 - r)
        drp.store(dGi)
        dzp.store(dGi + h)
        dnp.store(dGi + 2 * h)
        drp.store(dGh)
        dzp.store(dGh + h)
        (dnp * r).store(dGh + 2 * h)
        (dv * z).store(dhPrev)
    }
}
