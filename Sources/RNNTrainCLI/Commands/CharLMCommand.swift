import Corpus
import Model

/// `rnntrain charlm`: a character-level language model over a text file,
/// trained with truncated backpropagation through time (char-rnn). Parsing
/// is `CharLMPlan`, the epochs are a `TrainSession` (`CharLMTask`).
enum CharLMCommand {
    /// Flags that describe the network: a resumed run takes it from the checkpoint.
    static let architectureFlags = ["--cell", "--nonlinearity", "--layers", "--layer-norm", "--embed", "--hidden"]

    /// The shared model and training options with the tutorial's defaults
    /// (a 3-layer LSTM of 100 units, no dropout, 32 streams of 200 characters).
    static var options: [OptionSpec] {
        let model = ModelOptions.specs(.seq2seq).filter { $0.name != "--bidirectional" }.replacing(with: [
            .choice("--cell", "KIND", CellKind.allCases.map(\.rawValue), default: "lstm", help: "recurrent cell: gru, lstm, or rnn (Elman)"),
            .int("--layers", 1 ... 64, default: "3", help: "stacked recurrent layers"),
            .int("--hidden", 1 ... 4096, default: "100", help: "state size H of every layer"),
            .int("--embed", 1 ... 4096, shown: "the --hidden size", help: "embedding size E"),
            .number("--keep-prob", "P", 0 ... 1, above: true, default: "1", help: "dropout keep probability on the top layer's output (1 = no dropout)"),
        ])
        let shared = Dictionary(uniqueKeysWithValues: TrainCommand.trainingSpecs.map { ($0.name, $0) })
        return [
            .text("--text", "PATH", help: "the training text, UTF-8 (required); its distinct characters are the vocabulary"),
            .number("--val-fraction", "F", 0 ... 0.9, default: "0.1", help: "share of the text, at its end, held out for validation (0: none)"),
            .int("--batch-size", 1 ... 1_000_000, default: "32", help: "contiguous streams the text is cut into, trained side by side"),
            .int("--window", 1 ... 1_000_000, default: "200", help: "characters per window (truncated backpropagation length)").aliased("--steps"),
            .int("--epochs", 1 ... 1_000_000, default: "3", help: "passes over the training text"),
        ] + model + [
            shared["--clip"]!,
            .seed(help: "seed of every random choice (init, dropout, samples)"),
            shared["--threads"]!.helping("threads running the shares of the streams"),
            shared["--shards"]!,
            .int("--sample-length", 0 ... 100_000, default: "100", help: "characters sampled after every epoch (0: none)"),
            shared["--save"]!.helping("write the model (safetensors, PyTorch names, the characters) after every epoch"),
            shared["--save-best"]!,
            shared["--resume"]!.helping("continue the run saved in PATH (weights, optimizer, epoch, stream position, state)"),
            shared["--metrics"]!.helping("append one JSON line per epoch (losses, next-character accuracies, seconds, chars/s)"),
            shared["--plot"]!.helping("draw the learning curves after every epoch"),
            shared["--summary"]!,
            shared["--run-name"]!.defaulting(to: "charlm"),
            shared["--quiet"]!.helping("print only the epoch lines"),
        ]
    }

    static let about = """
        Trains embedding -> recurrent layers -> linear to predict the next character of a
        text (char-rnn). The text is cut into --batch-size contiguous streams read in
        windows of --window characters; each window starts from the state the previous one
        ended in (no gradient flows back across it), and the state is zero at the start of
        every epoch. Prints per epoch the loss per character (nats), bits per character,
        perplexity and characters/s, for training and the held-out end of the text, and
        a sample. Generate text from a saved model with 'rnntrain generate'.
        """

