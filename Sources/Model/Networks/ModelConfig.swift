/// What a network predicts.
public enum Task: String, Sendable, CaseIterable {
    /// One class per sequence, read from the last relevant output (step length-1).
    case classify
    /// One class per step; loss and accuracy over real steps only.
    case seq2seq
}

/// The architecture of a sequence network. Defaults follow the reference
/// tutorial: embedding 64, GRU 64, dropout keep 0.6 on the GRU outputs.
public struct ModelConfig: Equatable, Sendable {
    public var task: Task
    public var vocabularySize: Int
    public var embedDim: Int
    public var hiddenSize: Int
    public var numClasses: Int
    public var keepProb: Float

    public init(task: Task = .classify, vocabularySize: Int = 10_000, embedDim: Int = 64,
                hiddenSize: Int = 64, numClasses: Int = 6, keepProb: Float = 0.6) {
        self.task = task
        self.vocabularySize = vocabularySize
        self.embedDim = embedDim
        self.hiddenSize = hiddenSize
        self.numClasses = numClasses
        self.keepProb = keepProb
    }
}
