import TensorCore

/// A GRU layer in PyTorch's convention (`nn.GRU`, gates ordered r, z, n):
///
///     r = σ(W_ir x + b_ir + W_hr h + b_hr)
///     z = σ(W_iz x + b_iz + W_hz h + b_hz)
///     n = tanh(W_in x + b_in + r ∘ (W_hn h + b_hn))
///     h' = (1 - z) ∘ n + z ∘ h
///
/// Tensors (layer k, suffix `_reverse` for the reverse direction):
/// `gru.weight_ih_lk [3H, in]`, `gru.weight_hh_lk [3H, H]`, `gru.bias_ih_lk [3H]`,
/// `gru.bias_hh_lk [3H]`. The start state comes from the caller (the
/// network's learned `h0`, or a carried state).
///
/// How it is fast (forward):
/// 1. `Gi = X W_ih^T` for all packed tokens at once: one GEMM `[N x E] x [E x 3H]`,
///    or over the batch's distinct tokens for the first layer (`CellInput`).
/// 2. For each step t, on the n_t active rows only: `Gh = h_{t-1} W_hh^T`
///    (`StepGEMM` `[n_t x H] x [H x 3H]`, W_hh packed once per batch), then
///    the fused gate kernel.
/// Backward mirrors it: the reverse loop does the gate kernel and
/// `dh_{t-1} += dGh W_hh` per step; `dW_ih`, `dW_hh`, the biases and `dX` are
/// one GEMM or column-sum each after the loop.
public struct GRU: CellTensorsCell {
    public let tensors: CellTensors
    public var stateCount: Int { 1 }

    /// Offsets of this cell's tensors in the parameter slab.
    public var weightIH: Int { tensors.weightIH }
    public var weightHH: Int { tensors.weightHH }
    public var biasIH: Int { tensors.biasIH }
    public var biasHH: Int { tensors.biasHH }

    public init(inputSize: Int, hiddenSize: Int, layout: inout ParameterLayout, names: CellNames = CellNames(module: "gru")) {
        tensors = CellTensors(gates: 3, inputSize: inputSize, hiddenSize: hiddenSize, layout: &layout, names: names)
    }


    /// Scratch for one worker. Shapes (N = maxTokens, B = maxRows):
    public final class Workspace: RecurrentWorkspace, PackedWorkspace {
        /// X W_ih^T, then reused as dGi in backward.   [N x 3H]
        let gates: FloatBuffer
        /// h_{t-1} W_hh^T for one step.                 [B x 3H]
        let stepGh: FloatBuffer
        /// r, z, n, W_hn h + b_hn per token.            [N x 4H]
        let saved: FloatBuffer
        /// h_{t-1} for each packed token.               [N x H]
        let hPrev: FloatBuffer
        /// dGh per token.                               [N x 3H]
        let dGh: FloatBuffer
        /// dL/dh_{t} carried to step t-1.               [B x H]
        let carry: FloatBuffer
        /// W_hh packed for the per-step products.
        let hh: RecurrentWeights

        init(hidden h: Int, input: Int, maxRows b: Int, maxTokens n: Int) {
            hh = RecurrentWeights(hidden: h, width: 3 * h, input: input)
            gates = FloatBuffer(count: n * 3 * h)
            stepGh = FloatBuffer(count: b * 3 * h)
            saved = FloatBuffer(count: n * 4 * h)
            hPrev = FloatBuffer(count: n * h)
            dGh = FloatBuffer(count: n * 3 * h)
            carry = FloatBuffer(count: b * h)
        }
    }

    public func makeWorkspace(maxRows: Int, maxTokens: Int) -> RecurrentWorkspace {
        Workspace(hidden: hiddenSize, input: inputSize, maxRows: maxRows, maxTokens: maxTokens)
    }

