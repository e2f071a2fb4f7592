import TensorCore

/// `layers` x `directions` cells over a packed batch, PyTorch's `nn.GRU` /
/// `nn.LSTM` / `nn.RNN` with `num_layers` and `bidirectional`:
///
///     layer 0:  x [N x E]        -> out_0 [N x D*H]   (forward half first)
///     layer l:  drop(out_{l-1})  -> out_l [N x D*H]
///
/// Dropout between layers (keep `layerKeepProb`) acts on every layer's
/// output but the last, in training only, as PyTorch's `dropout=`.
///
/// The reverse direction runs its cell on the batch in reversed order: the
/// layer input is gathered through `PackedBatch.reversedIndex`, so each row
/// starts at its own last token, and the outputs are scattered back. Its
/// final state is therefore the state at step 0, as PyTorch's `h_n`.
///
/// Start states are learned: `h0 [L*D x H]` (and `c0` for two-state cells),
/// index layer*D + direction as PyTorch's `h_0`, each broadcast over the
/// batch; or carried in from a previous batch (`StackState`).
public struct RecurrentStack: Sendable {
    public let spec: ModelSpec
    /// `cells[l][d]`.
    public let cells: [[any RecurrentCell]]
    /// Offsets of the learned start states `h0`, `c0` (`[L*D x H]`).
    public let h0: Int
    public let c0: Int?

    public init(spec: ModelSpec, layout: inout ParameterLayout) {
        self.spec = spec
        var cells: [[any RecurrentCell]] = []
        for l in 0 ..< spec.layers {
            let input = l == 0 ? spec.embedDim : spec.outputSize
            cells.append((0 ..< spec.directions).map {
                CellFactory.make(spec, layer: l, direction: $0, inputSize: input, layout: &layout)
            })
        }
        self.cells = cells
        let states = spec.layers * spec.directions
        h0 = layout.add("h0", shape: [states, spec.hiddenSize])
        c0 = cells[0][0].stateCount == 2 ? layout.add("c0", shape: [states, spec.hiddenSize]) : nil
    }

    public var hiddenSize: Int { spec.hiddenSize }
    public var outputSize: Int { spec.outputSize }

    /// Cells in layout order; learned start states start at zero.
    public func initialize(_ params: UnsafeMutablePointer<Float>, rng: inout RNG) {
        for layer in cells { for cell in layer { cell.initialize(params, rng: &rng) } }
        let n = spec.layers * spec.directions * spec.hiddenSize
        (params + h0).update(repeating: 0, count: n)
        if let c0 { (params + c0).update(repeating: 0, count: n) }
    }

    public func makeWorkspace(maxRows: Int, maxTokens: Int) -> Workspace {
        Workspace(stack: self, maxRows: maxRows, maxTokens: maxTokens)
    }

    /// The learned start state of cell (l, d), broadcast to `rows` rows.
    func learnedStart(_ params: UnsafePointer<Float>, cell k: Int, rows: Int) -> RecurrentState {
        let p = UnsafeMutablePointer(mutating: params)
        let h = hiddenSize
        return RecurrentState(h: Matrix(p + h0 + k * h, rows: rows, cols: h, ld: 0),
                              c: c0.map { Matrix(p + $0 + k * h, rows: rows, cols: h, ld: 0) })
    }
}

