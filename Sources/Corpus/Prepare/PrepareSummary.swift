/// Settings of `CorpusPreparer`.
public struct PrepareOptions: Sendable {
    /// Lines of the vocabulary: `<UNK>`, `<#>` and the `vocabularySize - 2`
    /// most frequent other tokens.
    public var vocabularySize: Int
    /// Sentences with fewer tokens are dropped.
    public var minLength: Int
    /// Sentences with more tokens are dropped.
    public var maxLength: Int
    /// Files processed at once.
    public var jobs: Int
    /// An existing vocabulary (line k = id k) to tokenize with instead of
    /// choosing one from the counts; nothing is written for it.
    public var vocabulary: [String]?

    public init(vocabularySize: Int = 10_000, minLength: Int = 5, maxLength: Int = 30, jobs: Int = 1) {
        self.vocabularySize = vocabularySize
        self.minLength = minLength
        self.maxLength = maxLength
        self.jobs = jobs
    }
}

/// Where a run is, reported at most ten times a second and after each pass.
public struct PrepareProgress: Sendable {
    /// 1: counting tokens, 2: writing rows.
    public var pass: Int
    public var filesDone: Int
    public var files: Int
    public var bytesDone: Int
    public var posts: Int
    public var sentences: Int
    /// Seconds since the pass started.
    public var seconds: Double
}

/// What a run read, kept and wrote.
public struct PrepareSummary: Sendable {
    public var filesRead = 0
    /// Files not read, per reason (names and unreadable files).
    public var skipped: [SkipReason: Int] = [:]
    public var skippedExamples: [String] = []
    /// Bytes of the files read (once, though they are read twice).
    public var bytesRead = 0
    public var posts = 0
    /// Posts without a single token (empty or whitespace only).
    public var emptyPosts = 0
    public var sentences = 0
    public var sentencesKept = 0
    public var sentencesTooShort = 0
    public var sentencesTooLong = 0
    /// Tokens of the kept sentences, and how many of them are `<UNK>` and `<#>`.
    public var tokensKept = 0
    public var unknownTokens = 0
    public var numberTokens = 0
    /// Distinct tokens in the whole corpus, numbers (`<#>`) aside.
    public var distinctTokens = 0
    /// Lines of the vocabulary file written.
    public var vocabularySize = 0
    public var classNames: [String] = []
    /// Files read per class.
    public var classFiles: [Int] = []
    /// Kept sentences (rows) per class.
    public var classRows: [Int] = []
    /// Bytes of the CSV written.
    public var csvBytes = 0
    public var countSeconds = 0.0
    public var writeSeconds = 0.0
    public var jobs = 1

    public var skippedTotal: Int { skipped.values.reduce(0, +) }
    public var unknownShare: Double { tokensKept > 0 ? Double(unknownTokens) / Double(tokensKept) : 0 }
    public var seconds: Double { countSeconds + writeSeconds }
    /// Corpus megabytes (1e6 bytes) per second over both passes.
    public var megabytesPerSecond: Double { seconds > 0 ? Double(bytesRead) / 1e6 / seconds : 0 }
}
