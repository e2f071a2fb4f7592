import Corpus
import Model
import TensorCore
#if canImport(Glibc)
import Glibc
#endif

/// `rnntrain classify` and `rnntrain seq2seq`: load, split, batch, train,
/// and print one line per epoch.
enum TrainCommand {
    static func specs(_ task: Task) -> [OptionSpec] {
        DataOptions.specs + [
            OptionSpec("--epochs", "N", help: "passes over the training rows", default: "10"),
            OptionSpec("--batch-size", "N", help: "rows per batch", default: "256"),
            OptionSpec("--embed", "N", help: "embedding size E", default: "64"),
            OptionSpec("--hidden", "N", help: "GRU state size H", default: "64"),
            OptionSpec("--lr", "X", help: "Adam learning rate", default: "1e-4"),
            OptionSpec("--keep-prob", "P", help: "dropout keep probability on the GRU outputs (1 = no dropout)", default: "0.6"),
            OptionSpec("--clip", "X", help: "clip the global gradient norm to X", default: "off"),
            OptionSpec("--bucketed", help: "draw batches from length buckets (less padding) instead of random batches"),
            OptionSpec("--buckets", "N", help: "number of length buckets; implies --bucketed", default: "5"),
            OptionSpec("--test-fraction", "F", help: "share of rows held out for testing", default: "0.2"),
            OptionSpec("--seed", "N", help: "seed of every random choice (split, init, order, dropout)", default: "1"),
            OptionSpec("--threads", "N", help: "workers splitting each batch", default: "the number of cores"),
            OptionSpec("--save", "PATH", help: "write the model (safetensors, PyTorch names) after every epoch"),
            OptionSpec("--save-best", help: "with --save: keep only the epoch with the best test accuracy"),
            OptionSpec("--resume", "PATH", help: "continue the run saved in PATH (weights, Adam state, epoch, data order)"),
            OptionSpec("--metrics", "PATH", help: "append one JSON line per epoch (losses, accuracies, seconds, tokens/s, lr)"),
            OptionSpec("--plot", "PATH.svg", help: "draw the learning curves (accuracy and loss per epoch) after every epoch"),
            OptionSpec("--run-name", "NAME", help: "the run's name in --metrics and --plot", default: "the task and batching, e.g. 'classify bucketed'"),
            OptionSpec("--quiet", help: "print only the epoch lines"),
        ]
    }

    static func help(_ task: Task) -> String {
        let summary = task == .classify
            ? "Trains embedding -> GRU -> dropout -> linear on the last relevant output of each\nsequence and prints train/test accuracy per epoch."
            : "Trains embedding -> GRU -> dropout -> linear predicting the class at every step;\nloss and accuracy count real tokens only (padding is masked)."
        return helpText(usage: "rnntrain \(task.rawValue) [options]", summary: summary, specs: specs(task),
                        footer: "Same seed and thread count give identical output, run after run.")
    }

