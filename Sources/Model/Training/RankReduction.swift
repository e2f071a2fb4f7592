import TensorCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Stage 2 of the `GradientPath` across ranks: every rank holds the summed
/// gradient of its share of the batch; afterwards every rank holds the sum
/// over all ranks (`reduce`), or the sum of its own span of the slab
/// (`reduceScatter`, for a step sharded over the ranks), the same bits
/// wherever it is held.
///
/// Order: each rank holds the sum of its block of shards (a whole subtree
/// of `ShardTree`, see `ShardLayout`); the ranks' values are gathered and
/// added by the same pairwise tree over the ranks, which is the upper levels
/// of the tree over all shards: the bits of one process running every shard
/// (for 2 ranks, g_0 + g_1).
///
/// Sparse: a batch touches a few thousand of the V embedding rows. The ranks
/// first allgather the row ids they touched; then each sends the rows of the
/// union (zeros where it touched none) plus the dense tensors after the
/// table, instead of the whole slab, whenever that is smaller.
public final class RankReduction: @unchecked Sendable {
    public let group: any RankGroup
    let network: SequenceNetwork
    let owner: NetworkWorker
    /// Bytes received per rank, summed over steps (ids and floats, and the
    /// parameters of a sharded step), and what dense reductions of the
    /// whole slab would have moved.
    public private(set) var steps = 0
    public private(set) var bytesMoved = 0
    public private(set) var denseBytes = 0
    public private(set) var unionRows = 0
    /// True once a step was sharded (`reduceScatter` + `gatherSpans`).
    public private(set) var sharded = false
    private var send: [Float] = []
    private var recv: [Float] = []
    private var mark: [Bool]

    /// `owner`: the worker whose slab holds the summed gradient (worker 0).
    init(group: any RankGroup, network: SequenceNetwork, owner: NetworkWorker) {
        self.group = group
        self.network = network
        self.owner = owner
        mark = [Bool](repeating: false, count: network.embedding.vocabularySize)
    }

    /// Becomes stage 2 of `path`: a step sharded over the ranks where the
    /// update allows it, else every rank reduces the whole gradient.
    func attach(to path: GradientPath) {
        if RankReduction.shardsSteps && path.shardStep(over: self) { return }
        path.reduce = { [unowned self] in self.reduce($0, rows: $1, activeRanks: $2) }
        path.matchNormParts(ranks: group.size)
    }

    static let shardsSteps: Bool = {
        EnvironmentSwitch.shardedStep.value != "0"
    }()

    /// The average bytes each rank received per step, and the dense figure.
    public var bytesPerStep: (moved: Int, dense: Int, rows: Int) {
        steps == 0 ? (0, 0, 0) : (bytesMoved / steps, denseBytes / steps, unionRows / steps)
    }

    /// Reduces `gradient` (worker 0's slab holding this rank's `rows`):
    /// every rank gets the whole sum of the first `activeRanks` ranks' (the
    /// others held no rows of the batch).
    func reduce(_ gradient: FloatBuffer, rows: [Int32], activeRanks: Int) {
        let packing = plan(rows)
        let n = packing.count
        bytesMoved += 4 * (group.size - 1) * n
        prepareBuffers(send: n, recv: n * group.size)
        send.withUnsafeMutableBufferPointer { s in
            recv.withUnsafeMutableBufferPointer { r in
                let s = s.baseAddress!, r = r.baseAddress!, g = gradient.base
                packing.forEachRun(in: 0 ..< n) { p, o, c in (s + p).update(from: g + o, count: c) }
                group.allgather(UnsafePointer(s), count: n, into: r)
                RankReduction.treeSum(r, stride: n, ranks: activeRanks, into: s)
                packing.forEachRun(in: 0 ..< n) { p, o, c in (g + o).update(from: s + p, count: c) }
            }
        }
        holdUnion(packing.rows)
    }

    /// Reduces `gradient` onto its owners: rank q receives every rank's
    /// values inside `spans[q]` (an all-to-all of the packed gradient) and
    /// sums those of the first `activeRanks` ranks by the tree; afterwards
    /// this rank's span holds the sum, the rest of the slab only this rank's part.
    func reduceScatter(_ gradient: FloatBuffer, rows: [Int32], spans: [Range<Int>], activeRanks: Int) {
        let packing = plan(rows), ranks = group.size
        let sendRanges = spans.map { packing.range(of: $0) }, mine = sendRanges[group.rank], m = mine.count
        bytesMoved += 4 * (ranks - 1) * m
        prepareBuffers(send: packing.count, recv: m * ranks)
        send.withUnsafeMutableBufferPointer { s in
            recv.withUnsafeMutableBufferPointer { r in
                let s = s.baseAddress!, r = r.baseAddress!, g = gradient.base
                packing.forEachRun(in: 0 ..< packing.count) { p, o, c in (s + p).update(from: g + o, count: c) }
                group.alltoall(UnsafePointer(s), sendRanges: sendRanges, into: r, recvRanges: (0 ..< ranks).map { $0 * m ..< ($0 + 1) * m })
                RankReduction.treeSum(r, stride: m, ranks: activeRanks, into: s + mine.lowerBound)
                packing.forEachRun(in: mine) { p, o, c in (g + o).update(from: s + p, count: c) }
            }
        }
        holdUnion(packing.rows)
    }

