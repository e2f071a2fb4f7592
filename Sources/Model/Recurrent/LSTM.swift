import TensorCore

/// One direction of one LSTM layer in PyTorch's convention (`nn.LSTM`, gate
/// blocks ordered i, f, g, o, both biases):
///
///     i = σ(W_ii x + b_ii + W_hi h + b_hi)    f = σ(W_if x + b_if + W_hf h + b_hf)
///     g = tanh(W_ig x + b_ig + W_hg h + b_hg) o = σ(W_io x + b_io + W_ho h + b_ho)
///     c' = f ∘ c + i ∘ g                      h' = o ∘ tanh(c')
///
/// Tensors `weight_ih [4H, in]`, `weight_hh [4H, H]`, `bias_ih [4H]`,
/// `bias_hh [4H]` (see `CellTensors`); two states per row, h and c.
///
/// How it is fast (as the GRU): `A = X W_ih^T` for all packed tokens in one
/// GEMM before the time loop (per distinct token for the first layer,
/// `CellInput`); per step one product on the active rows (`StepGEMM`) adds
/// `h_{t-1} W_hh^T` onto their rows of A, then the fused kernel
/// (`LSTMGates`). Backward runs the kernel and one GEMM `dh_{t-1} = dA W_hh`
/// per step, and the weight, bias and input gradients as one GEMM or column
/// sum each after the loop. No allocation per step.
///
/// The gradient for the final c (which no output carries) enters through
/// `backward(..., dFinalC:, ...)`; the protocol's `backward` passes none.
public struct LSTM: CellTensorsCell {
    public let tensors: CellTensors
    public var stateCount: Int { 2 }

    public init(inputSize: Int, hiddenSize: Int, layout: inout ParameterLayout, names: CellNames) {
        tensors = CellTensors(gates: 4, inputSize: inputSize, hiddenSize: hiddenSize, layout: &layout, names: names)
    }


    /// Scratch for one worker. Shapes (N = maxTokens, B = maxRows):
    public final class Workspace: RecurrentWorkspace, PackedWorkspace {
        /// Pre-activations A, then the activations i|f|g|o, then dA.  [N x 4H]
        let gates: FloatBuffer
        /// tanh(c) per token.                                         [N x H]
        let tanhC: FloatBuffer
        /// c per token.                                               [N x H]
        let c: FloatBuffer
        /// h_{t-1} per token.                                         [N x H]
        let hPrev: FloatBuffer
        /// The start c of each row (zero when none was given).        [B x H]
        let cStart: FloatBuffer
        /// dL/dh and dL/dc passed from step t to t-1; after backward,
        /// the start-state gradients.                                 [B x H]
        let carryH: FloatBuffer, carryC: FloatBuffer
        /// W_hh packed for the per-step products.
        let hh: RecurrentWeights

        init(hidden h: Int, input: Int, maxRows b: Int, maxTokens n: Int) {
            hh = RecurrentWeights(hidden: h, width: 4 * h, input: input)
            gates = FloatBuffer(count: n * 4 * h)
            tanhC = FloatBuffer(count: n * h)
            c = FloatBuffer(count: n * h)
            hPrev = FloatBuffer(count: n * h)
            cStart = FloatBuffer(count: b * h)
            carryH = FloatBuffer(count: b * h)
            carryC = FloatBuffer(count: b * h)
        }
    }

    public func makeWorkspace(maxRows: Int, maxTokens: Int) -> RecurrentWorkspace {
        Workspace(hidden: hiddenSize, input: inputSize, maxRows: maxRows, maxTokens: maxTokens)
    }

