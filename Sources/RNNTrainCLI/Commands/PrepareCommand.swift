import Corpus

/// `rnntrain prepare`: raw corpus -> tokenized CSV + vocabulary, with the
/// project's tokenizer (`Corpus.Tokenizer`). The blog corpus (`--corpus`,
/// XML files named `ID.gender.age.industry.sign.xml`) or users' own data
/// (`--text-dir`, one folder of `.txt` files per class).
enum PrepareCommand {
    static let options: [OptionSpec] = [
        .text("--corpus", "DIR", help: "blog corpus folder of ID.gender.age.industry.sign.xml files"),
        .text("--text-dir", "DIR", help: "instead of --corpus: one subfolder of .txt files per class (label = its index in name order)"),
        .text("--out", "PATH", help: "tokenized CSV to write (required)"),
        .text("--vocab-out", "PATH", help: "vocabulary to write, one token per line (required unless --vocab)"),
        .text("--vocab", "PATH", help: "tokenize with this existing vocabulary (line k = id k) instead of choosing one, "
              + "so new text gets the ids a trained model knows"),
        .text("--labels-out", "PATH", shown: "--out with .csv replaced by .labels.txt", help: "with --text-dir: class names to write, line k = label k"),
        .int("--vocab-size", 2 ... 10_000_000, default: "10000", help: "vocabulary lines: <UNK>, <#> and the N-2 most frequent tokens"),
        .int("--min-len", 1 ... 100_000, default: "5", help: "drop sentences of fewer tokens"),
        .int("--max-len", 1 ... 100_000, default: "30", help: "drop sentences of more tokens"),
        .int("--jobs", 1 ... 256, shown: "the number of cores", help: "files processed at once (the output does not depend on it)"),
    ]

    static let usage = "rnntrain prepare (--corpus DIR | --text-dir DIR) --out data.csv (--vocab-out vocab.txt | --vocab existing.txt) [options]"
    static let about = "Tokenizes a raw corpus into the CSV that classify, seq2seq and padding-stats read:\n"
                     + "one row per sentence of --min-len to --max-len tokens, ids from a vocabulary of the\n"
                     + "most frequent tokens (<UNK> = 0, <#> = 1 for numbers). Same input, same bytes."
    static let footer = "Progress goes to stderr on a terminal; the summary to stdout."

    static func run(_ o: ParsedOptions, _ console: Console) throws -> Int32 {
        let corpus = o.string("--corpus"), textDir = o.string("--text-dir")
        switch (corpus, textDir) {
        case (nil, nil): throw UsageError("option --corpus DIR or --text-dir DIR is required (the raw corpus to read)")
        case (.some, .some): throw UsageError("options --corpus and --text-dir exclude each other")
        default: break
        }
        guard let out = o.string("--out") else { throw UsageError("option --out is required (the CSV file to write)") }
        let vocabIn = o.string("--vocab"), vocabOut = o.string("--vocab-out")
        switch (vocabIn, vocabOut) {
        case (nil, nil): throw UsageError("option --vocab-out is required (the vocabulary file to write), or --vocab (an existing one to use)")
        case (.some, .some): throw UsageError("options --vocab and --vocab-out exclude each other (a given vocabulary is not written again)")
        default: break
        }
        var options = PrepareOptions()
        if let vocabIn {
            if o.has("--vocab-size") { throw UsageError("options --vocab and --vocab-size exclude each other (the vocabulary is given)") }
            options.vocabulary = try Vocabulary.load(path: vocabIn).tokens
        }
        options.vocabularySize = try o.int("--vocab-size")
        options.minLength = try o.int("--min-len")
        options.maxLength = try o.int("--max-len")
        options.jobs = try o.optionalInt("--jobs") ?? min(Machine.cores, 64)
        if options.maxLength < options.minLength {
            throw UsageError("option --max-len (\(options.maxLength)) must be at least --min-len (\(options.minLength))")
        }
        if o.has("--labels-out") && textDir == nil { throw UsageError("option --labels-out needs --text-dir") }
        let labelsOut = textDir == nil ? nil : (o.string("--labels-out") ?? defaultLabelsPath(out))
        let outputs = [out] + [vocabOut, labelsOut].compactMap { $0 }
        if Set(outputs).count != outputs.count { throw UsageError("the output files must differ: \(outputs.joined(separator: ", "))") }
        for path in outputs { try AtomicFile.checkWritable(path: path) }

        let input = try corpus.map { try PrepareInput.blogCorpus(folder: $0) } ?? PrepareInput.textFolders(folder: textDir!)
        var drawn = false
        let progress: ((PrepareProgress) -> Void)? = console.errIsTerminal ? { p in
            let mbps = p.seconds > 0 ? Double(p.bytesDone) / 1e6 / p.seconds : 0
            console.err("\rpass \(p.pass)/2 (\(p.pass == 1 ? "counting tokens" : "writing rows")): "
                + "\(Format.grouped(p.filesDone))/\(Format.grouped(p.files)) files, \(Format.grouped(p.posts)) posts, "
                + "\(Format.grouped(p.sentences)) sentences, \(Format.fixed(mbps, 1)) MB/s\u{1B}[K")
            drawn = true
        } : nil
        defer { if drawn { console.err("\r\u{1B}[K") } }
        // An interrupt ends the run at once; the temporary CSV is removed.
        Interruption.install(immediate: true)
        defer { Interruption.uninstall() }
        let summary = try CorpusPreparer.run(input: input, options: options, csvPath: out, vocabularyPath: vocabOut,
                                             labelsPath: labelsOut, progress: progress)
        if drawn { console.err("\r\u{1B}[K"); drawn = false }
        for line in report(summary, input: input, options: options, out: out, vocab: (vocabIn, vocabOut), labelsOut: labelsOut) {
            console.line(line)
        }
        return RNNTrain.ExitCode.ok
    }

