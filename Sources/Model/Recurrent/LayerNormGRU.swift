import TensorCore

/// A layer-normalised GRU cell in PyTorch's gate convention (r, z, n), the
/// norms placed as in Ba et al. 2016 for recurrent nets: on the input
/// projection and on the recurrent projection, separately, one norm per gate
/// block of H values (each block has its own mean and variance):
///
///     Gi = LN_x(W_ih x) + b_ih                      [r | z | n] blocks
///     Gh = LN_h(W_hh h) + b_hh
///     r = σ(Gi_r + Gh_r)
///     z = σ(Gi_z + Gh_z)
///     n = tanh(Gi_n + r ∘ Gh_n)   = tanh(LN(W_in x) + b_in + r ∘ (LN(W_hn h) + b_hn))
///     h' = (1 - z) ∘ n + z ∘ h
///
/// `LN(a) = γ ∘ (a - mean a) / sqrt(var a + ε) + β`, biased variance,
/// ε = 1e-5 (`LayerNormKernels.epsilon`). There is no norm on h itself (a GRU
/// has no separate cell state).
///
/// Tensors (names through `CellNames`, e.g. `gru.ln_hh_bias_l0`):
///
///     weight_ih [3H, in]  weight_hh [3H, H]   U(±1/sqrt(H)), as nn.GRU
///     bias_ih [3H]  bias_hh [3H]              start at 0
///     ln_ih_weight, ln_ih_bias [3H]           γ_x (starts at 1), β_x (0)
///     ln_hh_weight, ln_hh_bias [3H]           γ_h (1), β_h (0)
///
/// Both biases stay (unlike `LayerNormLSTM`): b_hn sits inside r ∘ (·), so it
/// is not the same parameter as b_in; for r and z they (and the shifts) add.
///
/// How it is fast: as `GRU`. `W_ih x` and its norm run on all packed tokens
/// before the loop; per step one GEMM on the active rows, the recurrent norm
/// in place, then the plain GRU gate kernel (`GRUGates`, biases added there).
/// Backward: `GRUGates.backward`, the recurrent norm's backward, one GEMM per
/// step; everything else after the loop.
public struct LayerNormGRU: RecurrentCell {
    public let inputSize: Int
    public let hiddenSize: Int
    public var projectionWidth: Int { 3 * hiddenSize }
    public var stateCount: Int { 1 }

    /// Offsets of this cell's tensors in the parameter slab.
    public let weightIH: Int, weightHH: Int, biasIH: Int, biasHH: Int
    public let lnIHGain: Int, lnIHShift: Int, lnHHGain: Int, lnHHShift: Int

    public init(inputSize: Int, hiddenSize: Int, layout: inout ParameterLayout, names: CellNames) {
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        let g = 3 * hiddenSize
        weightIH = layout.add(names.name("weight_ih"), shape: [g, inputSize])
        weightHH = layout.add(names.name("weight_hh"), shape: [g, hiddenSize])
        biasIH = layout.add(names.name("bias_ih"), shape: [g])
        biasHH = layout.add(names.name("bias_hh"), shape: [g])
        lnIHGain = layout.add(names.name("ln_ih_weight"), shape: [g])
        lnIHShift = layout.add(names.name("ln_ih_bias"), shape: [g])
        lnHHGain = layout.add(names.name("ln_hh_weight"), shape: [g])
        lnHHShift = layout.add(names.name("ln_hh_bias"), shape: [g])
    }

    /// Weights uniform in ±1/sqrt(H) (nn.GRU); gains 1, shifts and biases 0.
    public func initialize(_ params: UnsafeMutablePointer<Float>, rng: inout RNG) {
        let h = hiddenSize, g = 3 * h
        let k = 1 / Float(h).squareRoot()
        Initializer.uniform(params + weightIH, count: g * inputSize, limit: k, rng: &rng)
        Initializer.uniform(params + weightHH, count: g * h, limit: k, rng: &rng)
        for (offset, value) in [(biasIH, 0), (biasHH, 0), (lnIHGain, 1), (lnIHShift, 0),
                                (lnHHGain, 1), (lnHHShift, 0)] as [(Int, Float)] {
            (params + offset).update(repeating: value, count: g)
        }
    }

