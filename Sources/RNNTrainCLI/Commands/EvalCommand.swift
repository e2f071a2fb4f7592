import Corpus
import Model

/// `rnntrain eval`: how a saved model does on labelled data: accuracy and
/// loss, precision and recall per class, the confusion matrix, and for
/// seq2seq models the accuracy at each time step.
enum EvalCommand {
    static let options: [OptionSpec] = [
        .text("--model", "PATH", help: "checkpoint written by --save (required)"),
    ] + DataOptions.specs.replacing(with: [
        DataOptions.specs.first { $0.name == "--vocab-size" }!.showing("the model's vocabulary"),
        DataOptions.specs.first { $0.name == "--data" }!.showing("the data the model was trained on, as it records it"),
    ]) + [
        .choice("--split", "WHICH", ["all", "test", "val", "train"], default: "all",
                help: "all rows, or the test, val or train rows of the training run's split (its seed, fractions and --split-by)"),
        .int("--batch-size", 1 ... 1_000_000, default: "256", help: "rows per forward pass"),
        .flag("--json", help: "print the figures as one JSON object (for scripts)"),
        VocabularyCheck.spec,
    ]

    static let usage = "rnntrain eval --model PATH [--data CSV] [options]"
    static let about = "Evaluates a saved model on labelled rows: accuracy, loss, per-class precision and\nrecall, the confusion matrix, and for seq2seq models the accuracy by time step\n(how the guess improves as the sentence is read)."
    static let footer = "With --split test on the data the model was trained on, the accuracy equals the\ntest accuracy its last epoch printed."

    static func run(_ o: ParsedOptions, _ console: Console) throws -> Int32 {
        guard let path = o.string("--model") else { throw UsageError("option --model is required (a checkpoint written by --save)") }
        let split = try o.choice("--split")!
        let batchSize = try o.int("--batch-size")
        let model = try TrainedModel(path: path)
        let settings = model.record.settings
        var data = try DataOptions(o, synthSeed: settings.seed)
        if !o.has("--vocab-size") { data.vocabularySize = model.spec.vocabularySize }
        if !o.has("--max-len") { data.maxLength = max(data.maxLength, model.maxLength) }
        let given = o.has("--data") || o.has("--synth-rows")
        let splitFile = split == "test" ? settings.testData : split == "val" ? settings.valData : nil
        if !given { try recordedData(&data, model: model, file: splitFile) }
        let allow = o.flag("--allow-vocab-mismatch")
        if let given = data.vocabulary, let path = data.vocabPath { try VocabularyCheck.check(given, path: path, model: model, allow: allow) }
        data.keepText = true
        let loaded = try data.load()
        var corpus = loaded.corpus
        if !allow, let vocabulary = VocabularyCheck.modelVocabulary(model) {
            try VocabularyCheck.checkTexts(corpus, name: loaded.name, vocabulary: vocabulary, model: model, allow: allow)
        }
        (corpus.texts, corpus.postIDs) = (TextColumn(), TextColumn())
        guard corpus.numClasses == model.spec.numClasses else {
            throw DataError(file: loaded.name, line: 0, "the data has \(corpus.numClasses) classes, the model \(model.spec.numClasses)")
        }
        var rows = Array(0 ..< corpus.count)
        var splitText = "all rows"
        if split != "all" && !(splitFile != nil && !given) {
            rows = SplitOptions.rows(split, corpus: corpus, settings: settings)
            splitText = "\(split) split of the training run (seed \(settings.seed), validation fraction \(settings.valFraction ?? 0), "
                + "test fraction \(settings.testFraction), by \(settings.splitBy?.rawValue ?? "row"))"
        } else if split != "all" {
            splitText = "the training run's \(split) file"
        }
        if !given { splitText += "; data recorded in the model" }
        guard !rows.isEmpty else { throw UsageError("no rows to evaluate in the \(split) split") }
        let predictor = Predictor(network: model.network, batchSize: batchSize, maxLength: corpus.lengthSummary(rows: rows).max)
        let e = Evaluation(predictor: predictor, corpus: corpus, rows: rows)
        console.line(o.flag("--json") ? json(e, model: model, data: loaded.name, split: split)
                                       : report(e, model: model, loaded: loaded, rows: rows.count, splitText: splitText))
        return RNNTrain.ExitCode.ok
    }