extension RecurrentStack {
    /// Runs every layer over `batch`; returns the top layer's output
    /// `[N x D*H]` (a view into the workspace). `input` is `[N x E]`, or the
    /// batch's tokens (`CellInput.tokens`, filled for this batch).
    /// With `dropoutKey` the between-layer dropout is on. `carried`, when
    /// given, supplies every cell's start state instead of `h0`/`c0`.
    @discardableResult
    public func forward(_ params: UnsafePointer<Float>, input x: CellInput, batch: PackedBatch, workspace ws: Workspace,
                        dropoutKey: DropoutKey?, carried: StackState? = nil) -> Matrix {
        let n = batch.tokenCount, b = batch.batchSize, h = hiddenSize, w = outputSize
        if spec.directions == 2 {
            batch.reversedIndex(into: &ws.reversed)
            if case .tokens(let t, _) = x { t.reverse(by: ws.reversed) }
        }
        ws.dropoutOn = dropoutKey != nil && spec.layerKeepProb < 1
        var input = x
        for l in 0 ..< spec.layers {
            let out = ws.outputs[l].matrix(rows: n, cols: w)
            for d in 0 ..< spec.directions {
                let k = l * spec.directions + d
                let start = carried?.view(k, rows: b) ?? learnedStart(params, cell: k, rows: b)
                let cell = cells[l][d], cws = ws.cells[k]
                if d == 0 {
                    cell.forward(params, input: input, batch: batch, start: start, workspace: cws, output: out.columns(0 ..< h))
                } else {
                    let outR = ws.reversedOutput.matrix(rows: n, cols: h)
                    cell.forward(params, input: ws.inReverseOrder(input, layer: l, tokens: n), batch: batch, start: start,
                                 workspace: cws, output: outR)
                    ws.permute(outR, into: out.columns(h ..< 2 * h))
                }
            }
            input = .matrix(out)
            if l + 1 < spec.layers, ws.dropoutOn, let key = dropoutKey {
                let mask = ws.masks[l].matrix(rows: n, cols: w), dropped = ws.dropped[l].matrix(rows: n, cols: w)
                Dropout(keepProb: spec.layerKeepProb).fillMasks(mask, batch: batch, key: key, perStep: true, layer: l)
                Dropout.apply(out, mask: mask, into: dropped)
                input = .matrix(dropped)
            }
        }
        return ws.outputs[spec.layers - 1].matrix(rows: n, cols: w)
    }

    /// `forward` over a packed input matrix `[N x E]`.
    @discardableResult
    public func forward(_ params: UnsafePointer<Float>, input x: Matrix, batch: PackedBatch, workspace ws: Workspace,
                        dropoutKey: DropoutKey?, carried: StackState? = nil) -> Matrix {
        forward(params, input: .matrix(x), batch: batch, workspace: ws, dropoutKey: dropoutKey, carried: carried)
    }

    /// Runs `batch` (often a single step, `PackedBatch.fillUniform`) from the
    /// carried `state` and advances `state` to each row's state after it:
    /// generation one token at a time, or a stream cut into windows. Returns
    /// the top output `[N x H]`. Forward direction only: a reverse direction
    /// would need the tokens still to come.
    @discardableResult
    public func step(_ params: UnsafePointer<Float>, input x: CellInput, batch: PackedBatch, workspace ws: Workspace,
                     state: StackState) -> Matrix {
        precondition(spec.directions == 1, "stepping needs a unidirectional stack")
        let out = forward(params, input: x, batch: batch, workspace: ws, dropoutKey: nil, carried: state)
        finalState(batch: batch, workspace: ws, into: state)
        return out
    }

    /// `step` over a packed input matrix `[N x E]`.
    @discardableResult
    public func step(_ params: UnsafePointer<Float>, input x: Matrix, batch: PackedBatch, workspace ws: Workspace,
                     state: StackState) -> Matrix {
        step(params, input: .matrix(x), batch: batch, workspace: ws, state: state)
    }

    /// The input layer l saw in the last forward: x, or the (dropped-out)
    /// output of layer l-1.
    func layerInput(_ l: Int, x: CellInput, batch: PackedBatch, workspace ws: Workspace) -> CellInput {
        guard l > 0 else { return x }
        let buffer = ws.dropoutOn ? ws.dropped[l - 1] : ws.outputs[l - 1]
        return .matrix(buffer.matrix(rows: batch.tokenCount, cols: outputSize))
    }

    /// Where the gradient for the start states goes: into the learned
    /// `h0`/`c0` (summed over rows), nowhere (a carried state, truncated
    /// backpropagation), or per row into a `StackState`.
    public enum StartGradient {
        case learned, discard
        case into(StackState)
    }

