import Corpus
import TensorCore

/// One worker's view of a `SequenceNetwork`: its own packed batch, scratch
/// buffers and gradient slab, allocated once for the largest batch. Several
/// workers share the parameters and run on disjoint rows of a batch at the
/// same time; the trainer then sums their gradients in a fixed order.
///
/// Buffer shapes (N = packed tokens, B = rows, E, H, K = sizes):
///
///     x      [N x E]   embeddings of the packed tokens
///     hs[l]  [N x H]   outputs of recurrent layer l
///     feat   [B x H]   classify: output at each row's last step
///     mask   [M x H]   dropout mask (M = B for classify, N for seq2seq)
///     drop   [M x H]   head input after dropout
///     logits [M x K]   and dLogits [M x K]
///     dDrop  [M x H]   dHs[l] [N x H]   dx [N x E]
public final class NetworkWorker: @unchecked Sendable {
    public let network: SequenceNetwork
    public let batch = PackedBatch()
    public let grads: FloatBuffer
    public let maxRows: Int
    public let maxTokens: Int

    let x, feat, mask, drop, logits, dLogits, dDrop, dx: FloatBuffer
    let hs: [FloatBuffer]
    let dHs: [FloatBuffer]
    let workspaces: [RecurrentWorkspace]
    /// Label of each packed token (seq2seq).
    var tokenLabels: [Int] = []
    /// Embedding rows whose gradient the last training run wrote, and a
    /// per-row stamp to collect them without duplicates.
    var touchedRows: [Int32] = []
    var rowStamp: [UInt32]
    var stamp: UInt32 = 0
    /// Per-step correct counts of the last seq2seq run: [T] (for evaluation by position).
    public private(set) var stepCorrect: [Int] = []

    public init(network: SequenceNetwork, maxRows: Int, maxLength: Int) {
        self.network = network
        self.maxRows = maxRows
        maxTokens = maxRows * maxLength
        let c = network.config
        let m = c.task == .classify ? maxRows : maxTokens
        let maxTokens = self.maxTokens
        grads = FloatBuffer(count: network.layout.totalCount)
        x = FloatBuffer(count: maxTokens * c.embedDim)
        hs = network.recurrent.map { FloatBuffer(count: maxTokens * $0.outputSize) }
        dHs = network.recurrent.map { FloatBuffer(count: maxTokens * $0.outputSize) }
        feat = FloatBuffer(count: c.task == .classify ? maxRows * c.hiddenSize : 0)
        mask = FloatBuffer(count: m * c.hiddenSize)
        drop = FloatBuffer(count: m * c.hiddenSize)
        dDrop = FloatBuffer(count: m * c.hiddenSize)
        logits = FloatBuffer(count: m * c.numClasses)
        dLogits = FloatBuffer(count: m * c.numClasses)
        dx = FloatBuffer(count: maxTokens * c.embedDim)
        workspaces = network.recurrent.map { $0.makeWorkspace(maxRows: maxRows, maxTokens: maxTokens) }
        rowStamp = [UInt32](repeating: 0, count: c.vocabularySize)
    }

    /// Zeroes the gradient slab cheaply: everything after the embedding
    /// table, and only the embedding rows the previous run wrote (a batch
    /// touches a few thousand of the V rows). Then records this batch's rows.
    func clearGradients() {
        let emb = network.embedding
        let g = grads.base
        let tableEnd = emb.offset + emb.vocabularySize * emb.dim
        (g + tableEnd).update(repeating: 0, count: grads.count - tableEnd)
        for r in touchedRows { (g + emb.offset + Int(r) * emb.dim).update(repeating: 0, count: emb.dim) }
        touchedRows.removeAll(keepingCapacity: true)
        stamp &+= 1
        if stamp == 0 { // wrapped: reset the stamps
            for i in rowStamp.indices { rowStamp[i] = 0 }
            stamp = 1
        }
        for id in batch.tokenIDs where rowStamp[Int(id)] != stamp {
            rowStamp[Int(id)] = stamp
            touchedRows.append(id)
        }
    }

    /// Result of one forward (and backward) pass over the worker's batch.
    public struct Outcome: Sendable {
        public var lossSum: Double = 0
        public var correct = 0
        /// Rows (classify) or real tokens (seq2seq) scored.
        public var count = 0
        public var tokens = 0
    }

    /// Where dropout masks come from: `(seed, step)`; masks are drawn per
    /// corpus row from `RNG.derived(seed, dropout, step, row)`.
    public struct DropoutKey: Sendable {
        public var seed: UInt64
        public var step: UInt64
        public init(seed: UInt64, step: UInt64) { self.seed = seed; self.step = step }
    }

