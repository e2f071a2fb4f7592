/// What a network predicts.
public enum Task: String, Sendable, Codable, CaseIterable {
    /// One class per sequence, from a pooled output (by default the last
    /// relevant one, step length-1).
    case classify
    /// One class per step; loss and accuracy over real steps only.
    case seq2seq
}

/// The recurrent cell of every layer.
public enum CellKind: String, Sendable, Codable, CaseIterable {
    case gru, lstm, rnn

    /// The PyTorch module whose state_dict names the cell's tensors.
    public var module: String { rawValue }
}

/// How the top layer's outputs become the head's input.
public enum Pooling: String, Sendable, Codable, CaseIterable {
    /// Each row's output at its last relevant step (bidirectional: the
    /// forward half there, the reverse half at step 0, as PyTorch's `h_n`).
    case last
    /// Mean over the row's real steps.
    case mean
    /// Element-wise maximum over the row's real steps.
    case max
    /// Every real step is scored on its own (seq2seq).
    case perStep = "per_step"
}

/// The architecture of a sequence network, and the only source of its sizes:
///
///     Embedding [V x E] -> layers x directions of `cell` (H each)
///       -> pooling -> dropout(keep) -> Linear(D*H -> K) -> softmax
///
/// with dropout (`layerKeep`) between stacked layers while training. Stored in
/// checkpoints as JSON; the parameter layout is derived from it
/// (`NetworkArchitecture`). Defaults follow the reference tutorial.
public struct ModelSpec: Equatable, Sendable, Codable {
    public var cell: CellKind = .gru
    /// For `.rnn`: tanh (Elman) or relu, as PyTorch's `nonlinearity`.
    public var nonlinearity: Nonlinearity = .tanh
    public var layers = 1
    public var bidirectional = false
    public var layerNorm = false
    public var vocabularySize = 10_000
    public var embedDim = 64
    public var hiddenSize = 64
    public var numClasses = 6
    public var pooling: Pooling = .last
    /// Keep probability of the dropout on the head's input.
    public var keepProb: Float = 0.6
    /// Keep probability of the dropout between stacked layers.
    public var layerKeepProb: Float = 1

    public init(task: Task = .classify, cell: CellKind = .gru, layers: Int = 1, bidirectional: Bool = false,
                vocabularySize: Int = 10_000, embedDim: Int = 64, hiddenSize: Int = 64, numClasses: Int = 6,
                keepProb: Float = 0.6) {
        self.cell = cell
        self.layers = layers
        self.bidirectional = bidirectional
        self.vocabularySize = vocabularySize
        self.embedDim = embedDim
        self.hiddenSize = hiddenSize
        self.numClasses = numClasses
        self.keepProb = keepProb
        pooling = task == .classify ? .last : .perStep
    }

    public var task: Task { pooling == .perStep ? .seq2seq : .classify }
    public var directions: Int { bidirectional ? 2 : 1 }
    /// Width of the top layer's output: D*H.
    public var outputSize: Int { directions * hiddenSize }

    /// Why this combination cannot be built, or nil when it can.
    public var problem: String? {
        if layers < 1 { return "layers must be at least 1" }
        if vocabularySize < 2 || embedDim < 1 || hiddenSize < 1 || numClasses < 2 { return "sizes must be positive (at least 2 classes and 2 tokens)" }
        if !(keepProb > 0 && keepProb <= 1) || !(layerKeepProb > 0 && layerKeepProb <= 1) { return "keep probabilities must be in (0, 1]" }
        if layerKeepProb < 1 && layers == 1 { return "--layer-keep applies between stacked layers; it needs --layers 2 or more" }
        if nonlinearity == .relu && cell != .rnn { return "--nonlinearity relu applies to --cell rnn only" }
        if layerNorm && cell == .rnn { return "--layer-norm is implemented for the gru and lstm cells" }
        return nil
    }

    /// "GRU 64", "2-layer bidirectional LSTM 128 (layer norm)".
    public var cellDescription: String {
        var s = layers > 1 ? "\(layers)-layer " : ""
        if bidirectional { s += "bidirectional " }
        s += cell == .rnn ? "RNN(\(nonlinearity.rawValue))" : cell.rawValue.uppercased()
        s += " \(hiddenSize)"
        if layerNorm { s += " (layer norm)" }
        return s
    }
}
