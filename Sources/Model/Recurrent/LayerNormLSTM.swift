import TensorCore

/// A layer-normalised LSTM cell after Ba et al. 2016 ("Layer
/// Normalization", §3.1), PyTorch's gate order i, f, g, o:
///
///     p  = LN_x(W_ih x) + LN_h(W_hh h) + b        one LN per gate block of H
///     i = σ(p_i)  f = σ(p_f)  g = tanh(p_g)  o = σ(p_o)
///     c' = f ∘ c + i ∘ g                          carried unnormalised
///     h' = o ∘ tanh(LN_c(c'))
///
/// where `LN(a) = γ ∘ (a - mean a) / sqrt(var a + ε) + β` over the H values of
/// one gate block (or of c'), biased variance, ε = 1e-5 (PyTorch's
/// `nn.LayerNorm` default; `LayerNormKernels.epsilon`). So the norms sit on
/// the input projection and on the recurrent projection separately, four
/// times each (i, f, g, o blocks have their own statistics), and on the new
/// cell state before the output tanh. Unlike TF1's `LayerNormBasicLSTMCell`
/// the carried c' is the unnormalised one (as in the paper and the r2rt
/// tutorial; see docs/training.md, "Cells, layers, directions, pooling,
/// optimizers").
///
/// Tensors (names through `CellNames`, e.g. `lstm.ln_hh_weight_l0`):
///
///     weight_ih [4H, in]  weight_hh [4H, H]   U(±1/sqrt(H)), as nn.LSTM
///     bias [4H]                               b, starts at 0
///     ln_ih_weight, ln_ih_bias [4H]           γ_x (starts at 1), β_x (0)
///     ln_hh_weight, ln_hh_bias [4H]           γ_h (1), β_h (0)
///     ln_c_weight,  ln_c_bias  [H]            γ_c (1), β_c (0)
///
/// One bias only: after the norms, a second bias (nn.LSTM's bias_hh) would
/// be the same parameter twice. b, β_x and β_h still add up (the paper's b
/// next to each LN's own shift); they get the same gradient.
///
/// How it is fast: `W_ih x` and its norm run on all packed tokens before the
/// time loop (one GEMM and one pass), and its backward once after it. Per
/// step: one GEMM `[n x H] x [H x 4H]` on the active rows, the recurrent norm
/// in place, and one fused kernel for the gates and the c norm
/// (`LayerNormLSTMGates`). `dW_ih`, `dW_hh`, `dX` and all gain/shift
/// gradients are one GEMM or column pass each after the loop.
public struct LayerNormLSTM: RecurrentCell {
    public let inputSize: Int
    public let hiddenSize: Int
    public var projectionWidth: Int { 4 * hiddenSize }
    public var stateCount: Int { 2 }

    /// Offsets of this cell's tensors in the parameter slab.
    public let weightIH: Int, weightHH: Int, bias: Int
    public let lnIHGain: Int, lnIHShift: Int, lnHHGain: Int, lnHHShift: Int, lnCGain: Int, lnCShift: Int

    public init(inputSize: Int, hiddenSize: Int, layout: inout ParameterLayout, names: CellNames) {
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        let h = hiddenSize, g = 4 * h
        weightIH = layout.add(names.name("weight_ih"), shape: [g, inputSize])
        weightHH = layout.add(names.name("weight_hh"), shape: [g, h])
        bias = layout.add(names.name("bias"), shape: [g])
        lnIHGain = layout.add(names.name("ln_ih_weight"), shape: [g])
        lnIHShift = layout.add(names.name("ln_ih_bias"), shape: [g])
        lnHHGain = layout.add(names.name("ln_hh_weight"), shape: [g])
        lnHHShift = layout.add(names.name("ln_hh_bias"), shape: [g])
        lnCGain = layout.add(names.name("ln_c_weight"), shape: [h])
        lnCShift = layout.add(names.name("ln_c_bias"), shape: [h])
    }

    /// Weights uniform in ±1/sqrt(H) (nn.LSTM); gains 1, shifts and bias 0.
    public func initialize(_ params: UnsafeMutablePointer<Float>, rng: inout RNG) {
        let h = hiddenSize, g = 4 * h
        let k = 1 / Float(h).squareRoot()
        Initializer.uniform(params + weightIH, count: g * inputSize, limit: k, rng: &rng)
        Initializer.uniform(params + weightHH, count: g * h, limit: k, rng: &rng)
        for (offset, count, value) in [(bias, g, 0), (lnIHGain, g, 1), (lnIHShift, g, 0), (lnHHGain, g, 1),
                                       (lnHHShift, g, 0), (lnCGain, h, 1), (lnCShift, h, 0)] as [(Int, Int, Float)] {
            (params + offset).update(repeating: value, count: count)
        }
    }

