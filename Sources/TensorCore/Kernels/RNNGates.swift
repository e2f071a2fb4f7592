/// The fused point-wise part of an Elman RNN step (PyTorch's `nn.RNN`),
/// forward and backward:
///
///     h' = act(a + b_ih + b_hh),   act = tanh or relu
///
/// where `a = x W_ih^T + h W_hh^T` (input part one GEMM over every packed
/// token before the time loop, recurrent part one GEMM per step accumulated
/// onto it). Both biases are added here.
///
/// Row layouts ([H] each): `pre` holds the pre-activations on entry to
/// forward, which overwrites them with h' (kept for backward: both
/// derivatives are functions of h'); backward overwrites h' with dA.
///
/// Columns are processed 64 at a time (`Vec64`, four independent chains);
/// a last block narrower than 64 goes through `Vec64`'s partial loads.
public enum RNNGates {
    /// Forward for `rows` active rows; writes h' into `pre` and `hOut`.
    public static func forward(rows: Int, hidden h: Int, relu: Bool,
                               pre: UnsafeMutablePointer<Float>, ldPre: Int,
                               biasIH: UnsafePointer<Float>, biasHH: UnsafePointer<Float>,
                               hOut: UnsafeMutablePointer<Float>, ldHOut: Int) {
        for row in 0 ..< rows {
            let a = pre + row * ldPre, ho = hOut + row * ldHOut
            Kernels.blocks(h) { j, w in
                let z = Kernels.load(a + j, w) + Kernels.load(biasIH + j, w) + Kernels.load(biasHH + j, w)
                let y = relu ? vrelu(z) : vtanh(z)
                Kernels.store(y, a + j, w)
                Kernels.store(y, ho + j, w)
            }
        }
    }

    /// Backward for `rows` active rows. The gradient for h' is `dh` plus, for
    /// the first `carriedRows` rows, `dhNext`; `act` holds h' on entry and
    /// dA = dh' act'(h') on return, with tanh' = 1 - h'^2 and relu' = [h' > 0].
    /// The caller then computes dh_prev = dA W_hh for the rows.
    public static func backward(rows: Int, carriedRows: Int, hidden h: Int, relu: Bool,
                                dh: UnsafePointer<Float>, ldDh: Int,
                                dhNext: UnsafePointer<Float>, ldDhNext: Int,
                                act: UnsafeMutablePointer<Float>, ldAct: Int) {
        for row in 0 ..< rows {
            let d = dh + row * ldDh, a = act + row * ldAct
            let carried = row < carriedRows, dn = dhNext + (carried ? row * ldDhNext : 0)
            Kernels.blocks(h) { j, w in
                var dv = Kernels.load(d + j, w)
                if carried { dv += Kernels.load(dn + j, w) }
                let y = Kernels.load(a + j, w)
                Kernels.store(relu ? vreluMask(y, dv) : dv * (1 - y * y), a + j, w)
            }
        }
    }
}

/// max(x, 0) per lane.
@_transparent
public func vrelu(_ x: Vec64) -> Vec64 {
    Vec64(x.a.replacing(with: 0, where: x.a .< 0), x.b.replacing(with: 0, where: x.b .< 0),
          x.c.replacing(with: 0, where: x.c .< 0), x.d.replacing(with: 0, where: x.d .< 0))
}

/// `d` where `y > 0`, else 0: the relu derivative applied to `d`, given the output `y`.
@_transparent
public func vreluMask(_ y: Vec64, _ d: Vec64) -> Vec64 {
    Vec64(d.a.replacing(with: 0, where: y.a .<= 0), d.b.replacing(with: 0, where: y.b .<= 0),
          d.c.replacing(with: 0, where: y.c .<= 0), d.d.replacing(with: 0, where: y.d .<= 0))
}