    /// Backward through every layer, given dL/d(top output) in
    /// `workspace.topGradient` (`[N x D*H]`, overwritten). Accumulates the
    /// parameter gradients, sends the start states' gradient where
    /// `startGradient` says, and writes dL/dx into `dInput` when given
    /// (`[N x E]`; for token input `TokenInput.gradients`, accumulated).
    public func backward(_ params: UnsafePointer<Float>, _ grads: UnsafeMutablePointer<Float>, input x: CellInput,
                         batch: PackedBatch, workspace ws: Workspace, dInput: Matrix?, startGradient: StartGradient = .learned) {
        let n = batch.tokenCount, h = hiddenSize, w = outputSize
        var l = spec.layers - 1
        while l >= 0 {
            let input = layerInput(l, x: x, batch: batch, workspace: ws)
            let dOut = ws.gradients[l].matrix(rows: n, cols: w)
            let dIn: Matrix? = l > 0 ? ws.gradients[l - 1].matrix(rows: n, cols: w) : dInput
            for d in 0 ..< spec.directions {
                let k = l * spec.directions + d
                let cell = cells[l][d], cws = ws.cells[k]
                let dStart: RecurrentState
                if d == 0 {
                    dStart = cell.backward(params, grads, input: input, batch: batch, workspace: cws,
                                           dOutput: dOut.columns(0 ..< h), dInput: dIn)
                } else if case .tokens(let t, _) = input {
                    // Per-token gradients have no order to undo: accumulate.
                    let dOutR = ws.reversedOutput.matrix(rows: n, cols: h)
                    ws.permute(dOut.columns(h ..< 2 * h), into: dOutR)
                    dStart = cell.backward(params, grads, input: .tokens(t, reversed: true), batch: batch, workspace: cws,
                                           dOutput: dOutR, dInput: dIn)
                } else {
                    let xr = ws.inReverseOrder(input, layer: l, tokens: n)
                    let dOutR = ws.reversedOutput.matrix(rows: n, cols: h)
                    ws.permute(dOut.columns(h ..< 2 * h), into: dOutR)
                    let dInR = dIn.map { ws.reversedInputGradient.matrix(rows: n, cols: $0.cols) }
                    dStart = cell.backward(params, grads, input: xr, batch: batch, workspace: cws, dOutput: dOutR, dInput: dInR)
                    if let dIn, let dInR { ws.permuteAdding(dInR, into: dIn) }
                }
                switch startGradient {
                case .learned: addStartGradient(dStart, cell: k, grads: grads)
                case .discard: break
                case .into(let state): state.copy(dStart, into: k, rows: batch.batchSize)
                }
            }
            if l > 0 && ws.dropoutOn {
                let prev = ws.gradients[l - 1].matrix(rows: n, cols: w)
                Dropout.apply(prev, mask: ws.masks[l - 1].matrix(rows: n, cols: w), into: prev)
            }
            l -= 1
        }
    }

    /// `backward` over a packed input matrix `[N x E]`.
    public func backward(_ params: UnsafePointer<Float>, _ grads: UnsafeMutablePointer<Float>, input x: Matrix,
                         batch: PackedBatch, workspace ws: Workspace, dInput: Matrix?, startGradient: StartGradient = .learned) {
        backward(params, grads, input: .matrix(x), batch: batch, workspace: ws, dInput: dInput, startGradient: startGradient)
    }

    /// dL/dh0[k] += Σ_rows dStart.h (and c0 likewise): the learned state is
    /// shared by every row.
    func addStartGradient(_ dStart: RecurrentState, cell k: Int, grads: UnsafeMutablePointer<Float>) {
        Kernels.addColumnSums(dStart.h, into: grads + h0 + k * hiddenSize)
        if let c0, let dc = dStart.c { Kernels.addColumnSums(dc, into: grads + c0 + k * hiddenSize) }
    }

    /// Every cell's state after each row's last step (reverse cells: after
    /// step 0), after `forward`: PyTorch's `h_n` (and `c_n`).
    public func finalState(batch: PackedBatch, workspace ws: Workspace, into state: StackState) {
        let n = batch.tokenCount, b = batch.batchSize, h = hiddenSize
        for l in 0 ..< spec.layers {
            let out = ws.outputs[l].matrix(rows: n, cols: outputSize)
            for d in 0 ..< spec.directions {
                let k = l * spec.directions + d
                let view = state.view(k, rows: b)
                if d == 0 {
                    cells[l][d].finalState(batch: batch, workspace: ws.cells[k], output: out.columns(0 ..< h), into: view)
                } else {
                    // The reverse cell's own output order is gone; its final
                    // state is the output at step 0 (h) or its saved state (c).
                    let outR = ws.reversedOutput.matrix(rows: n, cols: h)
                    ws.permute(out.columns(h ..< 2 * h), into: outR)
                    cells[l][d].finalState(batch: batch, workspace: ws.cells[k], output: outR, into: view)
                }
            }
        }
    }
}

/// One state per cell of a stack, `[L*D]` x `[B x H]` (h, and c), for state
/// carried from one batch to the next.
public final class StackState {
    public let h: FloatBuffer
    public let c: FloatBuffer?
    public let rows: Int, hidden: Int

    public init(stack: RecurrentStack, rows: Int) {
        self.rows = rows
        hidden = stack.hiddenSize
        let n = stack.spec.layers * stack.spec.directions * rows * hidden
        h = FloatBuffer(count: n)
        c = stack.c0 == nil ? nil : FloatBuffer(count: n)
    }