    /// Scratch for one worker. Shapes (N = maxTokens, B = maxRows):
    public final class Workspace: RecurrentWorkspace, PackedWorkspace {
        /// X W_ih^T, normalised in place (+ b); then dL/dp, then dL/d(X W_ih^T).  [N x 4H]
        let gates: FloatBuffer
        /// â and 1/sqrt(var + ε) of the input-side norm.           [N x 4H], [N x 4]
        let xhatX: FloatBuffer, rstdX: FloatBuffer
        /// h_{t-1} W_hh^T for one step, normalised in place.       [B x 4H]
        let stepGh: FloatBuffer
        /// ĥ and 1/sqrt(var + ε) of the recurrent norm per token.  [N x 4H], [N x 4]
        let xhatH: FloatBuffer, rstdH: FloatBuffer
        /// i, f, g, o, ĉ, tanh(LN_c(c')) per token; the c norm's rstd.  [N x 6H], [N]
        let saved: FloatBuffer, rstdC: FloatBuffer
        /// c' and h_{t-1} per token.                               [N x H] each
        let cells: FloatBuffer, hPrev: FloatBuffer
        /// The start state's c, kept for backward.                 [B x H]
        let cStart: FloatBuffer
        /// dL/d(h W_hh^T) and dL/d(LN_c(c')) per token.            [N x 4H], [N x H]
        let dAh: FloatBuffer, dcn: FloatBuffer
        /// dL/dh and dL/dc carried to the previous step.           [B x H] each
        let carryH: FloatBuffer, carryC: FloatBuffer
        /// β_x + b, and column sums of dL/dp.                       [4H] each
        let shiftIn: FloatBuffer, columnSums: FloatBuffer

        /// W_hh packed for the per-step products.
        let hh: RecurrentWeights

        init(hidden h: Int, input: Int, maxRows b: Int, maxTokens n: Int) {
            hh = RecurrentWeights(hidden: h, width: 4 * h, input: input)
            gates = FloatBuffer(count: n * 4 * h)
            xhatX = FloatBuffer(count: n * 4 * h); rstdX = FloatBuffer(count: n * 4)
            stepGh = FloatBuffer(count: b * 4 * h)
            xhatH = FloatBuffer(count: n * 4 * h); rstdH = FloatBuffer(count: n * 4)
            saved = FloatBuffer(count: n * 6 * h); rstdC = FloatBuffer(count: n)
            cells = FloatBuffer(count: n * h); hPrev = FloatBuffer(count: n * h)
            cStart = FloatBuffer(count: b * h)
            dAh = FloatBuffer(count: n * 4 * h); dcn = FloatBuffer(count: n * h)
            carryH = FloatBuffer(count: b * h); carryC = FloatBuffer(count: b * h)
            shiftIn = FloatBuffer(count: 4 * h); columnSums = FloatBuffer(count: 4 * h)
        }
    }

    public func makeWorkspace(maxRows: Int, maxTokens: Int) -> RecurrentWorkspace {
        Workspace(hidden: hiddenSize, input: inputSize, maxRows: maxRows, maxTokens: maxTokens)
    }

    /// Views of `weight_ih [4H x in]` and `weight_hh [4H x H]`.
    func weights(_ params: UnsafePointer<Float>) -> (ih: Matrix, hh: Matrix) {
        let p = UnsafeMutablePointer(mutating: params)
        return (Matrix(p + weightIH, rows: 4 * hiddenSize, cols: inputSize),
                Matrix(p + weightHH, rows: 4 * hiddenSize, cols: hiddenSize))
    }

