import Corpus
import Model

/// How a training run's rows are divided into training, validation and test
/// sets: fractions of the data (whole posts kept together when the data has
/// `post_id`), or separate files. Validation selects the model (--save-best,
/// --early-stop, the plateau schedule); test is reported once, at the end,
/// for the selected model (every epoch too with --report-test).
struct SplitOptions {
    static let specs: [OptionSpec] = [
        .number("--val-fraction", "F", 0 ... 0.99, default: "0.1", help: "share of rows held out for validation (model selection, early stopping)"),
        .number("--test-fraction", "F", 0 ... 0.99, default: "0.2", help: "share of rows held out for the final test"),
        .text("--val-data", "PATH", help: "validation rows from this file instead of --val-fraction"),
        .text("--test-data", "PATH", help: "test rows from this file instead of --test-fraction"),
        .choice("--split-by", "KEY", SplitKey.allCases.map(\.rawValue), shown: "post_id when the data has that column",
                help: "post_id: all sentences of a post on one side; row: rows independently"),
        .flag("--allow-overlap", help: "train even when over \(SplitOptions.overlapLimitPercent)% of the validation or test rows (or posts) are also in training"),
    ]

    var valFraction: Double
    var testFraction: Double
    var valData: String?
    var testData: String?
    /// Given or recorded (nil: post_id when the data has it).
    var splitBy: SplitKey?
    /// `--allow-overlap`: report shared rows and posts but do not refuse them.
    var allowOverlap: Bool

    /// A resumed run keeps its recorded split unless told otherwise.
    /// `heldOut`: the test share of generated data (count-ones), which takes no --test-fraction.
    init(_ o: ParsedOptions, resumed r: RunSettings?, heldOut: Double? = nil) throws {
        valData = o.string("--val-data") ?? (o.has("--val-fraction") ? nil : r?.valData)
        testData = o.string("--test-data") ?? (o.has("--test-fraction") ? nil : r?.testData)
        if o.has("--val-data") && o.has("--val-fraction") { throw UsageError("options --val-data and --val-fraction exclude each other") }
        if o.has("--test-data") && o.has("--test-fraction") { throw UsageError("options --test-data and --test-fraction exclude each other") }
        valFraction = valData != nil ? 0 : try o.double("--val-fraction", recorded: r.map { $0.valFraction ?? 0 })
        testFraction = try testData != nil ? 0 : heldOut ?? o.double("--test-fraction", recorded: r?.testFraction)
        guard valFraction + testFraction < 1 else {
            throw UsageError("--val-fraction \(valFraction) and --test-fraction \(testFraction) leave no training rows")
        }
        splitBy = try o.choice("--split-by", as: SplitKey.self, recorded: r?.splitBy)
        allowOverlap = o.flag("--allow-overlap")
    }

    /// Appends the --val-data and --test-data rows to `loaded`'s corpus
    /// (same vocabulary and classes) and splits. Returns the parts and a
    /// summary ("7,000 train / 1,000 validation / 2,000 test by post_id"),
    /// and whether posts were kept together.
    func apply(to loaded: inout DataOptions.Loaded, loadFile: ((String) throws -> DataOptions.Loaded)?,
               seed: UInt64) throws -> (DataSplit, String, byPost: Bool) {
        let main = loaded.corpus.count
        let byPost = try groupByPost(loaded.corpus, name: loaded.name)
        var parts = DataSplit(count: main, valFraction: valFraction, testFraction: testFraction, seed: seed,
                              groups: byPost ? loaded.corpus.postKeys : nil)
        if valData != nil || testData != nil, loadFile == nil {
            throw UsageError("options --val-data and --test-data need data files; this command generates its data")
        }
        if let valData, let loadFile { parts.val = try append(valData, to: &loaded, loadFile: loadFile) }
        if let testData, let loadFile { parts.test = try append(testData, to: &loaded, loadFile: loadFile) }
        guard !parts.train.isEmpty else { throw UsageError("no training rows left after holding out validation and test rows") }
        var text = "\(Format.grouped(parts.train.count)) train"
        if !parts.val.isEmpty || valData != nil { text += " / \(Format.grouped(parts.val.count)) validation" + (valData.map { " (\($0))" } ?? "") }
        text += " / \(Format.grouped(parts.test.count)) test" + (testData.map { " (\($0))" } ?? "")
        text += byPost ? " by post_id (a post's sentences on one side)" : " by row"
        return (parts, text, byPost)
    }

    /// Whether to keep posts together: --split-by, or whether the data has post ids.
    func groupByPost(_ corpus: Corpus, name: String) throws -> Bool {
        switch splitBy {
        case .row: return false
        case .postID:
            guard !corpus.postKeys.isEmpty else { throw UsageError("--split-by post_id: \(name) has no post_id column") }
            return true
        case nil: return !corpus.postKeys.isEmpty
        }
    }

    /// Loads `path` with the run's data options and appends its rows; returns their indices.
    func append(_ path: String, to loaded: inout DataOptions.Loaded, loadFile: (String) throws -> DataOptions.Loaded) throws -> [Int] {
        let extra = try loadFile(path).corpus
        guard extra.maxLabel < loaded.corpus.numClasses else {
            throw DataError(file: path, line: 0, "has label \(extra.maxLabel); the training data has \(loaded.corpus.numClasses) classes")
        }
        let start = loaded.corpus.count
        loaded.corpus.append(contentsOf: extra)
        return Array(start ..< loaded.corpus.count)
    }

    /// The rows of `which` ("train", "val" or "test") of a recorded run, on
    /// its own data (`corpus`, loaded from `settings.data`); --val-data and
    /// --test-data runs are evaluated on those files instead (see EvalCommand).
    static func rows(_ which: String, corpus: Corpus, settings s: RunSettings) -> [Int] {
        let byPost = s.splitBy == .postID && !corpus.postKeys.isEmpty
        let parts = DataSplit(count: corpus.count, valFraction: s.valData != nil ? 0 : s.valFraction ?? 0,
                              testFraction: s.testData != nil ? 0 : s.testFraction, seed: s.seed, groups: byPost ? corpus.postKeys : nil)
        switch which {
        case "train": return parts.train
        case "val": return parts.val
        default: return parts.test
        }
    }
}