    /// `sum` [n] = the ranks' vectors `recv` [ranks x n] (row k at k*n)
    /// added by `ShardTree` over the ranks, in place in `recv`.
    static func treeSum(_ recv: UnsafeMutablePointer<Float>, stride n: Int, ranks: Int, into sum: UnsafeMutablePointer<Float>) {
        ShardTree.forEachAdd(count: ranks) { i, j in Kernels.add(recv + j * n, into: recv + i * n, count: n) }
        sum.update(from: recv, count: n)
    }

    /// After a sharded step: rank r's `spans[r]` of `buffer` (parameters or
    /// an optimizer state) reaches every rank. `counted`: add the bytes to
    /// the per-step figures (the parameters every step, not the occasional
    /// state gather before a checkpoint).
    func gatherSpans(_ buffer: FloatBuffer, spans: [Range<Int>], counted: Bool) {
        group.allgather(inPlace: buffer.base, spans: spans)
        if counted {
            sharded = true
            bytesMoved += 4 * spans.enumerated().reduce(0) { $0 + ($1.offset == group.rank ? 0 : $1.element.count) }
        }
    }

    /// The step's exchange: the union of touched rows (gathered), and
    /// whether the gradient travels as those rows plus the dense tensors or
    /// as the whole slab (whichever is smaller).
    private func plan(_ rows: [Int32]) -> GradientPacking {
        let emb = network.embedding, total = network.params.count
        let (union, gathered) = unionOfRows(rows)
        denseBytes += (group.size - 1) * total * 4
        unionRows += union.count
        steps += 1
        bytesMoved += 4 * (group.size - 1 + gathered - rows.count)
        let sparse = union.count * emb.dim + union.count < emb.vocabularySize * emb.dim
        return GradientPacking(table: RowTable(offset: emb.offset, rows: emb.vocabularySize, width: emb.dim), total: total,
                               rows: union, sparse: sparse)
    }

    /// Every rank now holds (and later clears) the union's rows, in
    /// ascending order as one process holds them (a sparse update visits
    /// exactly these; the clipping norm adds them in this order).
    private func holdUnion(_ union: [Int32]) {
        owner.touched.add(union)
        owner.touched.sort()
    }

    /// The sorted union of every rank's touched rows (ids gathered in rank
    /// order), and how many ids were gathered in all.
    private func unionOfRows(_ rows: [Int32]) -> (union: [Int32], gathered: Int) {
        var union: [Int32] = [], gathered = 0
        for list in group.allgather(rows) {
            gathered += list.count
            for r in list where !mark[Int(r)] { mark[Int(r)] = true; union.append(r) }
        }
        for r in union { mark[Int(r)] = false }
        union.sort()
        return (union, gathered)
    }

    private func prepareBuffers(send s: Int, recv r: Int) {
        if send.count < s { send = [Float](repeating: 0, count: s) }
        if recv.count < r { recv = [Float](repeating: 0, count: r) }
    }
}

/// The floats one step exchanges, in slab order: the whole slab, or
/// (sparse) the slab before the embedding table, the union's rows
/// (ascending) and the slab after the table.
public struct GradientPacking: Sendable {
    public let table: RowTable
    public let total: Int
    /// The union of touched rows, ascending.
    public let rows: [Int32]
    public let sparse: Bool

    public init(table: RowTable, total: Int, rows: [Int32], sparse: Bool) {
        self.table = table
        self.total = total
        self.rows = rows
        self.sparse = sparse
    }

    var tail: Int { total - table.range.upperBound }
    public var count: Int { sparse ? table.offset + rows.count * table.width + tail : total }

    /// The packed floats whose slab offsets lie in `span` (contiguous: the
    /// packing keeps slab order).
    public func range(of span: Range<Int>) -> Range<Int> { packed(below: span.lowerBound) ..< packed(below: span.upperBound) }

    /// How many packed floats come from slab offsets below `x`.
    public func packed(below x: Int) -> Int {
        guard sparse else { return min(max(x, 0), total) }
        let e = table.width, inTable = min(max(x - table.offset, 0), table.rows * e)
        let q = inTable / e, rest = inTable % e
        // Rows below q count whole; row q counts `rest` floats when it is in the union.
        var lo = 0, hi = rows.count
        while lo < hi { let mid = (lo + hi) / 2; if Int(rows[mid]) < q { lo = mid + 1 } else { hi = mid } }
        let partial = lo < rows.count && Int(rows[lo]) == q ? rest : 0
        return min(max(x, 0), table.offset) + lo * e + partial + min(max(x - table.range.upperBound, 0), tail)
    }

    /// Calls `body(packed, slab, count)` for each contiguous run of the
    /// packed floats `range`, in order.
    public func forEachRun(in range: Range<Int>, _ body: (Int, Int, Int) -> Void) {
        guard !range.isEmpty else { return }
        guard sparse else { body(range.lowerBound, range.lowerBound, range.count); return }
        let e = table.width, head = table.offset, rowsEnd = head + rows.count * e
        func clip(_ lo: Int, _ hi: Int, slab: Int) {
            let a = max(lo, range.lowerBound), b = min(hi, range.upperBound)
            if a < b { body(a, slab + a - lo, b - a) }
        }
        clip(0, head, slab: 0)
        if range.lowerBound < rowsEnd && range.upperBound > head {
            let first = max(range.lowerBound - head, 0) / e, last = (min(range.upperBound, rowsEnd) - head + e - 1) / e
            for i in first ..< last { clip(head + i * e, head + (i + 1) * e, slab: table.range(ofRow: rows[i]).lowerBound) }
        }
        clip(rowsEnd, rowsEnd + tail, slab: table.range.upperBound)
    }
}