    /// Scratch for one worker. Shapes (N = maxTokens, B = maxRows):
    public final class Workspace: RecurrentWorkspace, PackedWorkspace {
        /// X W_ih^T normalised in place; then dGi, then dL/d(X W_ih^T).  [N x 3H]
        let gates: FloatBuffer
        /// â and 1/sqrt(var + ε) of the input-side norm.     [N x 3H], [N x 3]
        let xhatX: FloatBuffer, rstdX: FloatBuffer
        /// h_{t-1} W_hh^T for one step, normalised in place. [B x 3H]
        let stepGh: FloatBuffer
        /// ĥ and 1/sqrt(var + ε) of the recurrent norm.      [N x 3H], [N x 3]
        let xhatH: FloatBuffer, rstdH: FloatBuffer
        /// r, z, n, Gh_n per token (`GRUGates`' layout).      [N x 4H]
        let saved: FloatBuffer
        /// h_{t-1} per token.                                 [N x H]
        let hPrev: FloatBuffer
        /// dL/dGh and dL/d(h W_hh^T) per token.               [N x 3H] each
        let dGh: FloatBuffer, dAh: FloatBuffer
        /// dL/dh carried to the previous step.                [B x H]
        let carry: FloatBuffer

        /// W_hh packed for the per-step products.
        let hh: RecurrentWeights

        init(hidden h: Int, input: Int, maxRows b: Int, maxTokens n: Int) {
            hh = RecurrentWeights(hidden: h, width: 3 * h, input: input)
            gates = FloatBuffer(count: n * 3 * h)
            xhatX = FloatBuffer(count: n * 3 * h); rstdX = FloatBuffer(count: n * 3)
            stepGh = FloatBuffer(count: b * 3 * h)
            xhatH = FloatBuffer(count: n * 3 * h); rstdH = FloatBuffer(count: n * 3)
            saved = FloatBuffer(count: n * 4 * h)
            hPrev = FloatBuffer(count: n * h)
            dGh = FloatBuffer(count: n * 3 * h); dAh = FloatBuffer(count: n * 3 * h)
            carry = FloatBuffer(count: b * h)
        }
    }

    public func makeWorkspace(maxRows: Int, maxTokens: Int) -> RecurrentWorkspace {
        Workspace(hidden: hiddenSize, input: inputSize, maxRows: maxRows, maxTokens: maxTokens)
    }

    /// Views of `weight_ih [3H x in]` and `weight_hh [3H x H]`.
    func weights(_ params: UnsafePointer<Float>) -> (ih: Matrix, hh: Matrix) {
        let p = UnsafeMutablePointer(mutating: params)
        return (Matrix(p + weightIH, rows: 3 * hiddenSize, cols: inputSize),
                Matrix(p + weightHH, rows: 3 * hiddenSize, cols: hiddenSize))
    }

    public func forward(_ params: UnsafePointer<Float>, input x: CellInput, batch: PackedBatch,
                        start: RecurrentState, workspace: RecurrentWorkspace, output out: Matrix) {
        let ws = workspace as! Workspace
        let h = hiddenSize, g = 3 * h, nTok = batch.tokenCount
        let (wIH, wHH) = weights(params)
        let gi = ws.gates.matrix(rows: nTok, cols: g)
        let hPrev = ws.hPrev.matrix(rows: nTok, cols: h)

        // 1. Input projection and its norm for every token at once.   [N x in] x [in x 3H]
        x.project(wIH, packed: ws.hh, into: gi)
        LayerNormKernels.forward(rows: nTok, blocks: 3, width: h, a: gi.base, ldA: g,
                                 gain: params + lnIHGain, shift: params + lnIHShift,
                                 xhat: ws.xhatX.base, ldXhat: g, rstd: ws.rstdX.base, y: gi.base, ldY: g)
        // 2. The recurrence, on active rows only.
        ws.hh.forward.pack(wHH, transposed: true)
        for t in 0 ..< batch.steps {
            let n = batch.active[t], o = batch.offsets[t]
            let hp = hPrev.rows(o, n)
            if t == 0 {
                for row in 0 ..< n { hp.row(row).update(from: start.h.row(row), count: h) }
            } else {
                let prev = batch.offsets[t - 1]
                for row in 0 ..< n { hp.row(row).update(from: out.row(prev + row), count: h) }
            }
            let gh = ws.stepGh.matrix(rows: n, cols: g)
            StepGEMM.multiply(hp, ws.hh.forward, into: gh, accumulate: false)  // [n x H] x [H x 3H]
            LayerNormKernels.forward(rows: n, blocks: 3, width: h, a: gh.base, ldA: g,
                                     gain: params + lnHHGain, shift: params + lnHHShift,
                                     xhat: ws.xhatH.base + o * g, ldXhat: g, rstd: ws.rstdH.base + o * 3,
                                     y: gh.base, ldY: g)
            GRUGates.forward(rows: n, hidden: h, gi: gi.row(o), ldGi: g, gh: gh.base, ldGh: g,
                             biasIH: params + biasIH, biasHH: params + biasHH,
                             hPrev: hp.base, ldHPrev: h, saved: ws.saved.base + o * 4 * h, ldSaved: 4 * h,
                             hOut: out.row(o), ldHOut: out.ld)
        }
    }

