import Cluster
import Model

/// Training commands under `mpirun`: every rank runs the same command on
/// its share of each batch (see `Trainer`, `RankReduction`). Rank 0 prints
/// and writes the files; the other ranks are silent unless they fail, and
/// then name themselves. Outside mpirun the command runs as always.
enum DataParallel {
    static func run(_ console: Console, _ body: (Console, (any RankGroup)?) throws -> Int32) throws -> Int32 {
        guard let group = MPIGroup.joinIfLaunched() else { return try body(console, nil) }
        if group.rank == 0 { return try body(console, group) }
        do {
            return try body(Console(out: { _ in }, err: { _ in }), group)
        } catch is UsageError {
            return RNNTrain.ExitCode.usage  // decided from the arguments alone: rank 0 says it
        } catch {
            throw RankFailure(rank: group.rank, error: error)
        }
    }

    /// Refuses more ranks than `units` (a batch's rows, the streams): each
    /// rank needs a share.
    static func requireRanks(_ group: any RankGroup, atMost units: Int, eachNeeds what: String) throws {
        if units < group.size {
            throw UsageError("--batch-size \(units) is smaller than the \(group.size) MPI ranks: "
                + "every rank needs \(what): launch fewer ranks or raise --batch-size")
        }
    }

    /// Refuses a fixed shard count that the ranks cannot split into whole
    /// subtrees of the sum (`ShardLayout.problem`).
    static func requireShards(_ shards: Int?, _ group: any RankGroup) throws {
        if let shards, let problem = ShardLayout.problem(shards: shards, ranks: group.size) { throw UsageError(problem) }
    }

    /// What a rank other than 0 reports when it fails.
    struct RankFailure: Error, CustomStringConvertible {
        var rank: Int
        var error: Error
        var description: String { "rank \(rank): \(error)" }
    }
}

/// A plan that can run on the ranks of an MPI group: the same global
/// batches, each dealt to the shards, each rank running its block of them.
protocol RankSpread {
    var training: TrainingOptions { get set }
    /// The units of one global batch (rows, streams) and what every rank needs of them.
    var batchUnits: (count: Int, eachRankNeeds: String) { get }
}

extension RankSpread {
    /// Runs the plan on the ranks of `group`; refuses more ranks than a
    /// batch has units, and a shard count the ranks cannot split.
    mutating func spread(over group: (any RankGroup)?) throws {
        guard let group else { return }
        try DataParallel.requireRanks(group, atMost: batchUnits.count, eachNeeds: batchUnits.eachRankNeeds)
        try DataParallel.requireShards(training.shards, group)
        training.group = group
    }
}

extension TrainPlan: RankSpread {
    var batchUnits: (count: Int, eachRankNeeds: String) { (batching.batchSize, "rows of each batch") }
}

extension CharLMPlan: RankSpread {
    var batchUnits: (count: Int, eachRankNeeds: String) { (windows.streams, "streams of its own") }
}

extension TrainSession {
    /// Rank 0 (or the only process) writes checkpoints, metrics and plots.
    var writesFiles: Bool { (setup.training.group?.rank ?? 0) == 0 }

    /// "MPI: 2 ranks x 1 thread; reduced 40,123 bytes per step per rank (sparse: ...)", with the threads that run shards.
    var rankSummary: String? {
        DataParallel.summary(group: setup.training.group, threads: min(setup.training.threads, trainer.workers.count),
                             reduction: trainer.rankReduction)
    }
}

extension DataParallel {
    /// "MPI: 2 ranks x 1 thread; gradients reduced by ...: 40,123 bytes received per step per rank (...)".
    static func summary(group: (any RankGroup)?, threads: Int, reduction: RankReduction?) -> String? {
        guard let group else { return nil }
        var s = "MPI: \(group.size) ranks x \(threads) thread\(threads == 1 ? "" : "s")"
        if let r = reduction, r.steps > 0 {
            let b = r.bytesPerStep
            s += r.sharded
                ? "; gradients reduce-scattered (all-to-all + shard-tree sum), step sharded, parameters allgathered: "
                : "; gradients reduced by allgather + shard-tree sum: "
            s += "\(Format.grouped(b.moved)) bytes received per step per rank"
                + " (\(Format.grouped(b.rows)) embedding rows touched on average; the dense slab would be \(Format.grouped(b.dense)))"
        }
        return s
    }
}

extension GradientPath {
    /// "sum 1.2%, reduce across ranks 3.4%, clip and step 9.8%" of `seconds`
    /// (with RNNTRAIN_TIME_BLAS set: where the gradient path's time goes).
    func stageShares(of seconds: Double) -> String {
        let d = max(seconds, 1e-9), sum = busySeconds - reduceSeconds - stepSeconds - fusedSeconds
        if fusedSeconds > 0 && stepSeconds == 0 { return "sum and step in one pass \(Format.percent(fusedSeconds / d))" }
        return "sum \(Format.percent(sum / d)), reduce across ranks \(Format.percent(reduceSeconds / d)), "
            + "clip and step \(Format.percent(stepSeconds / d))"
    }
}