    /// Without --data: the data the model was trained on (or its --val-data
    /// or --test-data `file` for that split), as its run record names it.
    static func recordedData(_ data: inout DataOptions, model: TrainedModel, file: String?) throws {
        let s = model.record.settings
        let name = file ?? s.data
        switch name {
        case "built-in sample": (data.path, data.synthRows) = (nil, nil)
        case "synthetic corpus":
            guard let n = s.synthRows else {
                throw UsageError("\(model.path) was trained on a synthetic corpus of unrecorded size; give --data or --synth-rows")
            }
            (data.path, data.synthRows, data.synthSeed) = (nil, n, s.seed)
        case "": throw UsageError("\(model.path) does not record its training data; give --data")
        default:
            let missing = (try? CorpusFiles.expand(name))?.contains { !fileExists($0) } ?? true
            if missing { throw UsageError("\(model.path) was trained on \(name), which is not there (from this folder); give --data") }
            data.path = name
        }
    }

    static func report(_ e: Evaluation, model: TrainedModel, loaded: DataOptions.Loaded, rows: Int, splitText: String) -> String {
        let seq = model.spec.task == .seq2seq
        let item = seq ? "tokens" : "rows"
        let names = model.classNames
        var lines = ["model: \(model.summary)", loaded.summary, "evaluated: \(Format.grouped(rows)) rows (\(splitText))", ""]
        let majority = (0 ..< e.classes).map(e.support).max() ?? 0
        lines.append("accuracy\(seq ? " per token" : ""): \(Format.fixed(e.accuracy, 4)) (\(Format.grouped(e.correct)) of \(Format.grouped(e.count)) \(item)); "
            + "loss \(Format.fixed(e.meanLoss, 4)); majority class \(Format.fixed(Double(majority) / Double(max(e.count, 1)), 4))")
        if names == Corpus.blogClassNames {
            lines.append("gender accuracy \(Format.fixed(e.accuracy { $0 / 3 }, 4)), age bracket accuracy \(Format.fixed(e.accuracy { $0 % 3 }, 4))")
        }
        lines.append("")
        let width = max(12, (names.map(\.count).max() ?? 0) + 2)
        func cell(_ x: Double?) -> String { Format.padLeft(x.map { Format.fixed($0, 4) } ?? "-", 10) }
        lines.append(Format.padRight("class", width) + Format.padLeft("precision", 10) + Format.padLeft("recall", 10)
            + Format.padLeft("f1", 10) + Format.padLeft("support", 10) + Format.padLeft("predicted", 11))
        for k in 0 ..< e.classes {
            lines.append(Format.padRight(names[k], width) + cell(e.precision(k)) + cell(e.recall(k)) + cell(e.f1(k))
                + Format.padLeft(Format.grouped(e.support(k)), 10) + Format.padLeft(Format.grouped(e.predicted(k)), 11))
        }
        // A class never predicted has no precision (shown "-"); the macro
        // average counts it as 0, as scikit-learn does.
        func mean(_ f: (Int) -> Double?) -> Double? {
            (0 ..< e.classes).reduce(0.0) { $0 + (f($1) ?? 0) } / Double(max(e.classes, 1))
        }
        lines.append(Format.padRight("macro average", width) + cell(mean(e.precision)) + cell(mean(e.recall)) + cell(mean(e.f1)))
        lines.append("")
        lines.append("confusion matrix (rows: true class, columns: predicted class, in \(item)):")
        let colWidth = max(8, Format.grouped(e.count).count + 2)
        lines.append(Format.padRight("", width + 4) + (0 ..< e.classes).map { Format.padLeft("[\($0)]", colWidth) }.joined())
        for t in 0 ..< e.classes {
            lines.append(Format.padRight("[\(t)] " + names[t], width + 4)
                + (0 ..< e.classes).map { Format.padLeft(Format.grouped(e.confusion[t][$0]), colWidth) }.joined())
        }
        if seq {
            lines.append("")
            lines.append("accuracy by time step (the prediction after reading t tokens):")
            lines.append("   t     tokens  accuracy")
            for t in e.stepCount.indices where e.stepCount[t] > 0 {
                let acc = Double(e.stepCorrect[t]) / Double(e.stepCount[t])
                lines.append(Format.padLeft("\(t + 1)", 4) + Format.padLeft(Format.grouped(e.stepCount[t]), 11)
                    + Format.padLeft(Format.fixed(acc, 4), 10) + "  " + String(repeating: "#", count: Int((acc * 50).rounded())))
            }
        }
        return lines.joined(separator: "\n")
    }
}
