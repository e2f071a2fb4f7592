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
    /// "padded" or "bucketed N".
    public var batching = "padded"
    public var clipNorm: Float?
    /// The training data as named to the user ("built-in sample", a path).
    public var data = ""
    public var maxLength = 30
    public var classNames: [String] = []
    /// The vocabulary file the data was made with, when known.
    public var vocab: String?
    /// The command line that started the run.
    public var command = ""

    public init() {}
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

    public init(epoch: Int = 0, optimizerStep: Int = 0) {
        self.epoch = epoch
        self.optimizerStep = optimizerStep
    }
}
