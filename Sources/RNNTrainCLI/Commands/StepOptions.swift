import Model

/// Step-based intervals of every training command (`--save-every-steps`,
/// `--log-every-steps`), beside the per-epoch lines and saves; plus what
/// count-ones adds: a step limit and a test evaluation at every step line.
/// A step is one optimizer update (one batch).
struct StepOptions {
    static let specs: [OptionSpec] = [
        .int("--save-every-steps", shown: "off", help: "with --save PATH: also write PATH.stepS.safetensors every N steps "
             + "(resumable mid-epoch with --resume, exactly)"),
        .int("--log-every-steps", shown: "off", help: "every N steps (batches): a step line with the loss and accuracy over "
             + "those N steps, a record with its step in --metrics, and that loss in the progress bar"),
    ]

    var saveEvery: Int?
    var logEvery: Int?
    /// Training stops after this optimizer step (count-ones' `--steps`).
    var limit: Int?
    /// Step lines also evaluate the test rows (count-ones: the notebook's
    /// per-N-steps test error).
    var evaluate = false
    /// Epoch and step lines add the test error rate (1 - test accuracy: for
    /// count-ones, the share of sequences whose count is wrong).
    var errorRate = false

    init() {}

    init(_ o: ParsedOptions, savePath: String?, saveBest: Bool) throws {
        saveEvery = try o.optionalInt("--save-every-steps")
        if saveEvery != nil {
            guard savePath != nil else { throw UsageError("option --save-every-steps needs --save PATH") }
            if saveBest {
                throw UsageError("options --save-every-steps and --save-best exclude each other (--save-best keeps only the best epoch)")
            }
        }
        logEvery = try o.optionalInt("--log-every-steps")
    }

    /// `runs/model.safetensors` at step 200 -> `runs/model.step200.safetensors`.
    static func checkpointPath(_ path: String, step: Int) -> String {
        TrainSession.insertingSuffix(".step\(step)", into: path)
    }
}

extension EpochTally {
    /// The sums of the batches between `earlier` and this tally (same epoch).
    func since(_ earlier: EpochTally) -> EpochTally {
        var d = EpochTally()
        d.batchesDone = batchesDone - earlier.batchesDone
        d.lossSum = lossSum - earlier.lossSum
        d.correct = correct - earlier.correct
        d.scored = scored - earlier.scored
        d.tokens = tokens - earlier.tokens
        d.padded = padded - earlier.padded
        d.seconds = seconds - earlier.seconds
        return d
    }

    mutating func add(_ other: EpochTally) {
        batchesDone += other.batchesDone
        lossSum += other.lossSum
        correct += other.correct
        scored += other.scored
        tokens += other.tokens
        padded += other.padded
        seconds += other.seconds
    }
}