    /// `start.c == nil` starts every row at c = 0.
    public func forward(_ params: UnsafePointer<Float>, input x: CellInput, batch: PackedBatch,
                        start: RecurrentState, workspace: RecurrentWorkspace, output out: Matrix) {
        let ws = workspace as! Workspace
        let h = hiddenSize, g = 4 * h
        let nTok = batch.tokenCount, b = batch.batchSize
        let (wIH, wHH) = tensors.weights(params)
        let gates = ws.gates.matrix(rows: nTok, cols: g)
        let tanhC = ws.tanhC.matrix(rows: nTok, cols: h), c = ws.c.matrix(rows: nTok, cols: h)
        let hPrev = ws.hPrev.matrix(rows: nTok, cols: h), cStart = ws.cStart.matrix(rows: b, cols: h)
        if let c0 = start.c {
            for r in 0 ..< b { cStart.row(r).update(from: c0.row(r), count: h) }
        } else {
            cStart.fill(0)
        }

        x.project(wIH, packed: ws.hh, into: gates)                            // [N x in] x [in x 4H]
        ws.hh.forward.pack(wHH, transposed: true)
        for t in 0 ..< batch.steps {
            let n = batch.active[t], o = batch.offsets[t]
            tensors.gatherPrevious(step: t, batch: batch, start: start.h, output: out, into: hPrev)
            StepGEMM.multiply(hPrev.rows(o, n), ws.hh.forward, into: gates.rows(o, n), accumulate: true)  // [n x H] x [H x 4H]
            let cPrev = t == 0 ? cStart : c.rows(batch.offsets[t - 1], n)
            LSTMGates.forward(rows: n, hidden: h, gates: gates.row(o), ldGates: g,
                              biasIH: params + tensors.biasIH, biasHH: params + tensors.biasHH,
                              cPrev: cPrev.base, ldCPrev: h,
                              tanhC: tanhC.row(o), ldTanhC: h, c: c.row(o), ldC: h,
                              hOut: out.row(o), ldHOut: out.ld)
        }
    }

    public func backward(_ params: UnsafePointer<Float>, _ grads: UnsafeMutablePointer<Float>,
                         input: CellInput, batch: PackedBatch, workspace: RecurrentWorkspace,
                         dOutput: Matrix, dInput: Matrix?) -> RecurrentState {
        backward(params, grads, input: input, batch: batch, workspace: workspace,
                 dOutput: dOutput, dFinalC: nil, dInput: dInput)
    }

    /// The protocol's backward, plus `dFinalC`: dL/d(c after each row's last
    /// step), `[B x H]` in batch row order (`ld == 0` repeats one vector), or
    /// nil for none. (The final h needs no such entry: it is the output at the
    /// row's last index, so its gradient comes in through `dOutput`.)
    public func backward(_ params: UnsafePointer<Float>, _ grads: UnsafeMutablePointer<Float>,
                         input x: CellInput, batch: PackedBatch, workspace: RecurrentWorkspace,
                         dOutput dOut: Matrix, dFinalC: Matrix?, dInput: Matrix?) -> RecurrentState {
        let ws = workspace as! Workspace
        let h = hiddenSize, g = 4 * h
        let nTok = batch.tokenCount, b = batch.batchSize
        let wHH = tensors.weights(params).hh
        let dA = ws.gates.matrix(rows: nTok, cols: g)                        // activations in, dA out
        let tanhC = ws.tanhC.matrix(rows: nTok, cols: h), c = ws.c.matrix(rows: nTok, cols: h)
        let carryH = ws.carryH.matrix(rows: b, cols: h), carryC = ws.carryC.matrix(rows: b, cols: h)
        // A row's dL/dc enters at its last step: rows only leave the active
        // prefix, so carryC's row r is untouched until step len_r - 1.
        if let dFinalC {
            for r in 0 ..< b { carryC.row(r).update(from: dFinalC.row(r), count: h) }
        } else {
            carryC.fill(0)
        }

        ws.hh.backward.pack(wHH, transposed: false)
        var t = batch.steps - 1
        while t >= 0 {
            let n = batch.active[t], o = batch.offsets[t]
            let carried = t + 1 < batch.steps ? batch.active[t + 1] : 0
            let cPrev = t == 0 ? ws.cStart.base : c.row(batch.offsets[t - 1])
            LSTMGates.backward(rows: n, carriedRows: carried, hidden: h,
                               dh: dOut.row(o), ldDh: dOut.ld, dhNext: carryH.base, ldDhNext: h,
                               gates: dA.row(o), ldGates: g, tanhC: tanhC.row(o), ldTanhC: h,
                               cPrev: cPrev, ldCPrev: h, dc: carryC.base, ldDc: h)
            StepGEMM.multiply(dA.rows(o, n), ws.hh.backward, into: carryH.prefix(rows: n), accumulate: false)  // [n x 4H] x [4H x H]
            t -= 1
        }
        tensors.accumulateGradients(params, grads, dA: dA, input: x,
                                    hPrev: ws.hPrev.matrix(rows: nTok, cols: h), dInput: dInput, packed: ws.hh)
        return RecurrentState(h: carryH, c: carryC)
    }

    public func finalState(batch: PackedBatch, workspace: RecurrentWorkspace, output: Matrix, into: RecurrentState) {
        let ws = workspace as! Workspace
        gatherRows(output, batch.lastIndex, into: into.h)
        if let c = into.c { gatherRows(ws.c.matrix(rows: batch.tokenCount, cols: hiddenSize), batch.lastIndex, into: c) }
    }
}