    /// Runs the network on `batch` (already filled). With `dropoutKey` it
    /// trains: dropout is on and gradients of `lossSum * gradScale` are
    /// written into `grads` (zeroed first). Without it, it only evaluates.
    @discardableResult
    public func run(dropoutKey: DropoutKey?, gradScale: Float = 1, recordSteps: Bool = false) -> Outcome {
        let c = network.config
        let p = UnsafePointer(network.params.base)
        let nTok = batch.tokenCount, b = batch.batchSize
        precondition(b <= maxRows && nTok <= maxTokens, "batch larger than the worker was built for")
        let e = c.embedDim, h = c.hiddenSize, k = c.numClasses
        let training = dropoutKey != nil
        if training { clearGradients() }

        // Embedding lookup and recurrent layers over the packed tokens.
        let xm = x.matrix(rows: nTok, cols: e)
        batch.tokenIDs.withUnsafeBufferPointer { network.embedding.forward(p, ids: $0, out: xm) }
        var input = xm
        for (l, layer) in network.recurrent.enumerated() {
            let out = hs[l].matrix(rows: nTok, cols: layer.outputSize)
            layer.forward(p, input: input, batch: batch, workspace: workspaces[l], output: out)
            input = out
        }
        let top = input

        // Head input: last relevant output per row, or every output.
        let m = c.task == .classify ? b : nTok
        var headIn: Matrix
        if c.task == .classify {
            headIn = feat.matrix(rows: b, cols: h)
            for r in 0 ..< b { headIn.row(r).update(from: top.row(batch.lastIndex[r]), count: h) }
        } else {
            headIn = top
            tokenLabels.removeAll(keepingCapacity: true)
            tokenLabels.append(contentsOf: repeatElement(0, count: nTok))
            for t in 0 ..< batch.steps {
                for r in 0 ..< batch.active[t] { tokenLabels[batch.offsets[t] + r] = batch.labels[r] }
            }
        }
        let maskM = mask.matrix(rows: m, cols: h)
        if let key = dropoutKey {
            fillMasks(key: key, mask: maskM)
            let dm = drop.matrix(rows: m, cols: h)
            Dropout.apply(headIn, mask: maskM, into: dm)
            headIn = dm
        }
        let lm = logits.matrix(rows: m, cols: k)
        network.head.forward(p, x: headIn, y: lm)

        var outcome = Outcome()
        outcome.tokens = nTok
        outcome.count = m
        let dl = training ? dLogits.matrix(rows: m, cols: k) : nil
        let result: (lossSum: Double, correct: Int)
        if c.task == .classify {
            let labels = batch.labels
            result = SoftmaxCrossEntropy.forwardBackward(logits: lm, labels: { labels[$0] }, dLogits: dl, gradScale: gradScale)
        } else {
            let labels = tokenLabels
            result = SoftmaxCrossEntropy.forwardBackward(logits: lm, labels: { labels[$0] }, dLogits: dl, gradScale: gradScale)
            if recordSteps { recordStepAccuracy(lm) }
        }
        outcome.lossSum = result.lossSum
        outcome.correct = result.correct
        guard training, let dl else { return outcome }

        // Backward: head -> dropout -> recurrent layers -> embedding.
        let g = grads.base
        let dd = dDrop.matrix(rows: m, cols: h)
        network.head.backward(p, g, x: headIn, dy: dl, dx: dd)
        Dropout.apply(dd, mask: maskM, into: dd)
        let topGrad = dHs[network.recurrent.count - 1].matrix(rows: nTok, cols: h)
        if c.task == .classify {
            topGrad.fill(0)
            for r in 0 ..< b { topGrad.row(batch.lastIndex[r]).update(from: dd.row(r), count: h) }
        } else {
            for r in 0 ..< nTok { topGrad.row(r).update(from: dd.row(r), count: h) }
        }
        var l = network.recurrent.count - 1
        while l >= 0 {
            let layer = network.recurrent[l]
            let layerIn = l == 0 ? xm : hs[l - 1].matrix(rows: nTok, cols: network.recurrent[l - 1].outputSize)
            let dIn = l == 0 ? dx.matrix(rows: nTok, cols: e) : dHs[l - 1].matrix(rows: nTok, cols: layerIn.cols)
            layer.backward(p, g, input: layerIn, batch: batch, workspace: workspaces[l],
                           dOutput: dHs[l].matrix(rows: nTok, cols: layer.outputSize), dInput: dIn)
            l -= 1
        }
        batch.tokenIDs.withUnsafeBufferPointer {
            network.embedding.backward(g, ids: $0, dOut: dx.matrix(rows: nTok, cols: e))
        }
        return outcome
    }

    /// The top recurrent layer's output at packed index `tokenIndex` after the
    /// last run (a copy of `count` floats).
    public func hiddenStates(tokenIndex: Int, count: Int) -> [Float] {
        let h = network.recurrent[network.recurrent.count - 1].outputSize
        return Array(UnsafeBufferPointer(start: hs[hs.count - 1].base + tokenIndex * h, count: count))
    }

    /// Draws each row's dropout mask from its own stream (seed, step, corpus row).
    private func fillMasks(key: DropoutKey, mask: Matrix) {
        let h = mask.cols
        let dropout = network.dropout
        for r in 0 ..< batch.batchSize {
            var rng = RNG.derived(seed: key.seed, RandomStream.dropout, key.step, UInt64(batch.rows[r]))
            if network.config.task == .classify {
                dropout.fillMask(mask.row(r), count: h, rng: &rng)
            } else {
                for t in 0 ..< batch.lengths[r] {
                    dropout.fillMask(mask.row(batch.offsets[t] + r), count: h, rng: &rng)
                }
            }
        }
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
                if best == tokenLabels[i] { correct += 1 }
            }
            stepCorrect.append(correct)
        }
    }
}
