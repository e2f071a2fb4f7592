import TensorCore

/// What happens to the gradients of one batch, in stages:
///
///     1. sum     the shards' slabs into shard 0's, by the pairwise tree
///                of `ShardTree` (the workers are this rank's shards)
///     2. reduce  across processes (a hook; nothing in one process)
///     3. clip    by the global norm of the summed gradient
///     4. step    the optimizer, over disjoint slab ranges in parallel
///
/// The order of every sum is fixed by the shards, never by the threads:
/// stage 1 adds whole slabs by the tree element by element (so any cut of
/// the slab among threads gives the same bits), and the clipping norm is
/// summed in one part per shard of the whole job, the parts added in order.
///
/// Stage 1 adds only what is non-zero: the dense tensors after the
/// embedding table and the embedding rows each worker touched (a batch
/// touches a few thousand of V rows), so it stays cheap. The embedding
/// gradient is then a sparse one, PyTorch's coalesced form: the distinct
/// token ids in ascending order, each with its row summed over the batch
/// (`Embedding.backward`, in packed order, then by the shard tree).
///
/// Stages 3 and 4 run over the whole slab (the default, PyTorch's dense
/// update), or, when the optimizer spec asks for a sparse embedding, over
/// the rest of the slab plus the touched rows only (`SparseRowOptimizer`);
/// a frozen embedding is left out of both.
public final class GradientPath: @unchecked Sendable {
    public let network: SequenceNetwork
    public let workers: [NetworkWorker]
    /// Threads of stages 1, 3 and 4.
    public let threads: Int
    public let optimizer: any Optimizer
    public let clipNorm: Float?
    /// Cross-process reduction of the summed gradient (stage 2): called with
    /// the slab, the embedding rows it holds and how many ranks hold any
    /// rows of the batch; nil in one process.
    public var reduce: ((FloatBuffer, [Int32], Int) -> Void)?
    /// Wall seconds spent in `apply` (all four stages) so far, and in
    /// stage 2 (the reduce across ranks) and stages 3 and 4 (clip, step);
    /// `fusedSeconds` in stages 1 and 4 run as one pass (`sumAndStep`).
    public private(set) var busySeconds = 0.0
    public private(set) var reduceSeconds = 0.0, stepSeconds = 0.0, fusedSeconds = 0.0
    /// The slab ranges each thread owns in stages 3 and 4 (dense update;
    /// the fused sum-and-step sums them too), and in stage 1 (the whole slab).
    private var ranges: [[Range<Int>]]
    private let sumRanges: [[Range<Int>]]
    /// Across ranks, a step sharded over them: each rank receives only its
    /// span's gradient, steps it, and the spans are gathered (nil: every
    /// rank receives the whole gradient and steps the whole slab).
    private var shard: (reduction: RankReduction, spans: [Range<Int>])?
    /// The embedding table and its row-wise optimizer, when updated sparsely.
    private let sparse: (table: RowTable, optimizer: any SparseRowOptimizer)?
    /// The parts the clipping norm is summed in (`squaredNorm`: one per
    /// shard of the whole job; this rank's when the step is sharded), and their sums.
    private var normRanges: [[Range<Int>]]
    private var normParts: UnsafeMutableBufferPointer<Double>
    /// The slab segments of the dense update (the slab without a sparse or frozen table).
    private let dense: [Range<Int>]

    /// `workers`: one per shard of this rank; `threads`: the team that runs
    /// them (one per worker when nil).
    public init(network: SequenceNetwork, workers: [NetworkWorker], optimizer: any Optimizer, clipNorm: Float?, threads: Int? = nil) {
        self.network = network
        self.workers = workers
        self.threads = threads ?? workers.count
        self.optimizer = optimizer
        self.clipNorm = clipNorm
        let emb = network.embedding, spec = optimizer.spec
        let table = RowTable(offset: emb.offset, rows: emb.vocabularySize, width: emb.dim)
        let total = network.params.count, n = workers.count
        if spec.isSparseEmbedding && !spec.isEmbeddingFrozen {
            guard let rowWise = optimizer as? any SparseRowOptimizer, spec.sparseProblem == nil else {
                preconditionFailure(spec.sparseProblem ?? "\(spec.kind) cannot update rows sparsely")
            }
            sparse = (table, rowWise)
        } else {
            sparse = nil
        }
        let dense = spec.isSparseEmbedding || spec.isEmbeddingFrozen
            ? [0 ..< table.offset, table.range.upperBound ..< total].filter { !$0.isEmpty } : [0 ..< total]
        self.dense = dense
        ranges = GradientPath.split(dense, parts: self.threads)
        sumRanges = GradientPath.split([0 ..< total], parts: self.threads)
        normRanges = GradientPath.split(dense, parts: n)
        normParts = .allocate(capacity: n)
        normParts.initialize(repeating: 0)
    }

    deinit { normParts.deallocate() }

