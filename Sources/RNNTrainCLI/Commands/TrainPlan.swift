import Cluster
import Corpus
import Model
import TensorCore

/// A training command's flags, checked and turned into what a run needs:
/// the data, the split, the model and optimizer descriptions, the training
/// options, the output paths, and the checkpoint to resume. Everything that
/// can be refused is refused here, before any training.
struct TrainPlan {
    var task: Task
    var loaded: DataOptions.Loaded
    var trainRows: [Int], valRows: [Int], testRows: [Int]
    /// "7,000 train / 1,000 validation / 2,000 test by post_id".
    var splitText: String
    /// The leakage line: held-out rows and posts also in training (nil without held-out rows).
    var overlapText: String?
    var selection: SelectionOptions
    var model: ModelSpec
    var training: TrainingOptions
    var batching: SentenceOptions
    /// The run's settings as a checkpoint records them.
    var settings: RunSettings
    /// --save, --metrics, --plot, --summary, --resume, --quiet.
    var outputs: RunOutputs
    /// --save-best or --early-stop: the kept model is the epoch with the lowest validation loss.
    var selecting: Bool { outputs.saveBest || selection.earlyStop != nil }
    /// Without a terminal: a progress line at most this often in a long epoch
    /// (`RNNTRAIN_PROGRESS_SECONDS`, default 30; 0 turns it off).
    var progressLogSeconds: Double?
    /// `--baseline`: train the baselines (classify only) on the same split.
    var baseline: Bool
    /// `--embeddings`: the vector file and the vocabulary it is matched to.
    var pretrained: (path: String, vocabulary: Vocabulary)?
    /// Step-based intervals, the step limit, and what a step line reports.
    var steps: StepOptions

    /// Where a training command's rows come from, as its flags describe them.
    struct DataSource {
        var maxLength: Int
        var vocabPath: String?
        /// The vocabulary's fingerprint and size, when known (`DataOptions.vocabularyIdentity`).
        var vocabulary: (hash: String, size: Int)? = nil
        /// `--synth-rows`, recorded so eval can regenerate the corpus.
        var synthRows: Int? = nil
        /// Generated data whose held-out rows repeat training rows by design
        /// (count-ones: 50,000 draws of at most 2^15 sequences): reported, not refused.
        var repeatsByDesign = false
        /// The test share of generated data that says how many rows it holds out (count-ones).
        var heldOut: Double? = nil
        var load: () throws -> DataOptions.Loaded
        /// Loads another file with the same options (--val-data, --test-data); nil when the data is generated.
        var loadFile: ((String) throws -> DataOptions.Loaded)? = nil
    }

    init(task: Task, options o: ParsedOptions) throws {
        try self.init(task: task, command: task.rawValue, options: o) { o, seed in
            let data = try DataOptions(o, synthSeed: seed)
            return DataSource(maxLength: data.maxLength, vocabPath: data.vocabPath, vocabulary: data.vocabularyIdentity,
                              synthRows: data.synthRows, load: data.load) { path in
                var d = data
                (d.path, d.synthRows) = (path, nil)
                return try d.load()
            }
        }
    }

    /// The plan of `rnntrain COMMAND` parsed into `o`; `source` describes
    /// the data from the options and the run's seed.
    init(task: Task, command: String, options o: ParsedOptions, source: (ParsedOptions, UInt64) throws -> DataSource) throws {
        self.task = task
        let bucketed = o.flag("--bucketed") || o.has("--buckets")
        outputs = try RunOutputs(o, command: command, runName: command == task.rawValue ? "\(task.rawValue) \(bucketed ? "bucketed" : "padded")" : command)
        let resumed = outputs.resumed
        // A resumed run keeps its seed (hence its split and data order) unless told otherwise.
        let seed = try o.seed(recorded: resumed?.record.settings.seed)
        let data = try source(o, seed)
        (training, batching) = try TrainPlan.trainingOptions(o, seed: seed, maxLength: data.maxLength, resumed: resumed?.record.optimizer,
                                                             recordedShards: resumed?.record.settings.shards)
        pretrained = try EmbeddingOptions.pretrained(o, vocabPath: data.vocabPath, resumed: resumed?.record.settings)
        steps = try StepOptions(o, savePath: outputs.savePath, saveBest: outputs.saveBest)
        var split = try SplitOptions(o, resumed: resumed?.record.settings, heldOut: data.heldOut)
        split.allowOverlap = split.allowOverlap || data.repeatsByDesign
        selection = try SelectionOptions(o, epochs: training.epochs, resumed: resumed?.record.settings)
        progressLogSeconds = TrainPlan.progressLogSeconds(environment: EnvironmentSwitch.progressSeconds.value)
        baseline = try o.choice("--baseline") == "on"
        if task != .classify && baseline { throw UsageError("option --baseline applies to classify") }

        loaded = try data.load()
        let (parts, text, byPost) = try split.apply(to: &loaded, loadFile: data.loadFile, seed: seed)
        splitText = text
        overlapText = try split.checkOverlap(loaded.corpus, parts)
        (trainRows, valRows, testRows) = (parts.train, parts.val, parts.test)
        training.schedule = selection.schedule
        batching.classWeights = try selection.weights(corpus: loaded.corpus, trainRows: trainRows, recorded: resumed?.record.settings.classWeights)
        try TrainPlan.checkSelection(selection, saveBest: outputs.saveBest, hasValidation: !valRows.isEmpty)
        let corpus = loaded.corpus
        model = try ModelOptions.modelSpec(o, task: task, vocabularySize: corpus.vocabularySize, classes: corpus.numClasses)
        try TrainPlan.checkMemory(model: model, options: training, rows: batching.batchSize, length: batching.maxLength)

        settings = TrainPlan.settings(seed: seed, split: split, byPost: byPost, data: data, loaded: loaded, training: training,
                                      batching: batching, selection: selection)
        settings.command = (["rnntrain", command] + o.arguments).joined(separator: " ")
        settings.embeddings = pretrained.map { absolutePath($0.path) } ?? resumed?.record.settings.embeddings
    }

