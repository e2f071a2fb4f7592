import TensorCore
import Corpus
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The options every data-reading command shares, and loading the corpus
/// they describe: a CSV file, or the synthetic corpus generated in memory.
struct DataOptions {
    static let specs: [OptionSpec] = [
        .text("--data", "PATH", shown: "the built-in synthetic sample, same rows as data/sample.csv",
              help: "tokenized CSV (post_id,gender,age_bracket,string,as_numbers,length[,labels]) or TFRecord "
                  + "(.tfrecord, .tfrecord.gz: SequenceExample or Example); a comma list or glob of files"),
        .int("--synth-rows", 1 ... 100_000_000, help: "use a synthetic corpus of N rows generated in memory instead of --data"),
        .int("--max-len", 1 ... 10_000, default: "30", help: "longest sequence accepted"),
        .text("--vocab", "PATH", shown: "none", help: "the data's vocabulary file (vocab.txt): ids must be below its line count"),
        .int("--vocab-size", 2 ... 10_000_000, default: "10000", shown: "10000, or the --vocab line count", help: "token ids must be below N"),
        .choice("--truncate", "END", ["pre", "post"], shown: "off", help: "rows longer than --max-len keep their first tokens (post) "
                + "or their last (pre), as Keras's truncating=; otherwise such a row is an error"),
        .flag("--skip-bad-rows", help: "skip and count malformed rows (or TFRecord records) instead of stopping at the first"),
        .text("--labels", "PATH", shown: "X.labels.txt beside X.csv, as prepare writes it", help: "class names, one per line (line k names class k)"),
        .int("--classes", 2 ... 256, shown: "from the data", help: "number of classes (labels must be below N)"),
        .text("--tf-tokens", "NAME", default: "tokens", help: "TFRecord feature (list) holding the token ids"),
        .text("--tf-labels", "NAME", default: "labels", help: "TFRecord feature list holding a label per step"),
        .text("--tf-label", "NAME", default: "label", help: "TFRecord context feature holding the row's label"),
        .text("--tf-length", "NAME", default: "length", help: "TFRecord context feature holding the length (checked)"),
        .text("--tf-compression", "KIND", shown: "by name: .tfrecord, .tfrecord.gz", help: "read every --data file as TFRecord, 'none' or 'gzip'"),
    ]

    var path: String?
    var classes: Int?
    var names = TFRecordFeatureNames()
    var gzip: Bool?
    var synthRows: Int?
    var maxLength: Int
    var vocabularySize: Int
    var skipBadRows: Bool
    var synthSeed: UInt64
    /// The `--vocab` file, as an absolute path (recorded in checkpoints).
    var vocabPath: String?
    /// The `--vocab` file's vocabulary.
    var vocabulary: Vocabulary?
    /// `--labels`: the class names file.
    var labelsPath: String?
    /// Keep each row's `post_id` and `string` text (convert writes them again).
    var keepText = false
    /// `--truncate pre|post`.
    var truncate: CSVLoadOptions.Truncation?

    init(_ o: ParsedOptions, synthSeed: UInt64) throws {
        path = o.string("--data")
        synthRows = try o.optionalInt("--synth-rows")
        if path != nil && synthRows != nil { throw UsageError("options --data and --synth-rows exclude each other") }
        maxLength = try o.int("--max-len")
        vocabularySize = try o.int("--vocab-size")
        if let v = o.string("--vocab") {
            let vocab = try Vocabulary.load(path: v)
            vocabulary = vocab
            if o.has("--vocab-size") {
                guard vocabularySize >= vocab.count else {
                    throw UsageError("--vocab-size \(vocabularySize) is smaller than the \(vocab.count) tokens of \(v)")
                }
            } else {
                vocabularySize = max(vocab.count, 2)
            }
            vocabPath = absolutePath(v)
        }
        skipBadRows = o.flag("--skip-bad-rows")
        truncate = try o.choice("--truncate", as: CSVLoadOptions.Truncation.self)
        labelsPath = o.string("--labels")
        self.synthSeed = synthSeed
        classes = try o.optionalInt("--classes")
        names = TFRecordFeatureNames(tokens: o.string("--tf-tokens")!, labels: o.string("--tf-labels")!,
                                     label: o.string("--tf-label")!, length: o.string("--tf-length")!)
        switch o.string("--tf-compression") {
        case nil: gzip = nil
        case "gzip", "GZIP": gzip = true
        case "none", "": gzip = false
        case let other?: throw UsageError("--tf-compression '\(other)' is not 'none' or 'gzip'")
        }
    }

    struct Loaded {
        var corpus: Corpus
        var name: String
        var summary: String
    }