    public func forward(_ params: UnsafePointer<Float>, input x: CellInput, batch: PackedBatch,
                        start: RecurrentState, workspace: RecurrentWorkspace, output out: Matrix) {
        let ws = workspace as! Workspace
        let h = hiddenSize, g = 4 * h, nTok = batch.tokenCount
        let gi = ws.gates.matrix(rows: nTok, cols: g)

        // 1. Input projection and its norm for every token at once.   [N x in] x [in x 4H]
        x.project(weights(params).ih, packed: ws.hh, into: gi)
        LayerNormKernels.sum(params + lnIHShift, params + bias, into: ws.shiftIn.base, count: g)
        LayerNormKernels.forward(rows: nTok, blocks: 4, width: h, a: gi.base, ldA: g,
                                 gain: params + lnIHGain, shift: ws.shiftIn.base,
                                 xhat: ws.xhatX.base, ldXhat: g, rstd: ws.rstdX.base, y: gi.base, ldY: g)
        // 2. The start state's c is kept: backward needs c_{-1}.
        let cStart = ws.cStart.matrix(rows: batch.batchSize, cols: h)
        for row in 0 ..< batch.batchSize {
            if let c = start.c { cStart.row(row).update(from: c.row(row), count: h) } else { cStart.row(row).update(repeating: 0, count: h) }
        }
        // 3. The recurrence, on active rows only.
        ws.hh.forward.pack(weights(params).hh, transposed: true)
        for t in 0 ..< batch.steps { forwardStep(t, params, batch: batch, start: start, ws: ws, out: out) }
    }

    /// Step t: `Gh = LN_h(h_{t-1} W_hh^T)`, then the fused gate and c-norm kernel.
    func forwardStep(_ t: Int, _ params: UnsafePointer<Float>, batch: PackedBatch, start: RecurrentState,
                     ws: Workspace, out: Matrix) {
        let h = hiddenSize, g = 4 * h, nTok = batch.tokenCount
        let n = batch.active[t], o = batch.offsets[t]
        let hp = ws.hPrev.matrix(rows: nTok, cols: h).rows(o, n)
        let cells = ws.cells.matrix(rows: nTok, cols: h)
        let cp: Matrix
        if t == 0 {
            for row in 0 ..< n { hp.row(row).update(from: start.h.row(row), count: h) }
            cp = ws.cStart.matrix(rows: batch.batchSize, cols: h)
        } else {
            let prev = batch.offsets[t - 1]
            for row in 0 ..< n { hp.row(row).update(from: out.row(prev + row), count: h) }
            cp = cells.rows(prev, n)
        }
        let gh = ws.stepGh.matrix(rows: n, cols: g)
        StepGEMM.multiply(hp, ws.hh.forward, into: gh, accumulate: false)  // [n x H] x [H x 4H]
        LayerNormKernels.forward(rows: n, blocks: 4, width: h, a: gh.base, ldA: g,
                                 gain: params + lnHHGain, shift: params + lnHHShift,
                                 xhat: ws.xhatH.base + o * g, ldXhat: g, rstd: ws.rstdH.base + o * 4, y: gh.base, ldY: g)
        LayerNormLSTMGates.forward(rows: n, hidden: h, gi: ws.gates.base + o * g, ldGi: g, gh: gh.base, ldGh: g,
                                   cPrev: cp.base, ldCPrev: cp.ld, gainC: params + lnCGain, shiftC: params + lnCShift,
                                   saved: ws.saved.base + o * 6 * h, ldSaved: 6 * h, rstdC: ws.rstdC.base + o,
                                   cOut: cells.row(o), ldCOut: h, hOut: out.row(o), ldHOut: out.ld)
    }