    static func run(task: Task, _ arguments: [String], _ console: Console) throws -> Int32 {
        let o = try ParsedOptions.parse(arguments, specs: specs(task))
        let savePath = o.string("--save")
        let metricsPath = o.string("--metrics"), plotPath = o.string("--plot")
        // An unwritable output is refused now, not after an hour of training.
        for path in [savePath, metricsPath, plotPath].compactMap({ $0 }) { try AtomicFile.checkWritable(path: path) }
        if o.flag("--save-best") && savePath == nil { throw UsageError("option --save-best needs --save PATH") }
        let resumed = try o.string("--resume").map { path in (path, try Checkpoint.read(path: path)) }
        // A resumed run keeps its seed (hence its split and data order) unless told otherwise.
        let seed = try o.seed("--seed", default: resumed.flatMap { UInt64($0.1.metadata["seed"] ?? "") } ?? 1)
        let data = try DataOptions(o, synthSeed: seed)
        var options = TrainingOptions()
        options.epochs = try o.int("--epochs", default: 10, min: 1, max: 1_000_000)
        options.batchSize = try o.int("--batch-size", default: 256, min: 1, max: 1_000_000)
        let embed = try o.int("--embed", default: 64, min: 1, max: 4096)
        let hidden = try o.int("--hidden", default: 64, min: 1, max: 4096)
        options.learningRate = Float(try o.double("--lr", default: 1e-4, min: 0, max: 10, exclusiveMin: true))
        let keep = Float(try o.double("--keep-prob", default: 0.6, min: 0, max: 1, exclusiveMin: true))
        if o.has("--clip") { options.clipNorm = Float(try o.double("--clip", default: 0, min: 0, exclusiveMin: true)) }
        let bucketed = o.flag("--bucketed") || o.has("--buckets")
        let buckets = try o.int("--buckets", default: 5, min: 1, max: 100_000)
        options.mode = bucketed ? .bucketed(buckets: buckets) : .padded
        let testFraction = try o.double("--test-fraction", default: 0.2, min: 0, max: 0.99)
        options.seed = seed
        options.threads = try o.int("--threads", default: defaultThreads(), min: 1, max: 256)
        options.maxLength = data.maxLength
        let quiet = o.flag("--quiet")

        let loaded = try data.load()
        let corpus = loaded.corpus
        let (trainRows, testRows) = shuffledSplit(count: corpus.count, testFraction: testFraction, seed: seed)
        guard !trainRows.isEmpty else { throw UsageError("no training rows left after holding out --test-fraction \(testFraction)") }

        let config = ModelConfig(task: task, vocabularySize: corpus.vocabularySize, embedDim: embed,
                                 hiddenSize: hidden, numClasses: corpus.numClasses, keepProb: keep)
        try checkMemory(config: config, options: options)
        let network = SequenceNetwork(config: config, seed: seed)
        let trainer = Trainer(network: network, corpus: corpus, trainRows: trainRows, testRows: testRows, options: options)

        var firstEpoch = 1
        var partial = EpochTally()
        if let (path, checkpoint) = resumed {
            try checkpoint.restore(into: network, optimizer: trainer.optimizer, path: path)
            firstEpoch = checkpoint.epoch + 1
            if let text = checkpoint.metadata["epoch_partial"] {
                guard let t = EpochTally(encoded: text) else { throw DataError(file: path, line: 0, "unreadable epoch_partial metadata '\(text)'") }
                partial = t
            }
            guard firstEpoch <= options.epochs else {
                throw UsageError("\(path) is already at epoch \(checkpoint.epoch); ask for more --epochs to continue")
            }
        }
        let batching = bucketed ? "bucketed \(buckets)" : "padded"
        let runName = o.string("--run-name") ?? "\(task.rawValue) \(bucketed ? "bucketed" : "padded")"
        let extra = ["seed": "\(seed)", "test_fraction": "\(testFraction)", "batch_size": "\(options.batchSize)",
                     "batching": batching, "data": loaded.name, "max_len": "\(options.maxLength)",
                     "class_names": corpus.classNames.joined(separator: "|"), "vocab": data.vocabPath ?? "",
                     "command": (["rnntrain", task.rawValue] + arguments).joined(separator: " ")]

        if !quiet { printSummary(loaded, trainer, console) }
        if let (path, _) = resumed, !quiet {
            console.note("resuming \(path) at epoch \(firstEpoch)" + (partial.batchesDone > 0 ? ", batch \(partial.batchesDone + 1)" : "")
                + " (Adam step \(trainer.optimizer.step))")
        }
        Interruption.install()
        defer { Interruption.uninstall() }
        let unit = task == .classify ? "" : "/token"
        // A resumed run remembers its best epoch, so --save-best never replaces
        // a better model saved before the interruption.
        var best = (epoch: 0, accuracy: -1.0)
        if let (_, checkpoint) = resumed, let e = Int(checkpoint.metadata["best_epoch"] ?? ""),
           let a = Double(checkpoint.metadata["best_test_accuracy"] ?? "") {
            best = (e, a)
        }
        // The epochs the chart shows. With a metrics file it starts with the
        // part of this run written before a resume (read once, here).
        var history: [MetricsRecord] = []
        if plotPath != nil, let metricsPath, fileExists(metricsPath), let all = try? MetricsFile.read(path: metricsPath),
           let last = LearningCurves.series(from: all, fallbackLabel: runName).last?.records,
           let end = last.last, end.run == runName, end.epoch < firstEpoch {
            history = last
        }
        let progress = ProgressBar(console: console, enabled: console.errIsTerminal && !quiet)
        var blasShare = BLASShare(threads: options.threads)
        for epoch in firstEpoch ... options.epochs {
            let s = trainer.trainEpoch(epoch, resuming: epoch == firstEpoch ? partial : EpochTally(),
                                       progress: progress.callback(epoch: epoch, of: options.epochs),
                                       shouldStop: { Interruption.requested })
            progress.clear()
            if let batch = s.nonFiniteBatch {
                // The weights are now poisoned: stop without saving them.
                let kept = savePath.map { fileExists($0) ? "; \($0) keeps the last good epoch" : "" } ?? ""
                throw RuntimeError("epoch \(epoch), batch \(batch): the training loss became \(s.trainLoss.isNaN ? "NaN" : "infinite")"
                    + "; stopped without saving\(kept). Try --clip 5 or a lower --lr (now \(options.learningRate))")
            }
            if s.interrupted {
                var where_ = "epoch \(epoch), after batch \(s.tally.batchesDone) of \(s.batches)"
                if let savePath {
                    var meta = extra
                    meta["epoch_partial"] = s.tally.encoded
                    if best.epoch > 0 { meta["best_epoch"] = "\(best.epoch)"; meta["best_test_accuracy"] = "\(best.accuracy)" }
                    // With --save-best, PATH holds the best model: keep it, and
                    // put the interrupted state beside it.
                    let target = o.flag("--save-best") ? interruptedPath(savePath) : savePath
                    try Checkpoint(network: network, optimizer: trainer.optimizer, epoch: epoch - 1, extra: meta).write(to: target)
                    where_ += "; saved \(target): continue with --resume \(target)"
                } else {
                    where_ += "; nothing saved (use --save PATH to keep progress)"
                }
                console.note("interrupted in \(where_)")
                return RNNTrain.ExitCode.interrupted
            }
            console.line(epochLine(s, of: options.epochs, unit: unit, hasTest: !testRows.isEmpty))
            blasShare.add(epochSeconds: s.trainSeconds + s.evalSeconds)
            let record = MetricsRecord(run: runName, epoch: epoch, trainLoss: s.trainLoss, trainAccuracy: s.trainAccuracy,
                                       testLoss: testRows.isEmpty ? nil : s.testLoss,
                                       testAccuracy: testRows.isEmpty ? nil : s.testAccuracy,
                                       seconds: (s.trainSeconds * 1000).rounded() / 1000,
                                       tokensPerSecond: s.tokensPerSecond.rounded(),
                                       learningRate: Double("\(options.learningRate)"), task: task.rawValue,
                                       batching: batching, batchSize: options.batchSize)
            history.append(record)
            if let metricsPath { try MetricsFile.append(record, to: metricsPath) }
            if let plotPath {
                let chart = LearningCurves(title: "Learning curves: \(runName)",
                                           series: [LearningCurves.Series(label: runName, records: history)])
                try AtomicFile.write(Array(chart.svg().utf8), to: plotPath)
            }
            let improved = s.testAccuracy > best.accuracy
            if improved { best = (epoch, s.testAccuracy) }
            if let savePath, improved || !o.flag("--save-best") {
                var meta = extra
                meta["test_accuracy"] = Format.fixed(s.testAccuracy, 4)
                meta["best_epoch"] = "\(best.epoch)"
                meta["best_test_accuracy"] = "\(best.accuracy)"
                try Checkpoint(network: network, optimizer: trainer.optimizer, epoch: epoch, extra: meta).write(to: savePath)
                if !quiet { console.note("saved \(savePath) (epoch \(epoch))") }
            }
        }
        if let plotPath, !quiet { console.note("learning curves: \(plotPath)") }
        if !quiet && !testRows.isEmpty {
            console.note("best test accuracy\(unit): \(Format.fixed(best.accuracy, 4)) at epoch \(best.epoch)")
        }
        if GEMMClock.isOn { console.note(blasShare.summary) }
        if !quiet { console.note("peak memory: \(Format.fixed(peakResidentMegabytes(), 1)) MB (max resident set)") }
        return RNNTrain.ExitCode.ok
    }

