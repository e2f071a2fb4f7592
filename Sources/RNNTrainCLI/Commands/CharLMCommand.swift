import Corpus
import Model

/// `rnntrain charlm`: a character-level language model over a text file,
/// trained with truncated backpropagation through time (char-rnn). Parsing
/// is `CharLMPlan`, the epochs are a `TrainSession` (`CharLMTask`).
enum CharLMCommand {
    /// Model flags whose defaults differ from classify's (the tutorial's network).
    static let modelDefaults = ["--cell": "lstm", "--layers": "3", "--hidden": "100", "--embed": "the --hidden size",
                                "--keep-prob": "1"]
    /// Flags that describe the network: a resumed run takes it from the checkpoint.
    static let architectureFlags = ["--cell", "--nonlinearity", "--layers", "--layer-norm", "--embed", "--hidden"]

    static var specs: [OptionSpec] {
        let model = ModelOptions.specs(.seq2seq).filter { $0.name != "--bidirectional" }.map { s -> OptionSpec in
            var s = s
            if let d = modelDefaults[s.name] { s.defaultText = d }
            if s.name == "--keep-prob" { s.help = "dropout keep probability on the top layer's output (1 = no dropout)" }
            return s
        }
        return [
            OptionSpec("--text", "PATH", help: "the training text, UTF-8 (required); its distinct characters are the vocabulary"),
            OptionSpec("--val-fraction", "F", help: "share of the text, at its end, held out for validation (0: none)", default: "0.1"),
            OptionSpec("--batch-size", "N", help: "contiguous streams the text is cut into, trained side by side", default: "32"),
            OptionSpec("--steps", "N", help: "characters per window (truncated backpropagation length)", default: "200"),
            OptionSpec("--epochs", "N", help: "passes over the training text", default: "3"),
        ] + model + [
            OptionSpec("--clip", "X", help: "clip the global gradient norm to X", default: "off"),
            OptionSpec("--seed", "N", help: "seed of every random choice (init, dropout, samples)", default: "1"),
            OptionSpec("--threads", "N", help: "threads running the shares of the streams", default: "the number of cores"),
            TrainCommand.shardsSpec,
            OptionSpec("--sample-length", "N", help: "characters sampled after every epoch (0: none)", default: "100"),
            OptionSpec("--save", "PATH", help: "write the model (safetensors, PyTorch names, the characters) after every epoch"),
            OptionSpec("--save-best", help: "with --save: keep only the epoch with the lowest validation loss"),
            OptionSpec("--resume", "PATH", help: "continue the run saved in PATH (weights, optimizer, epoch, stream position, state)"),
            OptionSpec("--metrics", "PATH", help: "append one JSON line per epoch (losses, next-character accuracies, seconds, chars/s)"),
            OptionSpec("--plot", "PATH.svg", help: "draw the learning curves after every epoch"),
            OptionSpec("--run-name", "NAME", help: "the run's name in --metrics and --plot", default: "charlm"),
            OptionSpec("--quiet", help: "print only the epoch lines"),
        ]
    }

    static var help: String {
        helpText(usage: "rnntrain charlm --text FILE [options]",
                 summary: """
                 Trains embedding -> recurrent layers -> linear to predict the next character of a
                 text (char-rnn). The text is cut into --batch-size contiguous streams read in
                 windows of --steps characters; each window starts from the state the previous one
                 ended in (no gradient flows back across it), and the state is zero at the start of
                 every epoch. Prints per epoch the loss per character (nats), bits per character,
                 perplexity and characters/s, for training and the held-out end of the text, and
                 a sample. Generate text from a saved model with 'rnntrain generate'.
                 """,
                 specs: specs, footer: "Same seed and shard count give identical output on any --threads and MPI ranks, run after run.")
    }

    static func run(_ arguments: [String], _ console: Console) throws -> Int32 {
        try DataParallel.run(console) { console, group in
            var plan = try CharLMPlan(arguments: arguments)
            try plan.spread(over: group)
            return try TrainSession(plan: plan, console: console).run()
        }
    }
}

/// `charlm`'s flags, checked: the text and its split, the model, the
/// options, the outputs, and the checkpoint to resume.
struct CharLMPlan {
    var textPath: String
    var text: CharText
    var trainCount: Int, validationCount: Int
    var model: ModelSpec
    var options: TrainingOptions
    var windows: WindowOptions
    var settings: RunSettings
    var savePath: String?, saveBest: Bool
    var metricsPath: String?, plotPath: String?
    var runName: String
    var quiet: Bool
    var sampleLength: Int
    var resumed: (path: String, checkpoint: Checkpoint, record: RunRecord)?