    func load() throws -> Loaded {
        let clock = ContinuousClock()
        let start = clock.now
        if let path {
            let rows = CSVLoadOptions(maxLength: maxLength, vocabularySize: vocabularySize, skipBadRows: skipBadRows, keepText: keepText,
                                      truncate: truncate)
            var result = try CorpusFiles.load(paths: CorpusFiles.expand(path),
                                              tfrecord: TFRecordLoadOptions(rows: rows, names: names, gzip: gzip))
            try applyClasses(&result.corpus, name: path)
            let names = try applyLabels(&result.corpus, dataPath: path)
            let secs = (clock.now - start).inSeconds
            var s = "data: \(path): \(Format.grouped(result.corpus.count)) rows, "
                + "\(Format.fixed(Double(result.bytesRead) / 1e6, 1)) MB in \(Format.fixed(secs, 2)) s"
            if result.skippedRows > 0 {
                s += "; skipped \(Format.grouped(result.skippedRows)) bad rows, e.g. "
                    + result.skippedExamples.prefix(3).map(\.description).joined(separator: "; ")
            }
            if let names { s += "; class names from \(names)" }
            guard result.corpus.count > 0 else { throw DataError(file: path, line: 0, "no rows to train on") }
            return Loaded(corpus: result.corpus, name: path, summary: s)
        }
        let rows = synthRows ?? SyntheticCorpus.sampleRows
        let seed = synthRows == nil ? SyntheticCorpus.sampleSeed : synthSeed
        let generated = SyntheticCorpus.generate(rows: rows, seed: seed)
        var corpus = generated.corpus
        corpus.postKeys = generated.postIDs.map { UInt64($0) }
        if keepText { for id in generated.postIDs { corpus.postIDs.append(Corpus.decimalText(Int64(id))) } }
        let longest = corpus.lengthSummary().max
        if longest > maxLength {
            throw UsageError("the synthetic corpus has rows of length \(longest); --max-len must be at least that")
        }
        if vocabularySize < corpus.vocabularySize {
            throw UsageError("the synthetic corpus uses ids below \(corpus.vocabularySize); --vocab-size must be at least that")
        }
        corpus.vocabularySize = vocabularySize
        let name = synthRows == nil ? "built-in sample" : "synthetic corpus"
        return Loaded(corpus: corpus, name: name,
                      summary: "data: \(name) (\(Format.grouped(rows)) rows, seed \(seed)), generated in \(Format.fixed((clock.now - start).inSeconds, 2)) s")
    }
}

extension DataOptions {
    /// `--classes N`: every label must be below N; the classes become "0" ... "N-1".
    func applyClasses(_ corpus: inout Corpus, name: String) throws {
        guard let classes, classes != corpus.numClasses else { return }
        let top = corpus.maxLabel
        guard top < classes else { throw DataError(file: name, line: 0, "the data has label \(top); --classes \(classes) allows 0...\(classes - 1)") }
        corpus.classNames = Corpus.numberedClassNames(maxLabel: classes - 1)
    }
}

extension DataOptions {
    /// Class names from --labels, or from `X.labels.txt` beside a single
    /// `X.csv` (what prepare writes): returns the file used, if any.
    func applyLabels(_ corpus: inout Corpus, dataPath: String) throws -> String? {
        var file = labelsPath
        if file == nil, dataPath.hasSuffix(".csv"), !dataPath.contains(","), fileExists(String(dataPath.dropLast(4)) + ".labels.txt") {
            file = String(dataPath.dropLast(4)) + ".labels.txt"
        }
        guard let file else { return nil }
        let names = try ClassList.names(path: file)
        guard names.count >= 2 else { throw DataError(file: file, line: 0, "names \(names.count) class; a classifier needs at least 2") }
        guard corpus.maxLabel < names.count else {
            throw DataError(file: file, line: 0, "names \(names.count) classes, and \(dataPath) has label \(corpus.maxLabel)")
        }
        corpus.classNames = names
        return file
    }
}

extension DataOptions {
    /// The fingerprint and size of the data's vocabulary, when known: the
    /// --vocab file, or the synthetic corpus's own (recorded in checkpoints).
    var vocabularyIdentity: (hash: String, size: Int)? {
        if let vocabulary { return (vocabulary.fingerprint, vocabulary.count) }
        guard path == nil else { return nil }
        let synthetic = Vocabulary(tokens: SyntheticCorpus.vocabulary())
        return (synthetic.fingerprint, synthetic.count)
    }
}

/// `path` made absolute against the current folder (symbolic links resolved
/// when the file exists).
func absolutePath(_ path: String) -> String {
    if let resolved = realpath(path, nil) {
        defer { free(resolved) }
        return String(cString: resolved)
    }
    if path.hasPrefix("/") { return path }
    var buffer = [CChar](repeating: 0, count: 4096)
    guard getcwd(&buffer, buffer.count) != nil else { return path }
    return String(cString: buffer) + "/" + path
}

func elapsed(_ d: Duration) -> Double {
    let c = d.components
    return Double(c.seconds) + Double(c.attoseconds) * 1e-18
}