    /// `runs/model.safetensors` -> `runs/model.interrupted.safetensors`.
    static func interruptedPath(_ path: String) -> String {
        let slash = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        if let dot = path[slash...].lastIndex(of: "."), dot > slash {
            return String(path[..<dot]) + ".interrupted" + String(path[dot...])
        }
        return path + ".interrupted"
    }

    static func epochLine(_ s: EpochStats, of epochs: Int, unit: String, hasTest: Bool) -> String {
        let testAcc = hasTest ? Format.fixed(s.testAccuracy, 4) : "n/a"
        let testLoss = hasTest ? Format.fixed(s.testLoss, 4) : "n/a"
        let speed = Format.grouped(Int(s.tokensPerSecond.rounded()))
        var line = "Epoch \(s.epoch)/\(epochs) - train acc\(unit) \(Format.fixed(s.trainAccuracy, 4))"
        line += " - test acc\(unit) \(testAcc) - loss\(unit) \(Format.fixed(s.trainLoss, 4))"
        line += " - test loss\(unit) \(testLoss) - \(Format.duration(s.trainSeconds)) - \(speed) tok/s"
        return line
    }

    static func printSummary(_ loaded: DataOptions.Loaded, _ trainer: Trainer, _ console: Console) {
        let corpus = trainer.corpus
        let o = trainer.options
        let counts = corpus.classCounts()
        let majority = Double(counts.max() ?? 0) / Double(max(corpus.count, 1))
        let lengths = corpus.lengthSummary()
        console.note(loaded.summary)
        console.note("split: \(Format.grouped(trainer.trainRows.count)) train / \(Format.grouped(trainer.testRows.count)) test (seed \(o.seed))")
        console.note("classes: " + zip(corpus.classNames, counts).map { "\($0) \(Format.grouped($1))" }.joined(separator: ", ")
            + " (majority share \(Format.fixed(majority, 4)))")
        console.note("lengths: min \(lengths.min), mean \(Format.fixed(lengths.mean, 1)), max \(lengths.max)")
        let plan = trainer.batches(epoch: 1)
        var real = 0, padded = 0
        for b in plan {
            var longest = 0
            for r in b { real += corpus.length(r); longest = max(longest, corpus.length(r)) }
            padded += longest * b.count
        }
        let modeText: String
        switch o.mode {
        case .padded: modeText = "padded"
        case .bucketed(let n): modeText = "bucketed (\(n) buckets)"
        }
        console.note("batching: \(modeText), batch \(o.batchSize), \(plan.count) batches per epoch, "
            + "padding share \(Format.percent(Double(padded - real) / Double(max(padded, 1)))) (never computed: batches are packed)")
        let c = trainer.network.config
        console.note("model: \(c.task.rawValue), embedding \(c.vocabularySize)x\(c.embedDim), GRU \(c.hiddenSize), "
            + "\(c.numClasses) classes, keep \(Format.fixed(Double(c.keepProb), 2)), \(Format.grouped(trainer.network.parameterCount)) parameters")
        console.note("training: Adam lr \(o.learningRate), \(o.epochs) epochs, \(o.threads) thread\(o.threads == 1 ? "" : "s")"
            + (o.clipNorm.map { ", clip \($0)" } ?? "") + "; BLAS \(BLASEnvironment.summary())")
    }

