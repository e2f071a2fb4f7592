import Cluster
import Corpus
import Model
import TensorCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `rnntrain classify` and `rnntrain seq2seq`: load, split, batch, train,
/// and print one line per epoch. Parsing is `TrainPlan`, the epochs are
/// `TrainSession`.
enum TrainCommand {
    static func specs(_ task: Task) -> [OptionSpec] {
        DataOptions.specs.map { spec in
            spec.name == "--vocab" ? OptionSpec("--vocab", "PATH", help: spec.help + "; recorded in the model, where predict finds it", default: "none") : spec
        } + ModelOptions.specs(task) + EmbeddingOptions.specs + trainingSpecs
    }

    /// The options of every training command beyond the data and the model.
    static var trainingSpecs: [OptionSpec] {
        [
            OptionSpec("--epochs", "N", help: "passes over the training rows", default: "10"),
            OptionSpec("--batch-size", "N", help: "rows per batch", default: "256"),
            OptionSpec("--clip", "X", help: "clip the global gradient norm to X", default: "off"),
            OptionSpec("--bucketed", help: "draw batches from length buckets (less padding) instead of random batches"),
            OptionSpec("--buckets", "N", help: "number of length buckets; implies --bucketed", default: "5"),
            OptionSpec("--seed", "N", help: "seed of every random choice (split, init, order, dropout)", default: "1"),
            OptionSpec("--threads", "N", help: "threads running each batch's shards", default: "the number of cores"),
            TrainCommand.shardsSpec,
            OptionSpec("--save", "PATH", help: "write the model (safetensors, PyTorch names) after every epoch"),
            OptionSpec("--save-best", help: "with --save: keep only the epoch with the lowest validation loss"),
            OptionSpec("--resume", "PATH", help: "continue the run saved in PATH (weights, optimizer state, epoch, data order)"),
            OptionSpec("--metrics", "PATH", help: "append one JSON line per epoch, and per step line (losses, accuracies, seconds, tokens/s, lr)"),
            OptionSpec("--plot", "PATH.svg", help: "draw the learning curves (accuracy and loss per epoch) after every epoch"),
            OptionSpec("--run-name", "NAME", help: "the run's name in --metrics and --plot", default: "the task and batching, e.g. 'classify bucketed'"),
            OptionSpec("--quiet", help: "print only the epoch and step lines, and the final result"),
            OptionSpec("--baseline", "on|off", help: "classify: also train the majority class and a bag-of-token-ids logistic regression "
                       + "on the same split and print their accuracies beside the model's (about as long as a default run: off by default)", default: "off"),
        ] + SplitOptions.specs + SelectionOptions.specs + StepOptions.specs
    }

    static func help(_ task: Task) -> String {
        let summary = task == .classify
            ? "Trains embedding -> recurrent layers -> dropout -> linear on the last relevant output\nof each sequence (or its mean or max) and prints train/validation accuracy per epoch,\nthen the test accuracy of the kept model."
            : "Trains embedding -> recurrent layers -> dropout -> linear predicting the class at\nevery step; loss and accuracy count real tokens only (padding is masked)."
        return helpText(usage: "rnntrain \(task.rawValue) [options]", summary: summary, specs: specs(task),
                        footer: "Same seed and shard count give identical output on any --threads and MPI ranks, run after run.")
    }

    static func run(task: Task, _ arguments: [String], _ console: Console) throws -> Int32 {
        try DataParallel.run(console) { console, group in
            var plan = try TrainPlan(task: task, arguments: arguments)
            try plan.spread(over: group)
            return try TrainSession(plan: plan, console: console).run()
        }
    }

    /// `--shards N`: the same for every training command.
    static let shardsSpec = OptionSpec("--shards", "N", help: "cut every batch into N shards, summed in a fixed order: the same bits on "
        + "any --threads and MPI ranks; at most N threads work on a batch (each rank needs a power-of-two share)",
        default: "\(defaultShards)")

    /// S when neither `--shards` nor a resumed run says: the cores of the
    /// machine this was measured on (more shards cost throughput: README,
    /// "Scaling out").
    static let defaultShards = 2

    /// S from `--shards`, or the resumed run's, or the default.
    static func shards(_ o: ParsedOptions, recorded: Int?) throws -> Int {
        guard o.has("--shards") else { return recorded ?? defaultShards }
        return try o.int("--shards", default: defaultShards, min: 1, max: 4096)
    }

    /// "2 threads, 2 shards (...)" for the start-up summary, with the
    /// threads that have no shard to run.
    static func parallelText(threads: Int, layout: ShardLayout) -> String {
        var s = "\(threads) thread\(threads == 1 ? "" : "s")"
        if layout.ranks > 1 { s += " on each of \(layout.ranks) MPI ranks" }
        s += ", \(layout.shards) shard\(layout.shards == 1 ? "" : "s") (the same bits on any --threads and ranks)"
        if layout.perRank < threads { s += "; \(threads - layout.perRank) of the threads idle: raise --shards" }
        return s
    }

    /// The cores (at most 8), shared among the MPI ranks on this machine.
    static func defaultThreads() -> Int {
        max(1, min(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), 8) / MPIGroup.ranksOnThisMachine())
    }
}

/// The process's peak resident memory so far, in MB (10^6 bytes).
func peakResidentMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    #if os(Linux)
    return Double(usage.ru_maxrss) * 1024 / 1e6      // kilobytes on Linux
    #else
    return Double(usage.ru_maxrss) / 1e6             // bytes on Darwin
    #endif
}

/// A failure during a run that is not about the input data.
struct RuntimeError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

func fileExists(_ path: String) -> Bool { access(path, F_OK) == 0 }

/// The share of the workers' time spent inside sgemm (with RNNTRAIN_TIME_BLAS
/// set): thread-seconds measured around each `cblas_sgemm` call, over
/// threads x the epochs' training and evaluation seconds. Serial parts (the
/// batch plan, a worker idle on a short batch) count in the denominator.
struct BLASShare {
    var threads: Int
    var seconds = 0.0
    let gemmStart = GEMMClock.seconds

    mutating func add(epochSeconds: Double) { seconds += epochSeconds }

    var summary: String {
        let inside = GEMMClock.seconds - gemmStart
        let share = inside / max(seconds * Double(threads), 1e-9)
        return "time in matrix products (sgemm, step kernel): \(Format.percent(share)) of \(threads) thread\(threads == 1 ? "" : "s") x "
            + "\(Format.fixed(seconds, 2)) s (\(Format.fixed(inside, 2)) thread-s)"
    }
}
