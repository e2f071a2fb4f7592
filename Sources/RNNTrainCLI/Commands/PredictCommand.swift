import Corpus
import Model

/// `rnntrain predict`: classifies sentences with a saved model. Text is
/// tokenized by the same `Tokenizer` that `prepare` uses to build the
/// corpus (lowercase, punctuation and clitics split, numbers to `<#>`), and
/// words outside the vocabulary become `<UNK>` (id 0). With `--ids`, each
/// line is already token ids.
enum PredictCommand {
    static let options: [OptionSpec] = [
        .text("--model", "PATH", help: "checkpoint written by --save (required)"),
        .text("--vocab", "PATH", shown: "the --vocab the model was trained with, or the synthetic vocabulary",
              help: "vocabulary the model's data was made with (vocab.txt, line k = id k)"),
        VocabularyCheck.spec,
        .flag("--ids", help: "inputs are token ids separated by spaces, not text (no vocabulary needed)"),
        .text("--input", "PATH", shown: "the arguments, or stdin when there are none", help: "read inputs from PATH, one per line"),
        .flag("--tsv", help: "one tab-separated line per input: predicted class, its probability, every class's probability, input"),
        .int("--max-tokens", 1 ... 1_000_000, default: "1000", help: "longest input accepted, in tokens"),
    ]

    static let usage = "rnntrain predict --model PATH [--vocab vocab.txt] [SENTENCE ...]"
    static let about = "Prints the class a saved model predicts for each sentence (from the arguments,\n--input or stdin, one per line) with the probability of every class; for the\nblog classes also the gender and age bracket on their own. A seq2seq model\npredicts from the whole sentence (its last step)."

    struct Input {
        var text: String
        var line: Int
        var ids: [Int32]
        var tokens: [String]
        var unknown: Int
    }

    static func run(_ o: ParsedOptions, _ console: Console) throws -> Int32 {
        guard let path = o.string("--model") else { throw UsageError("option --model is required (a checkpoint written by --save)") }
        let maxTokens = try o.int("--max-tokens")
        if o.string("--input") != nil && !o.positional.isEmpty { throw UsageError("give sentences as arguments or with --input, not both") }
        let model = try TrainedModel(path: path)
        let vocabulary = o.flag("--ids") ? nil : try vocabulary(o, model: model)
        let inputs = try readInputs(o, vocabulary: vocabulary, vocabularySize: model.spec.vocabularySize, maxTokens: maxTokens)
        var corpus = Corpus(classNames: model.classNames, vocabularySize: model.spec.vocabularySize)
        for input in inputs { corpus.append(ids: input.ids, label: 0) }
        let predictor = Predictor(network: model.network, batchSize: 64, maxLength: inputs.map(\.ids.count).max()!)
        let probabilities = predictor.finalProbabilities(corpus: corpus, rows: Array(0 ..< inputs.count))
        if o.flag("--tsv") {
            console.line((["predicted", "probability"] + model.classNames + ["input"]).joined(separator: "\t"))
        }
        for (input, p) in zip(inputs, probabilities) {
            let lines = o.flag("--tsv") ? [tsvLine(input, p, names: model.classNames)] : report(input, p, names: model.classNames, vocabulary: vocabulary)
            for line in lines { console.line(line) }
        }
        return RNNTrain.ExitCode.ok
    }

    /// The vocabulary that turns text into the model's ids: --vocab, the
    /// one the model was trained with, or the synthetic corpus's.
    static func vocabulary(_ o: ParsedOptions, model: TrainedModel) throws -> Vocabulary {
        let vocabSize = model.spec.vocabularySize
        if let v = o.string("--vocab") ?? model.vocabPath {
            let vocabulary = try Vocabulary.load(path: v)
            guard vocabulary.count <= vocabSize else {
                throw DataError(file: v, line: vocabSize + 1, "the vocabulary has \(vocabulary.count) tokens but the model only \(vocabSize) ids")
            }
            try VocabularyCheck.check(vocabulary, path: v, model: model, allow: o.flag("--allow-vocab-mismatch"))
            return vocabulary
        }
        guard model.trainedOnSynthetic else {
            throw UsageError("the model was trained on \(model.data ?? "unknown data") without --vocab; give --vocab vocab.txt (the vocabulary its CSV was made with) or --ids")
        }
        return Vocabulary(tokens: SyntheticCorpus.vocabulary(size: min(vocabSize, SyntheticCorpus.vocabularySize)))
    }