    /// The summed gradient after `apply`: worker 0's slab.
    public var gradient: FloatBuffer { workers[0].grads }

    /// Runs the four stages after the first `active` workers ran a batch
    /// (on `activeRanks` ranks: those holding any of its rows).
    /// Returns the gradient norm before clipping (nil when not clipping).
    @discardableResult
    public func apply(activeWorkers active: Int, activeRanks: Int = 1) -> Float? {
        let clock = ContinuousClock(), start = clock.now
        defer { busySeconds += (clock.now - start).inSeconds }
        if fusesSumAndStep {
            sumAndStep(active)
            fusedSeconds += (clock.now - start).inSeconds
            return nil
        }
        sum(active)
        workers[0].touched.sort()
        let reduceStart = clock.now
        if let shard {
            shard.reduction.reduceScatter(gradient, rows: workers[0].touched.rows, spans: shard.spans, activeRanks: activeRanks)
        } else {
            reduce?(gradient, workers[0].touched.rows, activeRanks)
        }
        let stepStart = clock.now
        reduceSeconds += (stepStart - reduceStart).inSeconds
        defer { stepSeconds += (clock.now - stepStart).inSeconds }
        let rows = workers[0].touched.rows
        let n = threads
        var scale: Float = 1, norm: Float?
        if let clipNorm {
            norm = Float(squaredNorm(rows: rows).squareRoot())
            scale = GradientClipping.scale(norm: norm!, maxNorm: clipNorm)
        }
        optimizer.beginStep()
        let p = network.params.base, g = UnsafePointer(gradient.base)
        WorkerPool.run(n) { k in
            for r in self.ranges[k] { self.optimizer.apply(params: p, grads: g, gradScale: scale, range: r) }
            if let (table, rowWise) = self.sparse {
                rows.withUnsafeBufferPointer { all in
                    let c = GradientPath.chunk(k, of: n, count: all.count)
                    rowWise.applyRows(params: p, grads: g, gradScale: scale, table: table, rows: UnsafeBufferPointer(rebasing: all[c]))
                }
            }
        }
        if let shard { shard.reduction.gatherSpans(network.params, spans: shard.spans, counted: true) }
        return norm
    }

    /// The gradient's squared norm: each part of `normRanges` (and its
    /// chunk of the sparse table's `rows`) summed by a thread, the parts
    /// added in order. The parts are one per shard of the whole job, so the
    /// sum has the same bits on any threads and ranks: a sharded step
    /// gathers every rank's parts; with the whole gradient on every rank
    /// each rank sums all of them itself.
    private func squaredNorm(rows: [Int32]) -> Double {
        let parts = normRanges.count, n = threads
        WorkerPool.run(n) { k in
            for part in stride(from: k, to: parts, by: n) {
                var s = 0.0
                for r in self.normRanges[part] { s += Kernels.sumOfSquares(self.gradient.base + r.lowerBound, count: r.count) }
                if let (table, _) = self.sparse {
                    for i in GradientPath.chunk(part, of: parts, count: rows.count) {
                        s += Kernels.sumOfSquares(self.gradient.base + table.range(ofRow: rows[i]).lowerBound, count: table.width)
                    }
                }
                self.normParts[part] = s
            }
        }
        guard let shard else { return normParts.reduce(0, +) }
        let group = shard.reduction.group
        var all = [Double](repeating: 0, count: parts * group.size)
        all.withUnsafeMutableBufferPointer { group.allgather(UnsafePointer(normParts.baseAddress!), count: parts, into: $0.baseAddress!) }
        return all.reduce(0, +)
    }

    /// Across `ranks` ranks that each hold the whole gradient: the norm is
    /// summed in one part per shard of the whole job (ranks x workers).
    func matchNormParts(ranks: Int) {
        normRanges = GradientPath.split(dense, parts: ranks * workers.count)
        normParts.deallocate()
        normParts = .allocate(capacity: normRanges.count)
        normParts.initialize(repeating: 0)
    }

    /// Shards stages 3 and 4 over the ranks of `reduction` (ZeRO stage 1):
    /// the dense slab is cut into the clipping norm's parts, one per shard
    /// of the job (m = this rank's shards), rank r owns parts
    /// r*m ..< (r+1)*m and steps them (cut among its threads), and the ranks'
    /// spans of the parameters are gathered after the step. Only for a
    /// dense update of one contiguous segment (not with a sparse embedding);
    /// returns whether the step is sharded.
    public func shardStep(over reduction: RankReduction) -> Bool {
        guard sparse == nil, dense.count == 1 else { return false }
        let group = reduction.group, m = workers.count, seg = dense[0]
        let cut = { (k: Int) in seg.lowerBound + GradientPath.cut(k, of: group.size * m, total: seg.count) }
        let spans = (0 ..< group.size).map { q in cut(q * m) ..< cut((q + 1) * m) }
        normRanges = Array(GradientPath.split(dense, parts: group.size * m)[group.rank * m ..< (group.rank + 1) * m])
        ranges = GradientPath.split([spans[group.rank]], parts: threads)
        shard = (reduction, spans)
        return true
    }