    static func run(_ o: ParsedOptions, _ console: Console) throws -> Int32 {
        try DataParallel.run(console) { console, group in
            var plan = try CharLMPlan(options: o)
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
    var training: TrainingOptions
    var windows: WindowOptions
    var settings: RunSettings
    /// --save, --metrics, --plot, --summary, --resume, --quiet.
    var outputs: RunOutputs
    var sampleLength: Int

    init(options o: ParsedOptions) throws {
        guard let path = o.string("--text") else { throw UsageError("option --text is required (a UTF-8 text file)") }
        textPath = path
        outputs = try RunOutputs(o, command: "charlm", runName: "charlm")
        sampleLength = try o.int("--sample-length")
        if let (p, _, record) = outputs.resumed, record.settings.charLM == nil {
            throw DataError(file: p, line: 0, "not a character language model (it was trained by rnntrain \(record.model.task.rawValue))")
        }
        let saved = outputs.resumed?.record
        text = try CharText.load(path: path)
        let fraction = try o.double("--val-fraction", recorded: saved?.settings.charLM?.validationFraction)
        validationCount = Int((Double(text.count) * fraction).rounded())
        trainCount = text.count - validationCount
        if outputs.saveBest && validationCount == 0 { throw UsageError("option --save-best keeps the lowest validation loss; it needs --val-fraction above 0") }
        let seed = try o.seed(recorded: saved?.settings.seed)
        (training, windows) = try CharLMPlan.options(o, seed: seed, saved: saved)
        model = try CharLMPlan.modelSpec(o, characters: text.vocabulary.count, saved: saved)
        if let saved, saved.settings.charLM?.characters != text.vocabulary.characters {
            throw DataError(file: path, line: 0, "this text's characters differ from those of \(outputs.resumed!.path); resume on the same text")
        }
        settings = RunSettings()
        settings.seed = seed
        settings.testFraction = fraction
        settings.batchSize = windows.streams
        settings.batching = .streams
        settings.clipNorm = training.clipNorm
        settings.shards = training.shards
        settings.data = path
        settings.maxLength = windows.steps
        settings.command = (["rnntrain", "charlm"] + o.arguments).joined(separator: " ")
        settings.charLM = CharLMSettings(characters: text.vocabulary.characters, steps: windows.steps, validationFraction: fraction)
        try checkSizes()
    }

    /// The text must give every stream at least one whole window.
    func checkSizes() throws {
        let need = windows.streams * (windows.steps + 1)
        if trainCount < need {
            throw DataError(file: textPath, line: 0, "the text has \(Format.grouped(trainCount)) characters for training but "
                + "--batch-size \(windows.streams) x (--window \(windows.steps) + 1) needs at least \(Format.grouped(need)); "
                + "lower --batch-size or --window")
        }
        try TrainPlan.checkMemory(model: model, options: training, rows: windows.streams, length: windows.steps)
    }

    static func options(_ o: ParsedOptions, seed: UInt64, saved: RunRecord?) throws -> (TrainingOptions, WindowOptions) {
        var t = TrainingOptions(), w = WindowOptions()
        t.epochs = try o.int("--epochs")
        w.streams = try o.int("--batch-size", recorded: saved?.settings.batchSize)
        w.steps = try o.int("--window", recorded: saved?.settings.charLM?.steps)
        if let saved, !ModelOptions.optimizerFlags.contains(where: o.has) { t.optimizer = saved.optimizer } else { t.optimizer = try ModelOptions.optimizerSpec(o) }
        t.clipNorm = try o.optionalDouble("--clip").map(Float.init) ?? saved?.settings.clipNorm
        t.seed = seed
        t.threads = try TrainPlan.threads(o)
        t.shards = try o.int("--shards", recorded: saved?.settings.shards)
        if let saved, saved.progress.partial != nil,
           saved.settings.batchSize != w.streams || saved.settings.charLM?.steps != w.steps {
            throw UsageError("the run was interrupted mid-epoch with --batch-size \(saved.settings.batchSize) --window "
                + "\(saved.settings.charLM?.steps ?? 0); resume it with the same")
        }
        return (t, w)
    }

    /// The network: from the flags (with the tutorial's defaults), or the
    /// saved one when resuming (architecture flags given then must match it).
    static func modelSpec(_ o: ParsedOptions, characters v: Int, saved: RunRecord?) throws -> ModelSpec {
        var s = try ModelOptions.modelSpec(o, task: .seq2seq, vocabularySize: v, classes: v)
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
