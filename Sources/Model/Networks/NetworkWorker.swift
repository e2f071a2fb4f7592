import Corpus
import TensorCore

/// One worker's view of a `SequenceNetwork`: its own packed batch, scratch
/// buffers and gradient slab, allocated once for the largest batch. Several
/// workers share the parameters and run on disjoint rows of a batch at the
/// same time; the gradient path then sums their gradients in a fixed order.
///
/// Buffer shapes (N = packed tokens, B = rows, E, F = D*H, K = sizes; M = B
/// items for pooled heads, N for per-step):
///
///     tokens [d x E]   embeddings of the batch's d distinct tokens, their
///                      gradient [d x E], each position's slot [N] (`TokenInput`)
///     x      [N x E]   embeddings per position, dx [N x E] (the plain path only)
///     feat   [B x F]   pooled features (pooled heads)
///     mask   [M x F]   dropout mask     drop [M x F] head input after dropout
///     logits [M x K]   and dLogits [M x K]                  dDrop [M x F]
///
/// The stack's workspace holds the layer outputs and their gradients.
public final class NetworkWorker: @unchecked Sendable {
    public let network: SequenceNetwork
    public let batch = PackedBatch()
    public let grads: FloatBuffer
    public let maxRows: Int
    public let maxTokens: Int
    public let head: any Head
    /// Per-class loss weights (`CrossEntropyLoss(weight=)`), or nil.
    public var classWeights: [Float]?

    let feat, mask, drop, dDrop, logits, dLogits: FloatBuffer
    let tokens: TokenInput
    /// The first layer's input projection and its gradients computed once
    /// per distinct token (the default) or per position (the plain path,
    /// for comparing the two): the same numbers up to float rounding.
    public var projectsDistinctTokens = true
    lazy var x = FloatBuffer(count: maxTokens * network.spec.embedDim)
    lazy var dx = FloatBuffer(count: maxTokens * network.spec.embedDim)
    public let stackWorkspace: RecurrentStack.Workspace
    /// Embedding rows whose gradient is non-zero in `grads` (see `GradientPath`).
    let touched: TouchedRows
    /// Per-step correct counts of the last per-step run: [T] (evaluation by position).
    public private(set) var stepCorrect: [Int] = []

    public init(network: SequenceNetwork, maxRows: Int, maxLength: Int) {
        self.network = network
        self.maxRows = maxRows
        maxTokens = maxRows * maxLength
        let s = network.spec
        head = HeadFactory.make(s, maxRows: maxRows)
        let m = head.scoresSteps ? maxTokens : maxRows, f = s.outputSize
        grads = FloatBuffer(count: network.layout.totalCount)
        tokens = TokenInput(vocabularySize: s.vocabularySize, dim: s.embedDim, maxTokens: maxTokens,
                            maxWidth: network.stack.cells[0].map { $0.projectionWidth }.max() ?? 0)
        feat = FloatBuffer(count: head.scoresSteps ? 0 : maxRows * f)
        mask = FloatBuffer(count: m * f)
        drop = FloatBuffer(count: m * f)
        dDrop = FloatBuffer(count: m * f)
        logits = FloatBuffer(count: m * s.numClasses)
        dLogits = FloatBuffer(count: m * s.numClasses)
        stackWorkspace = network.stack.makeWorkspace(maxRows: maxRows, maxTokens: maxTokens)
        touched = TouchedRows(vocabularySize: s.vocabularySize)
    }

    /// Zeroes the gradient slab cheaply: everything after the embedding
    /// table, and only the embedding rows written since the last clear (a
    /// batch touches a few thousand of the V rows). Then records this
    /// batch's rows (`recording`; a shard without rows touches none).
    func clearGradients(recording: Bool = true) {
        let emb = network.embedding
        let g = grads.base
        let tableEnd = emb.offset + emb.vocabularySize * emb.dim
        (g + tableEnd).update(repeating: 0, count: grads.count - tableEnd)
        for r in touched.rows { (g + emb.offset + Int(r) * emb.dim).update(repeating: 0, count: emb.dim) }
        touched.reset()
        if recording { touched.add(batch.tokenIDs) }
    }

    /// Result of one forward (and backward) pass over the worker's batch.
    public struct Outcome: Sendable {
        public var lossSum: Double = 0
        public var correct = 0
        /// Rows (pooled heads) or real tokens (per-step) scored.
        public var count = 0
        public var tokens = 0
        /// The class weights of the items scored (`count` without weights).
        public var weightSum: Double = 0
    }

