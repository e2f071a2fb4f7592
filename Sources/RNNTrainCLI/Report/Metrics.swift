import Corpus
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One epoch in a metrics file (`--metrics PATH`): one JSON object per line,
///
///     {"run":"classify bucketed","epoch":1,"train_loss":1.7477,"train_accuracy":0.2136,
///      "test_loss":1.7079,"test_accuracy":0.2151,"seconds":1.9,"tokens_per_second":705126,
///      "learning_rate":0.0001,"task":"classify","batching":"bucketed 5","batch_size":256}
///
/// Losses and accuracies are per row (classify) or per real token (seq2seq).
/// `val_*` (validation) and `test_*` are null when not evaluated that epoch
/// (test only with --report-test once there is validation data); charlm
/// records have validation keys only.
///
/// The last record of a finished run has `"final":true`: its `epoch` is the
/// kept model's (the epoch of lowest validation loss with --save-best or
/// --early-stop, else the last), its `val_*` and `test_*` figures are that
/// model's, and with --baseline it has the baselines' accuracies
/// (`baseline_*`: the bag-of-token-ids logistic regression; `majority_*`).
///
/// With `--log-every-steps N` a record also has `"step"` (the optimizer step;
/// `epoch` is then the epoch in progress): its train figures cover the N
/// steps since the previous step record, its seconds and tokens/s too.
public struct MetricsRecord: Codable, Equatable, Sendable {
    public var run: String?
    public var epoch: Int
    /// The optimizer step of a step record (nil for an epoch record).
    public var step: Int?
    public var trainLoss: Double
    public var trainAccuracy: Double
    public var testLoss: Double?
    public var testAccuracy: Double?
    public var seconds: Double?
    public var tokensPerSecond: Double?
    public var learningRate: Double?
    public var task: String?
    public var batching: String?
    public var batchSize: Int?
    public var valLoss: Double?
    public var valAccuracy: Double?
    /// The majority class's share of the training rows (the accuracy of always guessing it).
    public var majorityShare: Double?
    /// True on a run's final record (see above).
    public var final: Bool?
    public var baselineValAccuracy: Double?, baselineTestAccuracy: Double?
    public var majorityValAccuracy: Double?, majorityTestAccuracy: Double?

    enum CodingKeys: String, CodingKey {
        case run, epoch, step, task, batching, seconds
        case trainLoss = "train_loss", trainAccuracy = "train_accuracy"
        case testLoss = "test_loss", testAccuracy = "test_accuracy"
        case tokensPerSecond = "tokens_per_second", learningRate = "learning_rate", batchSize = "batch_size"
        case valLoss = "val_loss", valAccuracy = "val_accuracy", majorityShare = "majority_share"
        case final
        case baselineValAccuracy = "baseline_val_accuracy", baselineTestAccuracy = "baseline_test_accuracy"
        case majorityValAccuracy = "majority_val_accuracy", majorityTestAccuracy = "majority_test_accuracy"
    }

    /// charlm has no test text: its records carry no test keys.
    var hasTestKeys: Bool { task != "charlm" || testLoss != nil || testAccuracy != nil }

    /// A charlm record of the earlier layout (test keys, no validation
    /// keys) holds its validation figures under test: moved where they belong.
    mutating func readAsValidation() {
        guard task == "charlm", valLoss == nil, valAccuracy == nil, testLoss != nil || testAccuracy != nil else { return }
        (valLoss, valAccuracy, testLoss, testAccuracy) = (testLoss, testAccuracy, nil, nil)
    }

    /// The JSON line, keys in a fixed reading order.
    var jsonLine: String {
        var parts: [String] = []
        func add(_ key: String, _ value: String?) { parts.append("\"\(key)\":" + (value ?? "null")) }
        func num(_ x: Double?) -> String? {
            guard let x, x.isFinite else { return nil }
            return x == x.rounded() && abs(x) < 1e15 ? "\(Int(x))" : "\(x)"
        }
        add("run", run.map(jsonString))
        add("epoch", "\(epoch)")
        if let step { add("step", "\(step)") }
        add("train_loss", num(trainLoss))
        add("train_accuracy", num(trainAccuracy))
        if valLoss != nil || valAccuracy != nil {
            add("val_loss", num(valLoss))
            add("val_accuracy", num(valAccuracy))
        }
        if hasTestKeys {
            add("test_loss", num(testLoss))
            add("test_accuracy", num(testAccuracy))
        }
        add("seconds", num(seconds))
        add("tokens_per_second", num(tokensPerSecond))
        add("learning_rate", num(learningRate))
        add("task", task.map(jsonString))
        add("batching", batching.map(jsonString))
        add("batch_size", batchSize.map { "\($0)" })
        if let majorityShare { add("majority_share", num(majorityShare)) }
        if let final { add("final", "\(final)") }
        for (key, value) in [("baseline_val_accuracy", baselineValAccuracy), ("baseline_test_accuracy", baselineTestAccuracy),
                             ("majority_val_accuracy", majorityValAccuracy), ("majority_test_accuracy", majorityTestAccuracy)] where value != nil {
            add(key, num(value))
        }
        return "{" + parts.joined(separator: ",") + "}"
    }
}

/// A string as a JSON literal.
func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where u.value < 0x20:
            let hex = String(u.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(u)
        }
    }
    return out + "\""
}

public enum MetricsFile {
    /// Appends one line (a single write on a file opened for appending, so
    /// concurrent readers never see half a line) and syncs it to disk.
    static func append(_ record: MetricsRecord, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileWriteError(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        let bytes = Array((record.jsonLine + "\n").utf8)
        let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress!, $0.count) }
        guard n == bytes.count, fsync(fd) == 0 else {
            throw FileWriteError(path: path, reason: n < 0 ? String(cString: strerror(errno)) : "short write")
        }
    }

    /// Reads a metrics file; a line that is not such a record is an error
    /// with its line number. Blank lines are skipped.
    public static func read(path: String) throws -> [MetricsRecord] {
        let file = try MappedFile(path: path)
        let decoder = JSONDecoder()
        var records: [MetricsRecord] = []
        try file.withBytes { bytes in
            try forEachLine(in: bytes) { line, text in
                if text.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
                do {
                    var record = try decoder.decode(MetricsRecord.self, from: Data(text))
                    record.readAsValidation()
                    records.append(record)
                } catch {
                    throw DataError(file: path, line: line, "not a metrics record (a JSON object with epoch, train_loss, train_accuracy): \(describe(error))")
                }
            }
        }
        guard !records.isEmpty else { throw DataError(file: path, line: 0, "no metrics records") }
        return records
    }

    private static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing \(key.stringValue)"
        case DecodingError.typeMismatch(_, let c): return "wrong type at \(c.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.valueNotFound(_, let c): return "null \(c.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.dataCorrupted: return "invalid JSON"
        default: return "\(error)"
        }
    }
}
