import Corpus
import Model

/// `rnntrain classify` and `rnntrain seq2seq`: load, split, batch, train,
/// and print one line per epoch. Parsing is `TrainPlan`, the epochs are
/// `TrainSession`. The options every training command shares are declared
/// here once; count-ones and charlm take them with their own defaults.
enum TrainCommand {
    static func options(_ task: Task) -> [OptionSpec] {
        let data = DataOptions.specs.map { spec in
            spec.name == "--vocab" ? spec.helping(spec.help + "; recorded in the model, where predict finds it") : spec
        }
        return data + ModelOptions.specs(task) + EmbeddingOptions.specs + trainingSpecs
    }

    /// The options of every training command beyond the data and the model.
    static var trainingSpecs: [OptionSpec] {
        [
            .int("--epochs", 1 ... 1_000_000, default: "10", help: "passes over the training rows"),
            .int("--batch-size", 1 ... 1_000_000, default: "256", help: "rows per batch"),
            .number("--clip", "X", 0 ... .infinity, above: true, shown: "off", help: "clip the global gradient norm to X"),
            .flag("--bucketed", help: "draw batches from length buckets (less padding) instead of random batches"),
            .int("--buckets", 1 ... 100_000, default: "5", help: "number of length buckets; implies --bucketed"),
            .seed(help: "seed of every random choice (split, init, order, dropout)"),
            .int("--threads", 1 ... 256, shown: "the number of cores", help: "threads running each batch's shards"),
            .int("--shards", 1 ... 4096, default: "\(defaultShards)", help: "cut every batch into N shards, summed in a fixed order: "
                 + "the same bits on any --threads and MPI ranks; at most N threads work on a batch (each rank needs a power-of-two share)"),
        ] + RunOutputs.specs + [
            .choice("--baseline", "on|off", ["on", "off"], default: "off",
                    help: "classify: also train the majority class and a bag-of-token-ids logistic regression on the same split "
                        + "and print their accuracies beside the model's (about as long as a default run: off by default)"),
        ] + SplitOptions.specs + SelectionOptions.specs + StepOptions.specs
    }

    static func about(_ task: Task) -> String {
        task == .classify
            ? "Trains embedding -> recurrent layers -> dropout -> linear on the last relevant output\nof each sequence (or its mean or max) and prints train/validation accuracy per epoch,\nthen the test accuracy of the kept model."
            : "Trains embedding -> recurrent layers -> dropout -> linear predicting the class at\nevery step; loss and accuracy count real tokens only (padding is masked)."
    }

    static let determinism = "Same seed and shard count give identical output on any --threads and MPI ranks, run after run."

    static func run(task: Task, _ o: ParsedOptions, _ console: Console) throws -> Int32 {
        try DataParallel.run(console) { console, group in
            var plan = try TrainPlan(task: task, options: o)
            try plan.spread(over: group)
            return try TrainSession(plan: plan, console: console).run()
        }
    }

    /// S when neither `--shards` nor a resumed run says: the cores of the
    /// machine this was measured on (more shards cost throughput:
    /// docs/scaling.md).
    static let defaultShards = 2

    /// "2 threads, 2 shards (...)" for the start-up summary, with the
    /// threads that have no shard to run.
    static func parallelText(threads: Int, layout: ShardLayout) -> String {
        var s = "\(threads) thread\(threads == 1 ? "" : "s")"
        if layout.ranks > 1 { s += " on each of \(layout.ranks) MPI ranks" }
        s += ", \(layout.shards) shard\(layout.shards == 1 ? "" : "s") (the same bits on any --threads and ranks)"
        if layout.perRank < threads { s += "; \(threads - layout.perRank) of the threads idle: raise --shards" }
        return s
    }
}

/// Where a training run writes, what it resumes and how much it prints:
/// the same options for every training command.
struct RunOutputs {
    static let specs: [OptionSpec] = [
        .text("--save", "PATH", help: "write the model (safetensors, PyTorch names) after every epoch"),
        .flag("--save-best", help: "with --save: keep only the epoch with the lowest validation loss"),
        .text("--resume", "PATH", help: "continue the run saved in PATH (weights, optimizer state, epoch, data order)"),
        .text("--metrics", "PATH", help: "append one JSON line per epoch, and per step line (losses, accuracies, seconds, tokens/s, lr)"),
        .text("--plot", "PATH.svg", help: "draw the learning curves (accuracy and loss per epoch) after every epoch"),
        .text("--summary", "PATH", help: "at the end, write one JSON object: the kept epoch, validation and test figures, "
              + "tokens/s, peak memory and the run record (for scripts)"),
        .text("--run-name", "NAME", shown: "the task and batching, e.g. 'classify bucketed'", help: "the run's name in --metrics and --plot"),
        .flag("--quiet", help: "print only the epoch and step lines, and the final result"),
    ]

    /// The command that trains (classify, count-ones, charlm ...).
    var command: String
    var savePath: String?
    var saveBest: Bool
    var metricsPath: String?, plotPath: String?, summaryPath: String?
    var runName: String
    var quiet: Bool
    var resumed: (path: String, checkpoint: Checkpoint, record: RunRecord)?

    /// Every output path is checked now: an unwritable one is refused before
    /// an hour of training, not after.
    init(_ o: ParsedOptions, command: String, runName defaultName: String) throws {
        self.command = command
        savePath = o.string("--save")
        saveBest = o.flag("--save-best")
        metricsPath = o.string("--metrics")
        plotPath = try LearningCurves.checkedPath(o.string("--plot"), option: "--plot")
        summaryPath = o.string("--summary")
        let paths = [savePath, metricsPath, plotPath, summaryPath].compactMap { $0 }
        if Set(paths).count != paths.count { throw UsageError("the output files must differ: \(paths.joined(separator: ", "))") }
        for path in paths { try AtomicFile.checkWritable(path: path) }
        if saveBest && savePath == nil { throw UsageError("option --save-best needs --save PATH") }
        runName = o.string("--run-name") ?? defaultName
        quiet = o.flag("--quiet")
        resumed = try o.string("--resume").map { path in
            let checkpoint = try Checkpoint.read(path: path)
            return (path, checkpoint, try checkpoint.record(path: path))
        }
    }
}
