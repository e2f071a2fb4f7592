import TensorCore

/// The activation of an Elman RNN, as `nn.RNN(nonlinearity=...)`.
public enum Nonlinearity: String, Codable, Sendable, CaseIterable {
    case tanh, relu
}

/// One direction of one Elman RNN layer in PyTorch's convention (`nn.RNN`):
///
///     h' = act(W_ih x + b_ih + W_hh h + b_hh),   act = tanh or relu
///
/// Tensors `weight_ih [H, in]`, `weight_hh [H, H]`, `bias_ih [H]`,
/// `bias_hh [H]` (see `CellTensors`); one state per row, h.
///
/// Same structure as the GRU and LSTM: `A = X W_ih^T` for every packed token
/// in one GEMM, per step one GEMM on the active rows adding `h_{t-1} W_hh^T`
/// and the fused kernel (`RNNGates`); backward mirrors it, with the weight,
/// bias and input gradients after the loop.
public struct ElmanRNN: CellTensorsCell {
    public let tensors: CellTensors
    public let nonlinearity: Nonlinearity
    public var stateCount: Int { 1 }

    public init(inputSize: Int, hiddenSize: Int, nonlinearity: Nonlinearity = .tanh,
                layout: inout ParameterLayout, names: CellNames) {
        tensors = CellTensors(gates: 1, inputSize: inputSize, hiddenSize: hiddenSize, layout: &layout, names: names)
        self.nonlinearity = nonlinearity
    }


    /// Scratch for one worker. Shapes (N = maxTokens, B = maxRows):
    public final class Workspace: RecurrentWorkspace, PackedWorkspace {
        /// Pre-activations A, then h' (what backward differentiates), then dA.  [N x H]
        let act: FloatBuffer
        /// h_{t-1} per token.                                                    [N x H]
        let hPrev: FloatBuffer
        /// dL/dh passed from step t to t-1; after backward, dL/dh_start.         [B x H]
        let carry: FloatBuffer
        /// W_hh packed for the per-step products.
        let hh: RecurrentWeights

        init(hidden h: Int, input: Int, maxRows b: Int, maxTokens n: Int) {
            hh = RecurrentWeights(hidden: h, width: h, input: input)
            act = FloatBuffer(count: n * h)
            hPrev = FloatBuffer(count: n * h)
            carry = FloatBuffer(count: b * h)
        }
    }

    public func makeWorkspace(maxRows: Int, maxTokens: Int) -> RecurrentWorkspace {
        Workspace(hidden: hiddenSize, input: inputSize, maxRows: maxRows, maxTokens: maxTokens)
    }

    public func forward(_ params: UnsafePointer<Float>, input x: CellInput, batch: PackedBatch,
                        start: RecurrentState, workspace: RecurrentWorkspace, output out: Matrix) {
        let ws = workspace as! Workspace
        let h = hiddenSize, nTok = batch.tokenCount
        let (wIH, wHH) = tensors.weights(params)
        let act = ws.act.matrix(rows: nTok, cols: h), hPrev = ws.hPrev.matrix(rows: nTok, cols: h)

        x.project(wIH, packed: ws.hh, into: act)                              // [N x in] x [in x H]
        ws.hh.forward.pack(wHH, transposed: true)
        for t in 0 ..< batch.steps {
            let n = batch.active[t], o = batch.offsets[t]
            tensors.gatherPrevious(step: t, batch: batch, start: start.h, output: out, into: hPrev)
            StepGEMM.multiply(hPrev.rows(o, n), ws.hh.forward, into: act.rows(o, n), accumulate: true)  // [n x H] x [H x H]
            RNNGates.forward(rows: n, hidden: h, relu: nonlinearity == .relu, pre: act.row(o), ldPre: h,
                             biasIH: params + tensors.biasIH, biasHH: params + tensors.biasHH,
                             hOut: out.row(o), ldHOut: out.ld)
        }
    }

    public func backward(_ params: UnsafePointer<Float>, _ grads: UnsafeMutablePointer<Float>,
                         input x: CellInput, batch: PackedBatch, workspace: RecurrentWorkspace,
                         dOutput dOut: Matrix, dInput: Matrix?) -> RecurrentState {
        let ws = workspace as! Workspace
        let h = hiddenSize, nTok = batch.tokenCount
        let wHH = tensors.weights(params).hh
        let dA = ws.act.matrix(rows: nTok, cols: h)                           // h' in, dA out
        let carry = ws.carry.matrix(rows: batch.batchSize, cols: h)

        ws.hh.backward.pack(wHH, transposed: false)
        var t = batch.steps - 1
        while t >= 0 {
            let n = batch.active[t], o = batch.offsets[t]
            let carried = t + 1 < batch.steps ? batch.active[t + 1] : 0
            RNNGates.backward(rows: n, carriedRows: carried, hidden: h, relu: nonlinearity == .relu,
                              dh: dOut.row(o), ldDh: dOut.ld, dhNext: carry.base, ldDhNext: h,
                              act: dA.row(o), ldAct: h)
            StepGEMM.multiply(dA.rows(o, n), ws.hh.backward, into: carry.prefix(rows: n), accumulate: false)  // [n x H] x [H x H]
            t -= 1
        }
        tensors.accumulateGradients(params, grads, dA: dA, input: x,
                                    hPrev: ws.hPrev.matrix(rows: nTok, cols: h), dInput: dInput, packed: ws.hh)
        return RecurrentState(h: carry)
    }

    public func finalState(batch: PackedBatch, workspace: RecurrentWorkspace, output: Matrix, into: RecurrentState) {
        gatherRows(output, batch.lastIndex, into: into.h)
    }
}