    /// The sentences from --input, the arguments or stdin, as ids (through
    /// `vocabulary`, or read as ids when it is nil); blank lines skipped.
    static func readInputs(_ o: ParsedOptions, vocabulary: Vocabulary?, vocabularySize: Int, maxTokens: Int) throws -> [Input] {
        let source: String
        var lines: [(text: String, line: Int)]
        if let file = o.string("--input") {
            (source, lines) = (file, try readLines(path: file))
        } else if !o.positional.isEmpty {
            (source, lines) = ("argument", o.positional.enumerated().map { ($0.element, $0.offset + 1) })
        } else {
            (source, lines) = ("stdin", try readLines(path: "/dev/stdin"))
        }
        let tokenizer = Tokenizer()
        var inputs: [Input] = []
        for (text, line) in lines where !text.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) {
            var input = Input(text: text, line: line, ids: [], tokens: [], unknown: 0)
            if let vocabulary {
                input.tokens = tokenizer.tokens(text)
                for t in input.tokens {
                    if let id = vocabulary.id(of: t) { input.ids.append(id) } else { input.ids.append(0); input.unknown += 1 }
                }
            } else {
                for field in text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," || $0 == "\r" }) {
                    guard let id = Int(field), id >= 0, id < vocabularySize else {
                        throw DataError(file: source, line: line, "token id '\(field)' is not an integer in [0, \(vocabularySize))")
                    }
                    input.ids.append(Int32(id))
                }
            }
            guard !input.ids.isEmpty else { throw DataError(file: source, line: line, "no tokens in '\(text)'") }
            guard input.ids.count <= maxTokens else {
                throw DataError(file: source, line: line, "\(input.ids.count) tokens is more than --max-tokens \(maxTokens)")
            }
            inputs.append(input)
        }
        guard !inputs.isEmpty else { throw UsageError("no sentences to classify (give them as arguments, with --input, or on stdin)") }
        return inputs
    }

    /// The most likely class (the lower index on a tie).
    static func best(_ p: [Float]) -> Int { p.indices.max { p[$0] < p[$1] || (p[$0] == p[$1] && $0 > $1) }! }

    /// `--tsv`: predicted class, its probability, every class's, the input.
    static func tsvLine(_ input: Input, _ p: [Float], names: [String]) -> String {
        let k = best(p)
        let cleaned = String(input.text.map { $0 == "\t" || $0 == "\r" ? " " : $0 })
        return ([names[k], Format.fixed(Double(p[k]), 4)] + p.map { Format.fixed(Double($0), 4) } + [cleaned]).joined(separator: "\t")
    }

    /// The input, its tokens (text input), the verdict (with gender and age
    /// bracket for the blog classes) and every class's probability.
    static func report(_ input: Input, _ p: [Float], names: [String], vocabulary: Vocabulary?) -> [String] {
        let k = best(p)
        var lines = [input.text]
        if let vocabulary {
            lines.append("  tokens: " + input.tokens.map { vocabulary.id(of: $0) == nil ? "<UNK>(\($0))" : $0 }.joined(separator: " ")
                + " (\(input.tokens.count) token\(input.tokens.count == 1 ? "" : "s"), \(input.unknown) unknown)")
        }
        var verdict = "  predicted: \(names[k]) (\(Format.fixed(Double(p[k]), 3)))"
        if names == Corpus.blogClassNames {
            let female = Double(p[3] + p[4] + p[5])
            let ages = (0 ..< 3).map { Double(p[$0] + p[$0 + 3]) }
            let age = ages.indices.max { ages[$0] < ages[$1] }!
            let ageNames = ["13-17", "23-27", "33-47"]
            verdict += " - gender: \(female >= 0.5 ? "female" : "male") (\(Format.fixed(max(female, 1 - female), 3)))"
                + ", age bracket: \(ageNames[age]) (\(Format.fixed(ages[age], 3)))"
        }
        return lines + [verdict, "  " + zip(names, p).map { "\($0) \(Format.fixed(Double($1), 3))" }.joined(separator: " | ")]
    }

    static func readLines(path: String) throws -> [(text: String, line: Int)] {
        var out: [(String, Int)] = []
        try MappedFile(path: path).withBytes { bytes in
            forEachLine(in: bytes) { line, text in out.append((String(decoding: text, as: UTF8.self), line)) }
        }
        return out
    }
}