    init(arguments: [String]) throws {
        let o = try ParsedOptions.parse(arguments, specs: CharLMCommand.specs)
        guard let path = o.string("--text") else { throw UsageError("option --text is required (a UTF-8 text file)") }
        textPath = path
        savePath = o.string("--save"); saveBest = o.flag("--save-best")
        metricsPath = o.string("--metrics"); plotPath = try LearningCurves.checkedPath(o.string("--plot"), option: "--plot")
        for p in [savePath, metricsPath, plotPath].compactMap({ $0 }) { try AtomicFile.checkWritable(path: p) }
        if saveBest && savePath == nil { throw UsageError("option --save-best needs --save PATH") }
        runName = o.string("--run-name") ?? "charlm"
        quiet = o.flag("--quiet")
        sampleLength = try o.int("--sample-length", default: 100, min: 0, max: 100_000)
        resumed = try o.string("--resume").map { p in
            let checkpoint = try Checkpoint.read(path: p)
            let record = try checkpoint.record(path: p)
            guard record.settings.charLM != nil else { throw DataError(file: p, line: 0, "not a character language model (it was trained by rnntrain \(record.model.task.rawValue))") }
            return (p, checkpoint, record)
        }
        let saved = resumed?.record
        text = try CharText.load(path: path)
        let fraction = try o.double("--val-fraction", default: saved?.settings.charLM?.validationFraction ?? 0.1, min: 0, max: 0.9)
        validationCount = Int((Double(text.count) * fraction).rounded())
        trainCount = text.count - validationCount
        if saveBest && validationCount == 0 { throw UsageError("option --save-best keeps the lowest validation loss; it needs --val-fraction above 0") }
        let seed = try o.seed("--seed", default: saved?.settings.seed ?? 1)
        (options, windows) = try CharLMPlan.options(o, seed: seed, saved: saved)
        model = try CharLMPlan.modelSpec(o, arguments: arguments, characters: text.vocabulary.count, saved: saved)
        if let saved, saved.settings.charLM?.characters != text.vocabulary.characters {
            throw DataError(file: path, line: 0, "this text's characters differ from those of \(resumed!.path); resume on the same text")
        }
        settings = RunSettings()
        settings.seed = seed
        settings.testFraction = fraction
        settings.batchSize = windows.streams
        settings.batching = "streams"
        settings.clipNorm = options.clipNorm
        settings.shards = options.shards
        settings.data = path
        settings.maxLength = windows.steps
        settings.command = (["rnntrain", "charlm"] + arguments).joined(separator: " ")
        settings.charLM = CharLMSettings(characters: text.vocabulary.characters, steps: windows.steps, validationFraction: fraction)
        try checkSizes()
    }

    /// The text must give every stream at least one whole window.
    func checkSizes() throws {
        let need = windows.streams * (windows.steps + 1)
        if trainCount < need {
            throw DataError(file: textPath, line: 0, "the text has \(Format.grouped(trainCount)) characters for training but "
                + "--batch-size \(windows.streams) x (--steps \(windows.steps) + 1) needs at least \(Format.grouped(need)); "
                + "lower --batch-size or --steps")
        }
        try TrainPlan.checkMemory(model: model, options: options, rows: windows.streams, length: windows.steps)
    }

    static func options(_ o: ParsedOptions, seed: UInt64, saved: RunRecord?) throws -> (TrainingOptions, WindowOptions) {
        var t = TrainingOptions(), w = WindowOptions()
        t.epochs = try o.int("--epochs", default: 3, min: 1, max: 1_000_000)
        w.streams = try o.int("--batch-size", default: saved?.settings.batchSize ?? 32, min: 1, max: 1_000_000)
        w.steps = try o.int("--steps", default: saved?.settings.charLM?.steps ?? 200, min: 1, max: 1_000_000)
        let optimizerFlags = ["--optimizer", "--lr", "--momentum", "--alpha", "--eps", "--centered", "--nesterov"]
        if let saved, !optimizerFlags.contains(where: o.has) { t.optimizer = saved.optimizer } else { t.optimizer = try ModelOptions.optimizerSpec(o) }
        if o.has("--clip") { t.clipNorm = Float(try o.double("--clip", default: 0, min: 0, exclusiveMin: true)) } else { t.clipNorm = saved?.settings.clipNorm }
        t.seed = seed
        t.threads = try o.int("--threads", default: TrainCommand.defaultThreads(), min: 1, max: 256)
        t.shards = try TrainCommand.shards(o, recorded: saved?.settings.shards)
        if let saved, saved.progress.partial != nil,
           saved.settings.batchSize != w.streams || saved.settings.charLM?.steps != w.steps {
            throw UsageError("the run was interrupted mid-epoch with --batch-size \(saved.settings.batchSize) --steps "
                + "\(saved.settings.charLM?.steps ?? 0); resume it with the same")
        }
        return (t, w)
    }

    /// The network: from the flags (with the tutorial's defaults), or the
    /// saved one when resuming (architecture flags given then must match it).
    static func modelSpec(_ o: ParsedOptions, arguments: [String], characters v: Int, saved: RunRecord?) throws -> ModelSpec {
        // The tutorial's defaults go first: the user's flags, later, win.
        let defaults = ["--cell", "lstm", "--layers", "3", "--hidden", "100", "--keep-prob", "1"]
        let withDefaults = try ParsedOptions.parse(defaults + arguments, specs: CharLMCommand.specs)
        var s = try ModelOptions.modelSpec(withDefaults, task: .seq2seq, vocabularySize: v, classes: v)
        if !o.has("--embed") { s.embedDim = s.hiddenSize }
        if let saved {
            let labels = ["--cell": "cell", "--nonlinearity": "nonlinearity", "--layers": "layers", "--layer-norm": "layer norm",
                          "--embed": "embedding", "--hidden": "hidden"]
            let given = CharLMCommand.architectureFlags.filter(o.has).compactMap { labels[$0] }
            let differ = s.differences(from: saved.model).filter { d in given.contains { d.hasPrefix($0 + " ") } }
            guard differ.isEmpty else {
                throw UsageError("--resume continues the saved network; these flags differ from it (flags vs checkpoint: "
                    + differ.joined(separator: ", ") + ")")
            }
            let keep = s.keepProb, layerKeep = s.layerKeepProb
            s = saved.model
            if o.has("--keep-prob") { s.keepProb = keep }
            if o.has("--layer-keep") { s.layerKeepProb = layerKeep }
        }
        if let problem = s.problem { throw UsageError(problem) }
        return s
    }
}