    /// Refuses, before allocating, a run that cannot fit in this machine's
    /// memory (parameters, Adam's moments, a gradient slab and the batch
    /// buffers per worker), instead of being killed by the kernel later.
    static func checkMemory(config c: ModelConfig, options o: TrainingOptions) throws {
        let params = Double(c.vocabularySize * c.embedDim + 3 * c.hiddenSize * (c.embedDim + c.hiddenSize + 2)
            + c.hiddenSize + c.numClasses * (c.hiddenSize + 1))
        let tokens = Double(o.batchSize) * Double(o.maxLength)
        let perWorker = params + tokens * Double(2 * c.embedDim + 12 * c.hiddenSize + 2 * c.numClasses)
        let need = 4 * (3 * params + Double(o.threads) * perWorker)
        let pages = Double(sysconf(Int32(_SC_PHYS_PAGES))), pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        let have = pages * pageSize
        if have > 0 && need > 0.8 * have {
            throw UsageError("this run needs about \(Format.fixed(need / 1e9, 1)) GB of memory and the machine has "
                + "\(Format.fixed(have / 1e9, 1)) GB; lower --vocab-size, --embed, --hidden, --batch-size or --threads")
        }
    }

    static func defaultThreads() -> Int {
        max(1, min(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), 8))
    }
}

/// The process's peak resident memory so far, in MB (10^6 bytes).
func peakResidentMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) * 1024 / 1e6
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
        return "time in sgemm: \(Format.percent(share)) of \(threads) thread\(threads == 1 ? "" : "s") x "
            + "\(Format.fixed(seconds, 2)) s (\(Format.fixed(inside, 2)) thread-s)"
    }
}
