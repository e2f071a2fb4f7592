import TensorCore
/// How a batch's gradient is cut and added up: into S shards whose number
/// does not depend on the threads or the ranks, so that the sum, and with it
/// every bit of training, is the same on 1 thread, T threads and R ranks.
///
///     batch -> S shards (rows dealt round-robin by length; charlm: stream ranges)
///     rank r holds shards r*m ..< (r+1)*m        (m = S / R, a power of two)
///     local shard j runs on thread j mod T        (several per thread when T < m)
///     g = the pairwise tree over the S shards      (`ShardTree`)
///
/// A rank's block of m shards is a whole subtree, so each rank sums its
/// block by the tree's lower levels and the ranks' partial sums are added by
/// its upper levels (`RankReduction`), which is the same tree again over R.
public struct ShardLayout: Sendable, Equatable {
    /// S, the whole job's shards.
    public let shards: Int
    public let ranks: Int
    public let rank: Int
    /// Threads of this rank that run its shards.
    public let threads: Int

    /// Shards of each rank.
    public var perRank: Int { shards / ranks }
    /// This rank's first shard.
    public var first: Int { rank * perRank }

    public init(shards: Int, ranks: Int = 1, rank: Int = 0, threads: Int) {
        precondition(ShardLayout.problem(shards: shards, ranks: ranks) == nil, ShardLayout.problem(shards: shards, ranks: ranks) ?? "")
        precondition(threads >= 1 && rank >= 0 && rank < ranks)
        self.shards = shards
        self.ranks = ranks
        self.rank = rank
        self.threads = threads
    }

    /// Why S shards cannot be split over `ranks` ranks as whole subtrees of
    /// the sum (nil when they can): each rank needs the same power-of-two
    /// number of shards.
    public static func problem(shards: Int, ranks: Int) -> String? {
        if shards < 1 { return "--shards must be at least 1" }
        guard shards % ranks == 0, (shards / ranks).nonzeroBitCount == 1 else {
            return "--shards \(shards) cannot be split over \(ranks) MPI ranks: each rank needs the same power-of-two number of "
                + "shards (1, 2, 4, ...); give --shards \(ranks), \(2 * ranks) or \(4 * ranks)"
        }
        return nil
    }

    /// Of `n` active shards of the job (a batch of fewer than S rows leaves
    /// the last ones empty), how many are this rank's, and how many ranks hold any.
    public func active(_ n: Int) -> (local: Int, ranks: Int) {
        (min(max(n - first, 0), perRank), (n + perRank - 1) / perRank)
    }

    /// Runs `body(j)` for this rank's shards j = 0 ..< count on the thread
    /// team, shard j on thread j mod T.
    public func run(_ count: Int, _ body: (Int) -> Void) {
        let t = min(threads, count)
        WorkerPool.run(t) { k in
            for j in stride(from: k, to: count, by: t) { body(j) }
        }
    }
}

/// The order in which shard gradients are added: a pairwise tree, stride 1,
/// 2, 4, ...: item k receives item k + s when k is a multiple of 2s and
/// k + s < count. Item 0 ends with the sum; every other item j, once it has
/// been added, holds the sum of its own subtree.
public enum ShardTree {
    /// Calls `add(into, from)` for every pair, in the tree's order.
    public static func forEachAdd(count: Int, _ add: (Int, Int) -> Void) {
        var s = 1
        while s < count {
            var k = 0
            while k + s < count {
                add(k, k + s)
                k += 2 * s
            }
            s *= 2
        }
    }
}

/// The outcomes (loss, correct, counts) of this rank's shards, one slot
/// each, added up in shard order over the whole job: across ranks every
/// rank's slots are gathered first, so the sums are the same bits whatever
/// the threads and ranks. Buffers allocated once.
final class ShardOutcomes {
    /// This rank's shards' outcomes of the last run (shard j writes slot j).
    let slots: UnsafeMutableBufferPointer<NetworkWorker.Outcome>
    private let group: (any RankGroup)?
    /// [m x 5] this rank's fields, [R x m x 5] every rank's.
    private var mine: [Double], all: [Double]
    private static let fields = 5

    init(count m: Int, group: (any RankGroup)?) {
        slots = .allocate(capacity: m)
        slots.initialize(repeating: NetworkWorker.Outcome())
        self.group = group
        mine = [Double](repeating: 0, count: m * ShardOutcomes.fields)
        all = [Double](repeating: 0, count: m * ShardOutcomes.fields * (group?.size ?? 1))
    }

    deinit { slots.deallocate() }

    /// The sum over the job's shards, in shard order; this rank's slots
    /// from `active` on count as zero.
    func total(active: Int) -> NetworkWorker.Outcome {
        var t = NetworkWorker.Outcome()
        guard let group else {
            for o in slots[0 ..< active] { t.add(o) }
            return t
        }
        let f = ShardOutcomes.fields
        for j in 0 ..< slots.count {
            let o = j < active ? slots[j] : NetworkWorker.Outcome()
            (mine[j * f], mine[j * f + 1], mine[j * f + 2]) = (o.lossSum, Double(o.correct), Double(o.count))
            (mine[j * f + 3], mine[j * f + 4]) = (Double(o.tokens), o.weightSum)
        }
        mine.withUnsafeBufferPointer { s in
            all.withUnsafeMutableBufferPointer { group.allgather(s.baseAddress!, count: s.count, into: $0.baseAddress!) }
        }
        for k in stride(from: 0, to: all.count, by: f) {
            t.add(NetworkWorker.Outcome(lossSum: all[k], correct: Int(all[k + 1]), count: Int(all[k + 2]), tokens: Int(all[k + 3]),
                                        weightSum: all[k + 4]))
        }
        return t
    }
}

extension NetworkWorker.Outcome {
    mutating func add(_ o: NetworkWorker.Outcome) {
        lossSum += o.lossSum; correct += o.correct; count += o.count; tokens += o.tokens; weightSum += o.weightSum
    }
}