    /// Runs the network on `batch` (already filled). With `dropoutKey` it
    /// trains: dropout is on and gradients of `lossSum * gradScale` are
    /// written into `grads` (zeroed first). Without it, it only evaluates.
    /// With `carried` the rows start from that state instead of the learned
    /// one, and it is advanced to their state after the batch; no gradient
    /// flows into it (truncated backpropagation through time).
    @discardableResult
    public func run(dropoutKey: DropoutKey?, gradScale: Float = 1, recordSteps: Bool = false, carried: StackState? = nil) -> Outcome {
        let s = network.spec
        let p = UnsafePointer(network.params.base)
        let nTok = batch.tokenCount
        precondition(batch.batchSize <= maxRows && nTok <= maxTokens, "batch larger than the worker was built for")
        let training = dropoutKey != nil
        if training { clearGradients() }

        // Embedding lookup, recurrent layers, head features.       [N x E] -> [N x F] -> [M x F]
        let input = embed(p)
        let top = network.stack.forward(p, input: input, batch: batch, workspace: stackWorkspace, dropoutKey: dropoutKey, carried: carried)
        // The cells saved their start states in the workspace: the carried
        // state can move on now.
        if let carried { network.stack.finalState(batch: batch, workspace: stackWorkspace, into: carried) }
        let m = head.items(batch), f = s.outputSize
        var features = head.forward(top: top, batch: batch, scratch: feat.matrix(rows: head.scoresSteps ? 0 : maxRows, cols: f))
        let maskM = mask.matrix(rows: m, cols: f)
        // Keep probability 1 needs no mask (a character model's default).
        let headDropout = dropoutKey != nil && network.dropout.keepProb < 1
        if headDropout, let key = dropoutKey {
            network.dropout.fillMasks(maskM, batch: batch, key: key, perStep: head.scoresSteps)
            let dm = drop.matrix(rows: m, cols: f)
            Dropout.apply(features, mask: maskM, into: dm)
            features = dm
        }
        let lm = logits.matrix(rows: m, cols: s.numClasses)
        network.classifier.forward(p, x: features, y: lm)

        let dl = training ? dLogits.matrix(rows: m, cols: s.numClasses) : nil
        let head = self.head, batch = self.batch
        let result = SoftmaxCrossEntropy.forwardBackward(logits: lm, labels: { head.label($0, batch: batch) },
                                                         dLogits: dl, gradScale: gradScale, weights: classWeights)
        if recordSteps && head.scoresSteps { recordStepAccuracy(lm) }
        let outcome = Outcome(lossSum: result.lossSum, correct: result.correct, count: m, tokens: nTok, weightSum: result.weightSum)
        guard let dl else { return outcome }

        // Backward: classifier -> dropout -> head -> recurrent layers -> embedding.
        let g = grads.base
        let dd = dDrop.matrix(rows: m, cols: f)
        network.classifier.backward(p, g, x: features, dy: dl, dx: dd)
        if headDropout { Dropout.apply(dd, mask: maskM, into: dd) }
        head.backward(dFeatures: dd, top: top, batch: batch, dTop: stackWorkspace.topGradient(tokens: nTok, width: f))
        let dInput = projectsDistinctTokens ? tokens.gradients : dx.matrix(rows: nTok, cols: s.embedDim)
        network.stack.backward(p, g, input: input, batch: batch, workspace: stackWorkspace, dInput: dInput,
                               startGradient: carried == nil ? .learned : .discard)
        if projectsDistinctTokens {
            network.embedding.backward(g, tokens: tokens)
        } else {
            batch.tokenIDs.withUnsafeBufferPointer { network.embedding.backward(g, ids: $0, dOut: dInput) }
        }
        return outcome
    }

    /// The first layer's input for the batch: its distinct tokens' rows
    /// (`TokenInput`), or on the plain path one embedding row per position.
    private func embed(_ p: UnsafePointer<Float>) -> CellInput {
        let emb = network.embedding
        if projectsDistinctTokens {
            batch.tokenIDs.withUnsafeBufferPointer { tokens.fill(ids: $0, table: p + emb.offset) }
            return .tokens(tokens, reversed: false)
        }
        let xm = x.matrix(rows: batch.tokenCount, cols: emb.dim)
        batch.tokenIDs.withUnsafeBufferPointer { emb.forward(p, ids: $0, out: xm) }
        return .matrix(xm)
    }

    /// The logits of item `i` of the last run (`K` floats).
    public func logits(item i: Int) -> UnsafePointer<Float> {
        UnsafePointer(logits.base + i * network.spec.numClasses)
    }

    private func recordStepAccuracy(_ lm: Matrix) {
        stepCorrect.removeAll(keepingCapacity: true)
        for t in 0 ..< batch.steps {
            var correct = 0
            for r in 0 ..< batch.active[t] {
                let i = batch.offsets[t] + r
                let z = lm.row(i)
                var best = 0
                for j in 1 ..< lm.cols where z[j] > z[best] { best = j }
                if best == head.label(i, batch: batch) { correct += 1 }
            }
            stepCorrect.append(correct)
        }
    }
}

/// A set of embedding rows without duplicates (a per-row stamp), reused
/// from batch to batch without allocation.
final class TouchedRows {
    private(set) var rows: [Int32] = []
    private var stamp: [UInt32]
    private var current: UInt32 = 1

    init(vocabularySize: Int) { stamp = [UInt32](repeating: 0, count: vocabularySize) }

    func reset() {
        rows.removeAll(keepingCapacity: true)
        current &+= 1
        if current == 0 { // wrapped: reset the stamps
            for i in stamp.indices { stamp[i] = 0 }
            current = 1
        }
    }

    /// Ascending ids: the order of a coalesced sparse gradient.
    func sort() { rows.sort() }

    func add<C: Collection>(_ ids: C) where C.Element == Int32 {
        for id in ids where stamp[Int(id)] != current {
            stamp[Int(id)] = current
            rows.append(id)
        }
    }
}