    /// Copies `rows` rows of `state` into cell k's slot.
    func copy(_ state: RecurrentState, into k: Int, rows b: Int) {
        let v = view(k, rows: b)
        for r in 0 ..< b {
            v.h.row(r).update(from: state.h.row(r), count: hidden)
            if let c = v.c, let src = state.c { c.row(r).update(from: src.row(r), count: hidden) }
        }
    }

    /// Cell k's states for the first `rows` rows.
    public func view(_ k: Int, rows b: Int) -> RecurrentState {
        RecurrentState(h: h.matrix(offset: k * rows * hidden, rows: b, cols: hidden),
                       c: c.map { $0.matrix(offset: k * rows * hidden, rows: b, cols: hidden) })
    }
}

extension RecurrentStack {
    /// One worker's buffers for the stack, allocated for the largest batch.
    /// (N = maxTokens, W = D*H, I = the widest layer input)
    public final class Workspace {
        /// out_l [N x W]; their gradients [N x W]; between-layer masks and
        /// dropped outputs [N x W] (layers but the last, when dropout is used).
        let outputs: [FloatBuffer], gradients: [FloatBuffer]
        let masks: [FloatBuffer], dropped: [FloatBuffer]
        /// Reverse direction: the gathered input of each layer [N x in_l],
        /// its output (then output gradient) [N x H], its input gradient [N x I].
        let reversedInput: [FloatBuffer]
        let reversedOutput: FloatBuffer, reversedInputGradient: FloatBuffer
        var reversed: [Int32] = []
        /// Cell workspaces, index layer*D + direction.
        let cells: [RecurrentWorkspace]
        var dropoutOn = false

        init(stack: RecurrentStack, maxRows: Int, maxTokens n: Int) {
            let spec = stack.spec, w = spec.outputSize, layers = spec.layers
            let twoWay = spec.directions == 2
            outputs = (0 ..< layers).map { _ in FloatBuffer(count: n * w) }
            gradients = (0 ..< layers).map { _ in FloatBuffer(count: n * w) }
            let between = spec.layerKeepProb < 1 ? layers - 1 : 0
            masks = (0 ..< between).map { _ in FloatBuffer(count: n * w) }
            dropped = (0 ..< between).map { _ in FloatBuffer(count: n * w) }
            reversedInput = twoWay ? (0 ..< layers).map { FloatBuffer(count: n * ($0 == 0 ? spec.embedDim : w)) } : []
            reversedOutput = FloatBuffer(count: twoWay ? n * spec.hiddenSize : 0)
            reversedInputGradient = FloatBuffer(count: twoWay ? n * max(spec.embedDim, w) : 0)
            reversed.reserveCapacity(n)
            cells = stack.cells.flatMap { $0.map { $0.makeWorkspace(maxRows: maxRows, maxTokens: n) } }
        }

        /// For inference with fixed weights: the cells pack each weight
        /// once, not on every call (one character at a time would repack
        /// every weight per character).
        public func holdPackedWeights() {
            for c in cells { (c as? PackedWorkspace)?.hh.holdPacking() }
        }

        /// The gradient buffer of the top layer's output, `[N x D*H]`.
        public func topGradient(tokens n: Int, width w: Int) -> Matrix { gradients[gradients.count - 1].matrix(rows: n, cols: w) }

        /// Layer l's input as the reverse direction reads it: the rows
        /// gathered in reversed order (`[N x in]`), or the same tokens with
        /// reversed slots (`TokenInput.reverse`, done in `forward`).
        func inReverseOrder(_ input: CellInput, layer l: Int, tokens n: Int) -> CellInput {
            switch input {
            case .tokens(let t, _):
                return .tokens(t, reversed: true)
            case .matrix(let x):
                let xr = reversedInput[l].matrix(rows: n, cols: x.cols)
                permute(x, into: xr)
                return .matrix(xr)
            }
        }

        /// dst[i] = src[reversed[i]] (rows).
        func permute(_ src: Matrix, into dst: Matrix) {
            for i in 0 ..< dst.rows { dst.row(i).update(from: src.row(Int(reversed[i])), count: dst.cols) }
        }

        /// dst[reversed[i]] += src[i] (rows).
        func permuteAdding(_ src: Matrix, into dst: Matrix) {
            reversed.withUnsafeBufferPointer { Kernels.addRows(src, into: dst, at: $0) }
        }
    }
}
