import Corpus
import Model
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `--summary PATH`: one JSON object written when a training run ends, so a
/// script reads the result instead of scraping the log:
///
///     {"command":"classify","run":"classify bucketed","kept_epoch":4,"kept_by":"lowest validation loss",
///      "epochs_run":5,"val_loss":1.52,"val_accuracy":0.41,"test_loss":1.55,"test_accuracy":0.40,
///      "train_seconds":11.2,"tokens_per_second":980000,"peak_memory_mb":96.1,
///      "checkpoint":"runs/m.safetensors","record":{...}}
///
/// Figures are the kept model's (`kept_epoch`, `kept_by`): the epoch of
/// lowest validation loss with --save-best or --early-stop, else the last
/// epoch, or the step where a step limit stopped the run (`kept_step`; its
/// figures are the last step line's). A figure the run did not measure is
/// absent. Losses and accuracies are per
/// row (classify), per real token (seq2seq) or per character (charlm,
/// whose `tokens_per_second` counts characters). `record` is the run record
/// a checkpoint of the kept model holds (model, optimizer, settings,
/// progress). The file is written atomically by rank 0 only, after the
/// final line; an interrupted or failed run writes none.
struct RunSummary: Encodable {
    var command: String
    var run: String
    var keptEpoch: Int
    /// The optimizer step of the kept model when a step limit ended the run there.
    var keptStep: Int?
    var keptBy: String
    var epochsRun: Int
    var trainLoss: Double?, trainAccuracy: Double?
    var valLoss: Double?, valAccuracy: Double?
    var testLoss: Double?, testAccuracy: Double?
    var baselineValAccuracy: Double?, baselineTestAccuracy: Double?
    var majorityValAccuracy: Double?, majorityTestAccuracy: Double?
    /// Training seconds of this process's epochs, and tokens (or characters) over them.
    var trainSeconds: Double
    var tokensPerSecond: Double
    var peakMemoryMB: Double
    var checkpoint: String?
    var record: RunRecord

    enum CodingKeys: String, CodingKey {
        case command, run, record, checkpoint
        case keptEpoch = "kept_epoch", keptStep = "kept_step", keptBy = "kept_by", epochsRun = "epochs_run"
        case trainLoss = "train_loss", trainAccuracy = "train_accuracy"
        case valLoss = "val_loss", valAccuracy = "val_accuracy", testLoss = "test_loss", testAccuracy = "test_accuracy"
        case baselineValAccuracy = "baseline_val_accuracy", baselineTestAccuracy = "baseline_test_accuracy"
        case majorityValAccuracy = "majority_val_accuracy", majorityTestAccuracy = "majority_test_accuracy"
        case trainSeconds = "train_seconds", tokensPerSecond = "tokens_per_second", peakMemoryMB = "peak_memory_mb"
    }

    /// The summary of a run whose final metrics record is `final` (the kept
    /// epoch's figures); NaN figures are left out.
    init(command: String, final: MetricsRecord, selecting: Bool, epochsRun: Int, trainSeconds: Double, tokens: Int,
         checkpoint: String?, record: RunRecord) {
        func measured(_ x: Double?) -> Double? { x.flatMap { $0.isFinite ? $0 : nil } }
        self.command = command
        run = final.run ?? command
        keptEpoch = final.epoch
        keptStep = final.step
        keptBy = selecting ? "lowest validation loss" : final.step != nil ? "step limit" : "last epoch"
        self.epochsRun = epochsRun
        (trainLoss, trainAccuracy) = (measured(final.trainLoss), measured(final.trainAccuracy))
        (valLoss, valAccuracy) = (measured(final.valLoss), measured(final.valAccuracy))
        (testLoss, testAccuracy) = (measured(final.testLoss), measured(final.testAccuracy))
        (baselineValAccuracy, baselineTestAccuracy) = (final.baselineValAccuracy, final.baselineTestAccuracy)
        (majorityValAccuracy, majorityTestAccuracy) = (final.majorityValAccuracy, final.majorityTestAccuracy)
        self.trainSeconds = (trainSeconds * 1000).rounded() / 1000
        tokensPerSecond = trainSeconds > 0 ? (Double(tokens) / trainSeconds).rounded() : 0
        peakMemoryMB = (peakResidentMegabytes() * 10).rounded() / 10
        self.checkpoint = checkpoint.map(absolutePath)
        self.record = record
    }

    /// Writes the object (one line, keys sorted) to `path`, atomically.
    func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = try encoder.encode(self)
        try AtomicFile.write(Array(json) + [0x0A], to: path)
    }
}