    public func backward(_ params: UnsafePointer<Float>, _ grads: UnsafeMutablePointer<Float>,
                         input x: CellInput, batch: PackedBatch, workspace: RecurrentWorkspace,
                         dOutput dOut: Matrix, dInput: Matrix?) -> RecurrentState {
        let ws = workspace as! Workspace
        let h = hiddenSize, g = 4 * h, nTok = batch.tokenCount, b = batch.batchSize
        ws.hh.backward.pack(weights(params).hh, transposed: false)
        var t = batch.steps - 1
        while t >= 0 {
            backwardStep(t, params, batch: batch, ws: ws, dOut: dOut)
            t -= 1
        }
        let dp = ws.gates.matrix(rows: nTok, cols: g)
        let dAh = ws.dAh.matrix(rows: nTok, cols: g)
        // Gains and shifts: β_x, β_h and b all receive Σ dL/dp.
        LayerNormKernels.addGainShiftGradients(dy: dp, xhat: ws.xhatH.matrix(rows: nTok, cols: g),
                                               dGain: grads + lnHHGain, dShift: grads + lnHHShift)
        ws.columnSums.zero()
        LayerNormKernels.addGainShiftGradients(dy: dp, xhat: ws.xhatX.matrix(rows: nTok, cols: g),
                                               dGain: grads + lnIHGain, dShift: ws.columnSums.base)
        Kernels.add(ws.columnSums.base, into: grads + lnIHShift, count: g)
        Kernels.add(ws.columnSums.base, into: grads + bias, count: g)
        let cHat = Matrix(ws.saved.base + 4 * h, rows: nTok, cols: h, ld: 6 * h)
        LayerNormKernels.addGainShiftGradients(dy: ws.dcn.matrix(rows: nTok, cols: h), xhat: cHat,
                                               dGain: grads + lnCGain, dShift: grads + lnCShift)
        let (wIH, _) = weights(params)
        StepGEMM.accumulateTransposed(dAh, ws.hPrev.matrix(rows: nTok, cols: h),
                                      into: Matrix(grads + weightHH, rows: g, cols: h))  // [4H x N] x [N x H]
        // The input-side norm backward, in place: dL/dp -> dL/d(X W_ih^T).
        LayerNormKernels.backward(rows: nTok, blocks: 4, width: h, dy: dp.base, ldDy: g, gain: params + lnIHGain,
                                  xhat: ws.xhatX.base, ldXhat: g, rstd: ws.rstdX.base, da: dp.base, ldDa: g)
        // [4H x N] x [N x in] and [N x 4H] x [4H x in]
        x.backpropagate(dp, weight: wIH, packed: ws.hh, gradWeight: Matrix(grads + weightIH, rows: g, cols: inputSize),
                        gradBias: nil, dInput: dInput)
        return RecurrentState(h: ws.carryH.matrix(rows: b, cols: h), c: ws.carryC.matrix(rows: b, cols: h))
    }

    /// Step t backward: gates and c norm, the recurrent norm, then
    /// `dh_{t-1} = dL/d(h W_hh^T) W_hh` on the active rows.
    func backwardStep(_ t: Int, _ params: UnsafePointer<Float>, batch: PackedBatch, ws: Workspace, dOut: Matrix) {
        let h = hiddenSize, g = 4 * h, nTok = batch.tokenCount
        let n = batch.active[t], o = batch.offsets[t]
        let nNext = t + 1 < batch.steps ? batch.active[t + 1] : 0
        let carryH = ws.carryH.matrix(rows: n, cols: h), carryC = ws.carryC.matrix(rows: n, cols: h)
        let dh = dOut.rows(o, n)
        // Rows still active at t+1 pass dL/dh_t and dL/dc_t back; rows ending here start from zero.
        for row in 0 ..< nNext { Kernels.add(carryH.row(row), into: dh.row(row), count: h) }
        for row in nNext ..< n { carryC.row(row).update(repeating: 0, count: h) }
        let cp = t == 0 ? ws.cStart.matrix(rows: n, cols: h) : ws.cells.matrix(rows: nTok, cols: h).rows(batch.offsets[t - 1], n)
        LayerNormLSTMGates.backward(rows: n, hidden: h, dh: dh.base, ldDh: dh.ld, dc: carryC.base, ldDc: h,
                                    saved: ws.saved.base + o * 6 * h, ldSaved: 6 * h, rstdC: ws.rstdC.base + o,
                                    cPrev: cp.base, ldCPrev: cp.ld, gainC: params + lnCGain,
                                    dGates: ws.gates.base + o * g, ldDGates: g, dcn: ws.dcn.base + o * h, ldDcn: h)
        LayerNormKernels.backward(rows: n, blocks: 4, width: h, dy: ws.gates.base + o * g, ldDy: g,
                                  gain: params + lnHHGain, xhat: ws.xhatH.base + o * g, ldXhat: g,
                                  rstd: ws.rstdH.base + o * 4, da: ws.dAh.base + o * g, ldDa: g)
        StepGEMM.multiply(ws.dAh.matrix(rows: nTok, cols: g).rows(o, n), ws.hh.backward, into: carryH, accumulate: false)  // [n x 4H] x [4H x H]
    }

    public func finalState(batch: PackedBatch, workspace: RecurrentWorkspace, output: Matrix, into: RecurrentState) {
        let ws = workspace as! Workspace
        let h = hiddenSize
        for row in 0 ..< batch.batchSize {
            let last = batch.lastIndex[row]
            into.h.row(row).update(from: output.row(last), count: h)
            into.c?.row(row).update(from: ws.cells.base + last * h, count: h)
        }
    }
}