    /// `data/x.csv` -> `data/x.labels.txt`.
    static func defaultLabelsPath(_ out: String) -> String {
        (out.hasSuffix(".csv") ? String(out.dropLast(4)) : out) + ".labels.txt"
    }

    /// The summary printed at the end (stdout).
    static func report(_ s: PrepareSummary, input: PrepareInput, options: PrepareOptions,
                       out: String, vocab: (given: String?, out: String?), labelsOut: String?) -> [String] {
        let g = Format.grouped
        var lines: [String] = []
        var files = "files: \(g(s.filesRead)) read, \(g(s.skippedTotal)) skipped"
        if s.skippedTotal > 0 {
            let reasons = s.skipped.sorted { $0.key < $1.key }.map { "\(g($0.value)) \($0.key.description)" }
            files += " (" + reasons.joined(separator: ", ") + "; e.g. " + s.skippedExamples.prefix(3).joined(separator: ", ") + ")"
        }
        lines.append(files)
        lines.append("posts: \(g(s.posts)) (\(g(s.emptyPosts)) empty)")
        lines.append("sentences: \(g(s.sentencesKept)) kept of \(g(s.sentences)); dropped \(g(s.sentencesTooShort)) shorter than "
            + "\(options.minLength) tokens, \(g(s.sentencesTooLong)) longer than \(options.maxLength)")
        let numberShare = s.tokensKept > 0 ? Double(s.numberTokens) / Double(s.tokensKept) : 0
        lines.append("tokens: \(g(s.tokensKept)) in kept sentences (mean length "
            + "\(Format.fixed(Double(s.tokensKept) / Double(max(s.sentencesKept, 1)), 1))); <UNK> share "
            + "\(Format.percent(s.unknownShare, 2)), <#> share \(Format.percent(numberShare, 2))")
        let others = s.vocabularySize - 2
        if let given = vocab.given {
            lines.append("vocabulary: \(g(s.vocabularySize)) tokens from \(given) (the text has \(g(s.distinctTokens)) distinct tokens)")
        } else {
            lines.append("vocabulary: \(g(s.vocabularySize)) tokens (<UNK>, <#> and "
                + (others < s.distinctTokens ? "the \(g(others)) most frequent of \(g(s.distinctTokens))" : "all \(g(others))")
                + " other distinct tokens)")
        }
        switch input.kind {
        case .blogCorpus:
            let classes = zip(s.classNames, s.classRows).map { "\($0) \(g($1))" }.joined(separator: ", ")
            lines.append("classes (rows): " + classes)
        case .textFolders:
            lines.append("classes (label = folder): " + s.classNames.enumerated().map { k, name in
                "\(k) = \(name) (\(g(s.classFiles[k])) files, \(g(s.classRows[k])) rows)"
            }.joined(separator: ", "))
        }
        var wrote = "wrote: \(out) (\(g(s.sentencesKept)) rows, \(Format.fixed(Double(s.csvBytes) / 1e6, 1)) MB)" + (vocab.out.map { ", \($0)" } ?? "")
        if let labelsOut { wrote += ", \(labelsOut)" }
        lines.append(wrote)
        lines.append("time: \(Format.fixed(Double(s.bytesRead) / 1e6, 1)) MB read twice in \(Format.fixed(s.seconds, 2)) s "
            + "(\(Format.fixed(s.megabytesPerSecond, 1)) MB/s; counting \(Format.fixed(s.countSeconds, 2)) s, writing "
            + "\(Format.fixed(s.writeSeconds, 2)) s; \(s.jobs) job\(s.jobs == 1 ? "" : "s"))")
        return lines
    }
}
