import TensorCore

/// What a recurrent cell reads: a packed input matrix `[N x in]` (a layer
/// above the first), or the batch's tokens (`TokenInput`, the first layer
/// over an embedding). Cells touch their input only through `project` and
/// `backpropagate`, the two ends of `A = X W_ih^T`, so either kind serves
/// every cell.
///
/// Why tokens: a batch of 256 sentences holds only about a third as many
/// distinct tokens as positions (Zipf), and a character model's 6,400
/// positions hold at most its few dozen characters. `E[v] W_ih^T` is then
/// computed once per distinct token v and copied to its positions, and in
/// backward each token's gradient rows are summed first, so `dW_ih` and the
/// embedding gradient are GEMMs over distinct tokens, not positions.
public enum CellInput {
    case matrix(Matrix)
    /// `reversed`: positions in the order of the reverse direction
    /// (`PackedBatch.reversedIndex`).
    case tokens(TokenInput, reversed: Bool)

    /// The width of one input row.
    public var cols: Int {
        switch self {
        case .matrix(let x): x.cols
        case .tokens(let t, _): t.dim
        }
    }

    /// `out = X W^T` for every packed position.        [N x in] x [in x G]
    /// `packed` holds W^T for `StepGEMM` (packed here, once per batch).
    func project(_ w: Matrix, packed: RecurrentWeights, into out: Matrix) {
        withProjection(w, packed: packed, into: out) { p, slots in
            guard let slots else { return }
            for i in 0 ..< out.rows { out.row(i).update(from: p.row(Int(slots[i])), count: p.cols) }
        }
    }

    /// Runs `body` with `X W^T` readable row by row: for a matrix input
    /// `out` itself (written, `[N x G]`) and no index; for tokens the
    /// per-token rows `[d x G]` and each position's row among them (`[N]`),
    /// so a kernel can read them in place instead of a copy per position.
    func withProjection<R>(_ w: Matrix, packed: RecurrentWeights, into out: Matrix,
                           _ body: (Matrix, UnsafePointer<Int32>?) -> R) -> R {
        switch self {
        case .matrix(let x):
            packed.inputForward.pack(w, transposed: true)
            StepGEMM.multiply(x, packed.inputForward, into: out, accumulate: false)   // [N x in] x [in x G]
            return body(out, nil)
        case .tokens(let t, let reversed):
            let p = t.scratch(cols: w.rows)
            packed.inputForward.pack(w, transposed: true)
            StepGEMM.multiply(t.rows, packed.inputForward, into: p, accumulate: false)  // [d x E] x [E x G]
            return t.withSlots(reversed: reversed) { body(p, $0.baseAddress) }
        }
    }

    /// Given `dA = dL/d(X W^T)` `[N x G]`: `gradWeight += dA^T X`,
    /// `gradBias += Σ_positions dA` when given, and the input's gradient
    /// `dA W`: written into `dInput` (`[N x in]`) for a matrix input,
    /// added into `dInput` (`[d x in]`, one row per distinct token, normally
    /// `TokenInput.gradients`) for tokens.
    func backpropagate(_ dA: Matrix, weight w: Matrix, packed: RecurrentWeights, gradWeight: Matrix,
                       gradBias: UnsafeMutablePointer<Float>?, dInput: Matrix?) {
        switch self {
        case .matrix(let x):
            StepGEMM.accumulateTransposed(dA, x, into: gradWeight)     // [G x N] x [N x in]
            if let gradBias { Kernels.addColumnSums(dA, into: gradBias) }
            if let dInput {
                packed.inputBackward.pack(w, transposed: false)
                StepGEMM.multiply(dA, packed.inputBackward, into: dInput, accumulate: false)  // [N x G] x [G x in]
            }
        case .tokens(let t, let reversed):
            // Σ of each token's rows, in packed order: a fixed order per batch.
            let s = t.scratch(cols: dA.cols)
            s.fill(0)
            t.withSlots(reversed: reversed) { Kernels.addRows(dA, into: s, at: $0) }
            StepGEMM.accumulateTransposed(s, t.rows, into: gradWeight)         // [G x d] x [d x E]
            if let gradBias { Kernels.addColumnSums(s, into: gradBias) }
            if let dInput {
                packed.inputBackward.pack(w, transposed: false)
                StepGEMM.multiply(s, packed.inputBackward, into: dInput, accumulate: true)    // [d x G] x [G x E]
            }
        }
    }
}