    /// After sharded steps each rank's optimizer state is current only in
    /// its span: gathers it (every rank must call this, before a
    /// checkpoint is written). Nothing to do otherwise.
    public func gatherOptimizerState() {
        guard let shard else { return }
        for s in optimizer.state { shard.reduction.gatherSpans(s.buffer, spans: shard.spans, counted: false) }
    }

    /// Whether stages 1 and 4 run as one parallel pass: nothing needs the
    /// whole sum before the step (no clipping, no reduction across ranks) and
    /// the update is the dense one over the whole slab.
    private var fusesSumAndStep: Bool {
        clipNorm == nil && reduce == nil && shard == nil && sparse == nil && dense == [0 ..< network.params.count]
    }

    /// Stages 1 and 4 fused: thread k adds the workers' gradients over its
    /// own slab ranges and steps them at once, while they are in its cache
    /// (the same sums, element by element in tree order, as `sum`). The
    /// touched rows are merged up the tree first: the adds read them.
    private func sumAndStep(_ active: Int) {
        optimizer.beginStep()
        mergeTouchedRows(active)
        let p = network.params.base, g = UnsafePointer(gradient.base)
        WorkerPool.run(threads) { k in
            for r in self.ranges[k] { self.sum(active, over: r) }
            for r in self.ranges[k] { self.optimizer.apply(params: p, grads: g, gradScale: 1, range: r) }
        }
    }

    /// The tree's adds slab_i += slab_j (`ShardTree`, over the first
    /// `active` workers) over `range`: outside the embedding table every
    /// float, inside it the rows of j's subtree (its touched rows, once
    /// `mergeTouchedRows` ran).
    private func sum(_ active: Int, over range: Range<Int>) {
        let emb = network.embedding, total = network.params.count
        let table = emb.offset ..< emb.offset + emb.vocabularySize * emb.dim
        let inTable = range.clamped(to: table)
        let before = range.clamped(to: 0 ..< table.lowerBound), after = range.clamped(to: table.upperBound ..< total)
        ShardTree.forEachAdd(count: active) { i, j in
            let gi = self.workers[i].grads.base, gj = self.workers[j].grads.base
            Kernels.add(gj + before.lowerBound, into: gi + before.lowerBound, count: before.count)
            Kernels.add(gj + after.lowerBound, into: gi + after.lowerBound, count: after.count)
            guard !inTable.isEmpty else { return }
            for id in self.workers[j].touched.rows {
                let row = (emb.offset + Int(id) * emb.dim ..< emb.offset + (Int(id) + 1) * emb.dim).clamped(to: inTable)
                if !row.isEmpty { Kernels.add(gj + row.lowerBound, into: gi + row.lowerBound, count: row.count) }
            }
        }
    }

    /// Stage 1: the tree over the whole slab, `threads` parts in parallel
    /// (each element's adds in tree order whatever the cut); worker 0 then
    /// owns (and later clears) the union of rows.
    private func sum(_ active: Int) {
        mergeTouchedRows(active)
        WorkerPool.run(threads) { k in
            for r in self.sumRanges[k] { self.sum(active, over: r) }
        }
    }

    /// Up the tree: each worker's touched rows gain those of the subtree it
    /// receives, so a worker that sends holds its whole subtree's rows and
    /// worker 0 all of them.
    private func mergeTouchedRows(_ active: Int) {
        ShardTree.forEachAdd(count: active) { i, j in self.workers[i].touched.add(self.workers[j].touched.rows) }
    }

    /// Where part k of n starts in `total` floats (a multiple of 64; part n
    /// starts at the end).
    static func cut(_ k: Int, of n: Int, total: Int) -> Int { k == n ? total : (total * k / n) / 64 * 64 }

    /// The k-th of n contiguous, nearly equal parts of 0 ..< count.
    static func chunk(_ k: Int, of n: Int, count: Int) -> Range<Int> { count * k / n ..< count * (k + 1) / n }

    /// `segments` (disjoint slab ranges) cut into n parts of nearly equal
    /// size, cut points on multiples of 64 floats; with one segment, part k
    /// is the k-th of n slices of it.
    static func split(_ segments: [Range<Int>], parts n: Int) -> [[Range<Int>]] {
        let total = segments.reduce(0) { $0 + $1.count }
        let cuts = (0 ... n).map { k in cut(k, of: n, total: total) }
        return (0 ..< n).map { k in
            var out: [Range<Int>] = [], before = 0
            for s in segments {
                let lo = max(cuts[k] - before, 0), hi = min(cuts[k + 1] - before, s.count)
                if lo < hi { out.append(s.lowerBound + lo ..< s.lowerBound + hi) }
                before += s.count
            }
            return out
        }
    }
}