    public func backward(_ params: UnsafePointer<Float>, _ grads: UnsafeMutablePointer<Float>,
                         input x: CellInput, batch: PackedBatch, workspace: RecurrentWorkspace,
                         dOutput dOut: Matrix, dInput: Matrix?) -> RecurrentState {
        let ws = workspace as! Workspace
        let h = hiddenSize, g = 3 * h, nTok = batch.tokenCount, b = batch.batchSize
        let (wIH, wHH) = weights(params)
        let dGi = ws.gates.matrix(rows: nTok, cols: g)
        let dGh = ws.dGh.matrix(rows: nTok, cols: g), dAh = ws.dAh.matrix(rows: nTok, cols: g)
        let carry = ws.carry.matrix(rows: b, cols: h)

        ws.hh.backward.pack(wHH, transposed: false)
        var t = batch.steps - 1
        while t >= 0 {
            let n = batch.active[t], o = batch.offsets[t]
            let dh = dOut.rows(o, n)
            GRUGates.backward(rows: n, hidden: h, dh: dh.base, ldDh: dh.ld,
                              saved: ws.saved.base + o * 4 * h, ldSaved: 4 * h,
                              hPrev: ws.hPrev.base + o * h, ldHPrev: h,
                              dGi: dGi.row(o), ldDGi: g, dGh: dGh.row(o), ldDGh: g,
                              dhPrev: carry.base, ldDhPrev: h,
                              next: carry.base, ldNext: h, carriedRows: t + 1 < batch.steps ? batch.active[t + 1] : 0)
            LayerNormKernels.backward(rows: n, blocks: 3, width: h, dy: dGh.row(o), ldDy: g,
                                      gain: params + lnHHGain, xhat: ws.xhatH.base + o * g, ldXhat: g,
                                      rstd: ws.rstdH.base + o * 3, da: dAh.row(o), ldDa: g)
            StepGEMM.multiply(dAh.rows(o, n), ws.hh.backward, into: carry.prefix(rows: n), accumulate: true)  // [n x 3H] x [3H x H]
            t -= 1
        }
        LayerNormKernels.addGainShiftGradients(dy: dGh, xhat: ws.xhatH.matrix(rows: nTok, cols: g),
                                               dGain: grads + lnHHGain, dShift: grads + lnHHShift)
        Kernels.addColumnSums(dGh, into: grads + biasHH)
        LayerNormKernels.addGainShiftGradients(dy: dGi, xhat: ws.xhatX.matrix(rows: nTok, cols: g),
                                               dGain: grads + lnIHGain, dShift: grads + lnIHShift)
        Kernels.addColumnSums(dGi, into: grads + biasIH)
        StepGEMM.accumulateTransposed(dAh, ws.hPrev.matrix(rows: nTok, cols: h),
                                      into: Matrix(grads + weightHH, rows: g, cols: h))  // [3H x N] x [N x H]
        // The input-side norm backward, in place: dGi -> dL/d(X W_ih^T).
        LayerNormKernels.backward(rows: nTok, blocks: 3, width: h, dy: dGi.base, ldDy: g, gain: params + lnIHGain,
                                  xhat: ws.xhatX.base, ldXhat: g, rstd: ws.rstdX.base, da: dGi.base, ldDa: g)
        // [3H x N] x [N x in] and [N x 3H] x [3H x in]
        x.backpropagate(dGi, weight: wIH, packed: ws.hh, gradWeight: Matrix(grads + weightIH, rows: g, cols: inputSize),
                        gradBias: nil, dInput: dInput)
        return RecurrentState(h: carry)
    }

    public func finalState(batch: PackedBatch, workspace: RecurrentWorkspace, output: Matrix, into: RecurrentState) {
        for row in 0 ..< batch.batchSize {
            into.h.row(row).update(from: output.row(batch.lastIndex[row]), count: hiddenSize)
        }
    }
}
