/// How to train, for every task: the hyperparameters that are neither the
/// architecture nor the batches (those are the batch source's:
/// `SentenceOptions`, `WindowOptions`).
public struct TrainingOptions: Sendable {
    public var epochs = 10
    public var optimizer = OptimizerSpec()
    /// Clip the global gradient norm to this value (off when nil).
    public var clipNorm: Float?
    public var seed: UInt64 = 1
    /// Threads that run the batch's shards (each runs single-threaded BLAS).
    public var threads = 1
    /// S, the shards every batch is cut into (`ShardLayout`): the same S
    /// gives the same bits on any threads and ranks. nil: the batch
    /// source's default (one shard per thread of every rank, at most one per
    /// text stream).
    public var shards: Int?
    /// The learning rate per update (`optimizer.learningRate` is its base).
    public var schedule = LearningRateSchedule()
    /// Training stops before the update after this optimizer step
    /// (`StopReason.stepLimit`); nil: no limit.
    public var stepLimit: Int?
    /// The ranks of a data-parallel run (nil: this process alone). Each rank
    /// runs S / size of the shards every batch is dealt to.
    public var group: (any RankGroup)?

    public init() {}

    /// S with one shard per thread of every rank, unless `shards` says.
    public var shardCount: Int { shards ?? threads * (group?.size ?? 1) }
}

/// Why an epoch's training loop ended.
public enum StopReason: Equatable, Sendable {
    /// Every batch trained, and the held-out figures evaluated.
    case finished
    /// `shouldStop` asked (Ctrl-C, a failed step output), on any rank.
    case asked
    /// The optimizer reached `TrainingOptions.stepLimit`.
    case stepLimit
    /// The loss of this 1-based batch was NaN or infinite.
    case nonFinite(batch: Int)
}

/// The figures of one epoch.
public struct EpochStats: Sendable {
    public var epoch: Int
    public var trainLoss: Double
    public var trainAccuracy: Double
    /// The test figures as the batch source scores them (NaN when it has
    /// no test data or the epoch did not finish).
    public var testLoss = Double.nan
    public var testAccuracy = Double.nan
    /// The validation figures (NaN without validation data).
    public var valLoss = Double.nan
    public var valAccuracy = Double.nan
    /// Wall time of the training batches (evaluation excluded).
    public var trainSeconds: Double
    public var evalSeconds: Double
    /// Real (unpadded) training tokens.
    public var tokens: Int
    public var batches: Int
    /// Share of a padded [B x T] batch that would be padding, over the epoch.
    public var paddingShare: Double
    /// The running sums when training stopped; `tally.batchesDone` equals
    /// `batches` when the epoch finished.
    public var tally: EpochTally
    public var stop: StopReason
    /// True when the epoch ended early (no evaluation then).
    public var interrupted: Bool { stop != .finished }
    /// The 1-based batch whose loss was NaN or infinite (training stopped there).
    public var nonFiniteBatch: Int? {
        if case .nonFinite(let batch) = stop { return batch }
        return nil
    }
    public var tokensPerSecond: Double { trainSeconds > 0 ? Double(tokens) / trainSeconds : 0 }
}

/// The running sums of a partly trained epoch: what an interrupted run saves
/// so that the resumed epoch reports the same figures as an uninterrupted one.
public struct EpochTally: Sendable, Equatable, Codable {
    public var batchesDone = 0
    public var lossSum = 0.0
    public var correct = 0
    public var scored = 0
    public var tokens = 0
    public var padded = 0
    public var seconds = 0.0

    public init() {}

    /// `batches=12 loss_sum=... correct=... scored=... tokens=... padded=... seconds=...`;
    /// doubles print in Swift's shortest round-trip form, so decoding is exact.
    public var encoded: String {
        "batches=\(batchesDone) loss_sum=\(lossSum) correct=\(correct) scored=\(scored) tokens=\(tokens) padded=\(padded) seconds=\(seconds)"
    }

    public init?(encoded: String) {
        var fields: [Substring: Substring] = [:]
        for part in encoded.split(separator: " ") {
            let kv = part.split(separator: "=", maxSplits: 1)
            guard kv.count == 2 else { return nil }
            fields[kv[0]] = kv[1]
        }
        guard let b = fields["batches"].flatMap({ Int($0) }), b >= 0,
              let l = fields["loss_sum"].flatMap({ Double($0) }),
              let c = fields["correct"].flatMap({ Int($0) }), let s = fields["scored"].flatMap({ Int($0) }),
              let t = fields["tokens"].flatMap({ Int($0) }), let p = fields["padded"].flatMap({ Int($0) }),
              let sec = fields["seconds"].flatMap({ Double($0) }) else { return nil }
        batchesDone = b; lossSum = l; correct = c; scored = s; tokens = t; padded = p; seconds = sec
    }

    /// Mean loss and accuracy of the sums so far.
    public var meanLoss: Double { lossSum / Double(max(scored, 1)) }
    public var accuracy: Double { Double(correct) / Double(max(scored, 1)) }
}

/// Progress inside an epoch, for a progress bar.
public struct BatchProgress: Sendable {
    public var batch: Int
    public var batches: Int
    public var runningLoss: Double
    public var runningAccuracy: Double
    public var elapsedSeconds: Double
    /// The epoch's running sums after this batch (what a mid-epoch checkpoint saves).
    public var tally: EpochTally
}

/// Loss and accuracy of a held-out set: per row or real token (sentences),
/// per character (text); `count` items scored.
public struct HeldOutFigures: Sendable {
    public var loss = Double.nan
    public var accuracy = Double.nan
    public var count = 0

    public init(loss: Double = .nan, accuracy: Double = .nan, count: Int = 0) {
        (self.loss, self.accuracy, self.count) = (loss, accuracy, count)
    }
}