    /// The run's settings as its checkpoints record them (the command line is added by the caller).
    static func settings(seed: UInt64, split: SplitOptions, byPost: Bool, data: DataSource, loaded: DataOptions.Loaded,
                         training: TrainingOptions, batching: SentenceOptions, selection: SelectionOptions) -> RunSettings {
        var settings = RunSettings()
        settings.seed = seed
        settings.testFraction = split.testFraction
        settings.valFraction = split.valFraction
        settings.valData = split.valData
        settings.testData = split.testData
        settings.splitBy = byPost ? .postID : .row
        settings.synthRows = data.synthRows
        settings.earlyStop = selection.earlyStop
        settings.schedule = selection.schedule
        settings.classWeights = batching.classWeights
        settings.batchSize = batching.batchSize
        settings.batching = Batching(batching.mode)
        settings.clipNorm = training.clipNorm
        settings.shards = training.shards
        settings.data = loaded.name
        settings.maxLength = batching.maxLength
        settings.classNames = loaded.corpus.classNames
        settings.vocab = data.vocabPath
        (settings.vocabHash, settings.vocabSize) = (data.vocabulary?.hash, data.vocabulary?.size)
        return settings
    }

    /// `--threads`, or the cores (at most 8) shared among the MPI ranks on this machine.
    static func threads(_ o: ParsedOptions) throws -> Int {
        try o.optionalInt("--threads") ?? max(1, min(Machine.cores, 8) / MPIGroup.ranksOnThisMachine())
    }

    /// 30 s, or the environment's positive number of seconds (0: no lines).
    static func progressLogSeconds(environment value: String?) -> Double? {
        guard let value, let seconds = Double(value), seconds >= 0 else { return 30 }
        return seconds > 0 ? seconds : nil
    }

    /// Selecting an epoch needs validation rows; without them --save-best
    /// would keep an arbitrary epoch.
    static func checkSelection(_ s: SelectionOptions, saveBest: Bool, hasValidation: Bool) throws {
        guard !hasValidation else { return }
        let why = "selects on the validation loss, and this run has no validation rows: set --val-fraction above 0 or give --val-data"
        if saveBest { throw UsageError("option --save-best \(why)") }
        if s.earlyStop != nil { throw UsageError("option --early-stop \(why)") }
        if s.schedule.kind == .plateau { throw UsageError("--lr-schedule plateau \(why)") }
    }

    static func trainingOptions(_ o: ParsedOptions, seed: UInt64, maxLength: Int, resumed: OptimizerSpec? = nil,
                                recordedShards: Int? = nil) throws -> (TrainingOptions, SentenceOptions) {
        var t = TrainingOptions(), b = SentenceOptions()
        t.epochs = try o.int("--epochs")
        b.batchSize = try o.int("--batch-size")
        t.optimizer = try ModelOptions.optimizerSpec(o, resumed: resumed)
        try EmbeddingOptions.apply(o, to: &t.optimizer, resumed: resumed)
        t.clipNorm = try o.optionalDouble("--clip").map(Float.init)
        b.mode = o.flag("--bucketed") || o.has("--buckets") ? .bucketed(buckets: try o.int("--buckets")) : .padded
        t.seed = seed
        t.threads = try TrainPlan.threads(o)
        t.shards = try o.int("--shards", recorded: recordedShards)
        b.maxLength = maxLength
        return (t, b)
    }

    /// Refuses, before allocating, a run that cannot fit in this machine's
    /// memory (parameters, optimizer state, one gradient slab per shard and
    /// the batch buffers, which the shards share), instead of being killed
    /// by the kernel later. `rows` x `length`: the largest batch.
    static func checkMemory(model m: ModelSpec, options o: TrainingOptions, rows: Int, length: Int) throws {
        let params = Double(NetworkArchitecture(m).layout.totalCount)
        let tokens = Double(rows) * Double(length)
        // Per token: embeddings and their gradient, each layer's outputs,
        // gradients and cell scratch (about 16H per direction), the head.
        let perToken = Double(2 * m.embedDim + m.layers * m.directions * m.hiddenSize * 20 + 2 * m.numClasses)
        let need = 4 * (Double(2 + o.optimizer.stateCount + o.shardCount) * params + Double(o.threads) * tokens * perToken)
        let have = Machine.memoryBytes
        if have > 0 && need > 0.8 * have {
            throw UsageError("this run needs about \(Format.fixed(need / 1e9, 1)) GB of memory and the machine has "
                + "\(Format.fixed(have / 1e9, 1)) GB; lower --vocab-size, --embed, --hidden, --layers, --batch-size or --threads")
        }
    }
}