/// The first layer's input over an embedding, per batch: the distinct token
/// ids (in order of first occurrence in packed order), their embedding rows
/// `[d x E]`, each packed position's slot among them, and a gradient row per
/// distinct token that the cells accumulate into (`CellInput`). One per
/// worker, allocated once: no allocation per batch once warm.
public final class TokenInput {
    public let dim: Int
    /// Distinct token ids.                                      [d]
    public private(set) var ids: [Int32] = []
    /// Slot in `ids` of each packed position.                   [N]
    public private(set) var slots: [Int32] = []
    /// `slots` in the reverse direction's order.                [N]
    private var reversedSlots: [Int32] = []
    private let rowBuffer: FloatBuffer, gradientBuffer: FloatBuffer, scratchBuffer: FloatBuffer
    /// Per vocabulary id: its slot, valid when `stamp[id] == current`.
    private var slotOf: [Int32], stamp: [UInt32]
    private var current: UInt32 = 0

    /// For batches of at most `maxTokens` positions over `vocabularySize`
    /// ids of width `dim`; `maxWidth` is the widest projection (G) a cell
    /// asks of `project`/`backpropagate`.
    public init(vocabularySize: Int, dim: Int, maxTokens: Int, maxWidth: Int) {
        self.dim = dim
        let d = min(maxTokens, vocabularySize)
        rowBuffer = FloatBuffer(count: d * dim)
        gradientBuffer = FloatBuffer(count: d * dim)
        scratchBuffer = FloatBuffer(count: d * maxWidth)
        slotOf = [Int32](repeating: 0, count: vocabularySize)
        stamp = [UInt32](repeating: 0, count: vocabularySize)
    }

    public var count: Int { ids.count }
    /// The embedding rows of `ids`.                             [d x E]
    public var rows: Matrix { rowBuffer.matrix(rows: ids.count, cols: dim) }
    /// dL/d(rows), accumulated by the cells.                   [d x E]
    public var gradients: Matrix { gradientBuffer.matrix(rows: ids.count, cols: dim) }

    /// Takes the batch's packed token ids and copies their embedding rows
    /// from `table` (`[V x E]`); clears `gradients`.
    public func fill(ids packed: UnsafeBufferPointer<Int32>, table: UnsafePointer<Float>) {
        nextStamp()
        ids.removeAll(keepingCapacity: true)
        slots.removeAll(keepingCapacity: true)
        for id in packed {
            let v = Int(id)
            if stamp[v] != current {
                stamp[v] = current
                slotOf[v] = Int32(ids.count)
                rowBuffer.base.advanced(by: ids.count * dim).update(from: table + v * dim, count: dim)
                ids.append(id)
            }
            slots.append(slotOf[v])
        }
        gradients.fill(0)
    }

    /// Orders the slots as the reverse direction sees the positions:
    /// `reversedSlots[i] = slots[index[i]]`.
    public func reverse(by index: [Int32]) {
        reversedSlots.removeAll(keepingCapacity: true)
        for i in index { reversedSlots.append(slots[Int(i)]) }
    }

    func withSlots<R>(reversed: Bool, _ body: (UnsafeBufferPointer<Int32>) -> R) -> R {
        reversed ? reversedSlots.withUnsafeBufferPointer(body) : slots.withUnsafeBufferPointer(body)
    }

    /// Scratch `[d x cols]`: the per-token projection, then the per-token
    /// gradient sums.
    func scratch(cols: Int) -> Matrix { scratchBuffer.matrix(rows: ids.count, cols: cols) }

    private func nextStamp() {
        current &+= 1
        if current == 0 {
            for i in stamp.indices { stamp[i] = 0 }
            current = 1
        }
    }
}
