import TensorCore

/// Stage 2 of the `GradientPath` across ranks: every rank holds the summed
/// gradient of its share of the batch; afterwards every rank holds the sum
/// over all ranks, the same bits everywhere.
///
/// Order: each rank's slab is allgathered and added in rank order
/// (g_0 + g_1 + ... + g_{R-1}), which is the order in which one process
/// with R workers sums its workers (R ranks x 1 thread give one process x R
/// threads' bits; with T threads per rank the first T terms are pre-summed).
///
/// Sparse: a batch touches a few thousand of the V embedding rows. The ranks
/// first allgather the row ids they touched; then each sends the rows of the
/// union (zeros where it touched none) plus the dense tensors after the
/// table, instead of the whole slab, whenever that is smaller.
public final class RankReduction: @unchecked Sendable {
    public let group: any RankGroup
    let network: SequenceNetwork
    let owner: NetworkWorker
    /// Bytes received per rank, summed over steps (ids and floats), and
    /// what dense reductions of the whole slab would have moved.
    public private(set) var steps = 0
    public private(set) var bytesMoved = 0
    public private(set) var denseBytes = 0
    public private(set) var unionRows = 0
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

    /// The average bytes each rank received per step, and the dense figure.
    public var bytesPerStep: (moved: Int, dense: Int, rows: Int) {
        steps == 0 ? (0, 0, 0) : (bytesMoved / steps, denseBytes / steps, unionRows / steps)
    }

    /// Reduces `gradient` (worker 0's slab holding this rank's `rows`).
    func reduce(_ gradient: FloatBuffer, rows: [Int32]) {
        let emb = network.embedding, total = network.params.count
        let tableEnd = emb.offset + emb.vocabularySize * emb.dim, tail = total - tableEnd
        let peers = group.size - 1
        let (union, gathered) = unionOfRows(rows)
        denseBytes += peers * total * 4
        unionRows += union.count
        steps += 1
        if union.count * emb.dim + union.count < emb.vocabularySize * emb.dim {
            bytesMoved += 4 * (peers * (union.count * emb.dim + tail) + peers + gathered - rows.count)
            exchangeSparse(gradient, union: union, tableEnd: tableEnd)
        } else {
            bytesMoved += peers * total * 4
            exchange(count: total, pack: { $0.update(from: gradient.base, count: total) },
                     unpack: { gradient.base.update(from: $0, count: total) })
        }
        // Every rank now holds (and later clears) the union's rows, in
        // ascending order as one process holds them (a sparse update visits
        // exactly these; the clipping norm adds them in this order).
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

    /// Sends the union's rows and the dense tail [U*E + tail], sums, writes back.
    private func exchangeSparse(_ gradient: FloatBuffer, union: [Int32], tableEnd: Int) {
        let emb = network.embedding, e = emb.dim, tail = network.params.count - tableEnd
        let g = gradient.base
        // Anything before the table (nothing today) travels with the tail.
        let head = emb.offset
        exchange(count: head + union.count * e + tail, pack: { buf in
            buf.update(from: g, count: head)
            for (i, r) in union.enumerated() { (buf + head + i * e).update(from: g + emb.offset + Int(r) * e, count: e) }
            (buf + head + union.count * e).update(from: g + tableEnd, count: tail)
        }, unpack: { buf in
            g.update(from: buf, count: head)
            for (i, r) in union.enumerated() { (g + emb.offset + Int(r) * e).update(from: buf + head + i * e, count: e) }
            (g + tableEnd).update(from: buf + head + union.count * e, count: tail)
        })
    }

    /// Allgathers `count` packed floats and adds them up in rank order.
    private func exchange(count: Int, pack: (UnsafeMutablePointer<Float>) -> Void, unpack: (UnsafePointer<Float>) -> Void) {
        if send.count < count { send = [Float](repeating: 0, count: count) }
        if recv.count < count * group.size { recv = [Float](repeating: 0, count: count * group.size) }
        send.withUnsafeMutableBufferPointer { s in
            recv.withUnsafeMutableBufferPointer { r in
                pack(s.baseAddress!)
                group.allgather(UnsafePointer(s.baseAddress!), count: count, into: r.baseAddress!)
                // sum = g_0; sum += g_1; ... (into `send`, rank order)
                s.baseAddress!.update(from: r.baseAddress!, count: count)
                for k in 1 ..< max(group.size, 1) { Kernels.add(r.baseAddress! + k * count, into: s.baseAddress!, count: count) }
                unpack(UnsafePointer(s.baseAddress!))
            }
        }
    }
}
