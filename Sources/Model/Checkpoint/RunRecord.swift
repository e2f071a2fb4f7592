import Corpus

/// Everything a checkpoint records besides its tensors, stored as one JSON
/// entry (`run`) of the safetensors `__metadata__`: the model, the
/// optimizer, how the run was set up, and how far it got. Resume, predict
/// and eval read it without knowing which cell or optimizer it describes.
public struct RunRecord: Codable, Equatable, Sendable {
    public var model: ModelSpec
    public var optimizer: OptimizerSpec
    public var settings: RunSettings
    public var progress: RunProgress

    public init(model: ModelSpec, optimizer: OptimizerSpec, settings: RunSettings, progress: RunProgress) {
        self.model = model
        self.optimizer = optimizer
        self.settings = settings
        self.progress = progress
    }
}

/// How the run was set up: what a resumed run or `eval --split test` needs
/// to see the same data in the same order.
public struct RunSettings: Codable, Equatable, Sendable {
    public var seed: UInt64 = 1
    public var testFraction = 0.2
    public var batchSize = 256
    public var batching = Batching.padded
    public var clipNorm: Float?
    /// S, the shards every batch was cut into (`ShardLayout`); nil: one per
    /// thread of every rank.
    public var shards: Int?
    /// The training data as named to the user ("built-in sample", a path).
    public var data = ""
    public var maxLength = 30
    public var classNames: [String] = []
    /// The vocabulary file the data was made with, when known.
    public var vocab: String?
    /// That vocabulary's `Vocabulary.fingerprint` and token count (a --vocab
    /// file, or the synthetic corpus's); absent in older checkpoints. eval
    /// and predict refuse another vocabulary.
    public var vocabHash: String?
    public var vocabSize: Int?
    /// The command line that started the run.
    public var command = ""
    /// The --embeddings vector file the run started from (absolute path), when any.
    public var embeddings: String?
    // Added with validation and schedules; absent in older checkpoints.
    /// Share of rows held out for validation (model selection).
    public var valFraction: Double?
    public var splitBy: SplitKey?
    /// Validation and test files given instead of fractions.
    public var valData: String?
    public var testData: String?
    /// `--synth-rows`: the synthetic corpus' size (its seed is `seed`).
    public var synthRows: Int?
    /// `--early-stop`: epochs without a better validation loss before stopping.
    public var earlyStop: Int?
    public var schedule: LearningRateSchedule?
    /// Per-class loss weights.
    public var classWeights: [Float]?
    /// Set for a character language model (`rnntrain charlm`): its
    /// characters and how its text was read.
    public var charLM: CharLMSettings?

    public init() {}
}

/// How a run's rows were split: whole posts on one side (`post_id`), or rows alone.
public enum SplitKey: String, Codable, Equatable, Sendable, CaseIterable {
    case postID = "post_id"
    case row
}

/// How a run's batches were drawn. Recorded as the text users see:
/// "padded", "bucketed 5" (five length buckets), "streams" (charlm's
/// contiguous text streams).
public enum Batching: Codable, Equatable, Sendable, CustomStringConvertible {
    case padded
    case bucketed(buckets: Int)
    case streams

    public var description: String {
        switch self {
        case .padded: return "padded"
        case .bucketed(let n): return "bucketed \(n)"
        case .streams: return "streams"
        }
    }

    public init(_ mode: BatchingMode) {
        switch mode {
        case .padded: self = .padded
        case .bucketed(let n): self = .bucketed(buckets: n)
        }
    }

    /// The recorded text back; nil for anything else.
    public init?(recorded text: String) {
        switch text {
        case "padded": self = .padded
        case "streams": self = .streams
        default:
            guard text.hasPrefix("bucketed "), let n = Int(text.dropFirst(9)), n >= 1 else { return nil }
            self = .bucketed(buckets: n)
        }
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let b = Batching(recorded: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown batching '\(text)'"))
        }
        self = b
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// What a character language model needs besides its tensors: the
/// characters (id k = the k-th Unicode scalar of `characters`) and the
/// windows its text was cut into.
public struct CharLMSettings: Codable, Equatable, Sendable {
    public var characters: String
    /// Characters per window (truncated backpropagation length).
    public var steps: Int
    /// Share of the text, at its end, held out for validation.
    public var validationFraction: Double

    public init(characters: String, steps: Int, validationFraction: Double) {
        self.characters = characters
        self.steps = steps
        self.validationFraction = validationFraction
    }
}

/// How far the run got.
public struct RunProgress: Codable, Equatable, Sendable {
    /// Epochs completed.
    public var epoch = 0
    /// Optimizer updates taken.
    public var optimizerStep = 0
    /// The running sums of an interrupted epoch (`epoch + 1`), when saved mid-epoch.
    public var partial: EpochTally?
    /// The sums since the last `--log-every-steps` line, when saved mid-window.
    public var stepWindow: EpochTally?
    public var testAccuracy: Double?
    public var bestEpoch: Int?
    public var bestTestAccuracy: Double?
    public var valLoss: Double?
    public var valAccuracy: Double?
    /// The epoch with the lowest validation loss so far, and that loss.
    public var bestValEpoch: Int?
    public var bestValLoss: Double?
    public var bestValAccuracy: Double?
    /// ReduceLROnPlateau's state after `epoch`.
    public var plateau: PlateauState?

    public init(epoch: Int = 0, optimizerStep: Int = 0) {
        self.epoch = epoch
        self.optimizerStep = optimizerStep
    }

    /// A run without test data (charlm): a `testAccuracy` in its record, as
    /// files of the earlier layout have it, is the validation accuracy.
    public mutating func readAsValidation() {
        guard let accuracy = testAccuracy else { return }
        if valAccuracy == nil { valAccuracy = accuracy }
        testAccuracy = nil
    }
}