    public func forward(_ params: UnsafePointer<Float>, input x: CellInput, batch: PackedBatch,
                        start: RecurrentState, workspace: RecurrentWorkspace, output out: Matrix) {
        let ws = workspace as! Workspace
        let h = hiddenSize, g = 3 * h
        let nTok = batch.tokenCount, b = batch.batchSize
        let (wIH, wHH) = tensors.weights(params)
        let gi = ws.gates.matrix(rows: nTok, cols: g)
        let saved = ws.saved.matrix(rows: nTok, cols: 4 * h)
        let hPrev = ws.hPrev.matrix(rows: nTok, cols: h)
        let gh = ws.stepGh.matrix(rows: b, cols: g)

        ws.hh.forward.pack(wHH, transposed: true)
        // 1. Input projection for every token at once.       [N x E] x [E x 3H]
        //    (per distinct token for the first layer, read in place through `slots`)
        x.withProjection(wIH, packed: ws.hh, into: gi) { rows, slots in
            // 2. The recurrence, on active rows only.
            for t in 0 ..< batch.steps {
                let n = batch.active[t], o = batch.offsets[t]
                let hp = hPrev.rows(o, n)
                tensors.gatherPrevious(step: t, batch: batch, start: start.h, output: out, into: hPrev)
                StepGEMM.multiply(hp, ws.hh.forward, into: gh.prefix(rows: n), accumulate: false)   // [n x H] x [H x 3H]
                GRUGates.forward(rows: n, hidden: h,
                                 gi: slots == nil ? rows.row(o) : rows.base, ldGi: g, giRows: slots.map { $0 + o },
                                 gh: gh.base, ldGh: g,
                                 biasIH: params + biasIH, biasHH: params + biasHH,
                                 hPrev: hp.base, ldHPrev: h,
                                 saved: saved.row(o), ldSaved: 4 * h,
                                 hOut: out.row(o), ldHOut: out.ld)
            }
        }
    }

    public func backward(_ params: UnsafePointer<Float>, _ grads: UnsafeMutablePointer<Float>,
                         input x: CellInput, batch: PackedBatch, workspace: RecurrentWorkspace,
                         dOutput dOut: Matrix, dInput: Matrix?) -> RecurrentState {
        let ws = workspace as! Workspace
        let h = hiddenSize, g = 3 * h
        let nTok = batch.tokenCount, b = batch.batchSize
        let (wIH, wHH) = tensors.weights(params)
        let dGi = ws.gates.matrix(rows: nTok, cols: g)      // gi is no longer needed
        let dGh = ws.dGh.matrix(rows: nTok, cols: g)
        let saved = ws.saved.matrix(rows: nTok, cols: 4 * h)
        let hPrev = ws.hPrev.matrix(rows: nTok, cols: h)
        let carry = ws.carry.matrix(rows: b, cols: h)

        ws.hh.backward.pack(wHH, transposed: false)
        var t = batch.steps - 1
        while t >= 0 {
            let n = batch.active[t], o = batch.offsets[t]
            let dh = dOut.rows(o, n)
            // Rows still active at t+1 add their dL/dh_t through the recurrence (`carry`).
            GRUGates.backward(rows: n, hidden: h,
                              dh: dh.base, ldDh: dh.ld,
                              saved: saved.row(o), ldSaved: 4 * h,
                              hPrev: hPrev.row(o), ldHPrev: h,
                              dGi: dGi.row(o), ldDGi: g,
                              dGh: dGh.row(o), ldDGh: g,
                              dhPrev: carry.base, ldDhPrev: h,
                              next: carry.base, ldNext: h, carriedRows: t + 1 < batch.steps ? batch.active[t + 1] : 0)
            StepGEMM.multiply(dGh.rows(o, n), ws.hh.backward, into: carry.prefix(rows: n), accumulate: true)   // [n x 3H] x [3H x H]
            t -= 1
        }
        let gWIH = Matrix(grads + weightIH, rows: g, cols: inputSize)
        let gWHH = Matrix(grads + weightHH, rows: g, cols: h)
        StepGEMM.accumulateTransposed(dGh, hPrev, into: gWHH)     // [3H x N] x [N x H]
        Kernels.addColumnSums(dGh, into: grads + biasHH)
        // dW_ih, b_ih and dX from dGi.               [3H x N] x [N x E], [N x 3H] x [3H x E]
        x.backpropagate(dGi, weight: wIH, packed: ws.hh, gradWeight: gWIH, gradBias: grads + biasIH, dInput: dInput)
        return RecurrentState(h: carry)                              // dL/dh_{-1}, [B x H]
    }

    public func finalState(batch: PackedBatch, workspace: RecurrentWorkspace, output: Matrix, into: RecurrentState) {
        for r in 0 ..< batch.batchSize { into.h.row(r).update(from: output.row(batch.lastIndex[r]), count: hiddenSize) }
    }
}
