import Corpus
import Model
import TensorCore

/// `rnntrain generate`: text from a character language model saved by
/// `charlm --save`, one character at a time, printed as it is drawn.
enum GenerateCommand {
    static let options: [OptionSpec] = [
        .text("--model", "PATH", help: "checkpoint written by rnntrain charlm --save (required)"),
        .text("--prime", "TEXT", shown: "a line break (the model's first character if its text had none)",
              help: "text fed first; generation continues it (printed too)"),
        .int("--length", 0 ... 1_000_000_000, default: "1000", help: "characters to generate after the prime"),
        .number("--temperature", "T", 0 ... 1000, default: "1", help: "divide the logits by T before sampling; 0 always takes the most likely character"),
        .int("--top-k", "K", 1 ... 1_000_000, shown: "all", help: "sample among the K most likely characters only"),
        .seed(help: "seed of the sampling: same seed, same text"),
        .flag("--probabilities", help: "print the next character's probabilities after the prime (TSV: id, character, p) instead"),
    ]

    static let usage = "rnntrain generate --model PATH [--prime TEXT] [--length N] [--temperature T] [--top-k K] [--seed S]"
    static let about = "Feeds the prime through a character language model, then samples one character at a\ntime from softmax(logits / T), feeding each back in, and prints them as they come."

    static func run(_ o: ParsedOptions, _ console: Console) throws -> Int32 {
        guard let path = o.string("--model") else { throw UsageError("option --model is required (a checkpoint written by rnntrain charlm --save)") }
        let length = try o.int("--length")
        let temperature = Float(try o.double("--temperature"))
        let topK = try o.optionalInt("--top-k")
        let seed = try o.seed()
        let (network, vocabulary) = try load(path)
        let prime = try primeIDs(o.string("--prime"), vocabulary: vocabulary)
        let generator = CharGenerator(network: network)
        prime.withUnsafeBufferPointer { generator.feed($0) }
        if o.flag("--probabilities") {
            let p = generator.distribution(temperature: temperature, topK: topK)
            var lines = ""
            for (i, s) in vocabulary.scalars.enumerated() { lines += "\(i)\t\(CharVocabulary.describe(s))\t\(p[i])\n" }
            console.out(lines)
            return RNNTrain.ExitCode.ok
        }
        var rng = RNG(seed: seed)
        var pending = String.UnicodeScalarView()
        for id in prime { pending.append(vocabulary.scalars[Int(id)]) }
        var last = prime[prime.count - 1]
        for i in 0 ..< length {
            if i > 0 { generator.feed(last) }
            last = generator.sample(temperature: temperature, topK: topK, rng: &rng)
            let s = vocabulary.scalars[Int(last)]
            pending.append(s)
            // Printed as it goes: a line (or 64 characters) at a time.
            if s == "\n" || pending.count >= 64 {
                console.out(String(pending))
                pending.removeAll(keepingCapacity: true)
            }
        }
        console.out(String(pending) + "\n")
        return RNNTrain.ExitCode.ok
    }

    /// The network and characters of a charlm checkpoint; any other
    /// checkpoint is refused with what it is.
    static func load(_ path: String) throws -> (SequenceNetwork, CharVocabulary) {
        let checkpoint = try Checkpoint.read(path: path)
        let record = try checkpoint.record(path: path)
        guard let lm = record.settings.charLM else {
            throw DataError(file: path, line: 0, "not a character language model (a \(record.model.task.rawValue) model); "
                + "generate needs a checkpoint from rnntrain charlm --save")
        }
        let vocabulary = CharVocabulary(characters: lm.characters)
        let m = record.model
        guard vocabulary.count == m.numClasses, m.vocabularySize == m.numClasses, m.pooling == .perStep, !m.bidirectional else {
            throw DataError(file: path, line: 0, "the checkpoint's \(vocabulary.count) characters do not fit its model "
                + "(\(m.vocabularySize) inputs, \(m.numClasses) outputs)")
        }
        let network = SequenceNetwork(spec: m, seed: 0)
        try checkpoint.restore(into: network, optimizer: nil, path: path)
        return (network, vocabulary)
    }

    /// The prime's ids; a character the model never saw is an error naming
    /// it. Without a prime: a line break, or the model's first character.
    static func primeIDs(_ prime: String?, vocabulary: CharVocabulary) throws -> [Int32] {
        guard let prime else { return [vocabulary.id(of: 0x0A) ?? 0] }
        var ids: [Int32] = []
        for (i, s) in prime.unicodeScalars.enumerated() {
            guard let id = vocabulary.id(of: s) else {
                throw UsageError("the prime's character \(CharVocabulary.describe(s)) at position \(i + 1) is not one the model knows "
                    + "(its \(vocabulary.count) characters come from its training text)")
            }
            ids.append(id)
        }
        return ids
    }
}
