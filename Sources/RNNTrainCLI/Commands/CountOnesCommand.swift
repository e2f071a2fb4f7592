import TensorCore
import Corpus
import Model

/// `rnntrain count-ones`: the `dynamic_rnn` notebook's task built in. Binary
/// sequences (length 1...15) generated from `--seed`, classified by their
/// number of ones (16 classes) with the notebook's defaults: LSTM 64, batch
/// 50, RMSProp lr 0.01, 1,000 steps. It is `classify` with its own data and
/// defaults: the same plan, session and trainer, so every model, training
/// and step option works here too.
enum CountOnesCommand {
    /// Shared options whose default differs here (the notebook's settings),
    /// as given to the parser and as shown in --help.
    static let modelDefaults: [(name: String, value: String, shown: String)] = [
        ("--cell", "lstm", "lstm"),
        ("--embed", "2", "2, a learned one-hot input (see README)"),
        ("--keep-prob", "1", "1, no dropout"),
        ("--batch-size", "50", "50"),
        ("--optimizer", "rmsprop", "rmsprop"),
        ("--log-every-steps", "200", "200"),
        ("--val-fraction", "0", "0, the notebook holds out test sequences only"),
    ]

    static let ownSpecs: [OptionSpec] = [
        OptionSpec("--examples", "N", help: "training sequences generated", default: "50000"),
        OptionSpec("--test-examples", "N", help: "held-out sequences generated beside them", default: "10000"),
        OptionSpec("--max-len", "N", help: "longest sequence (lengths are uniform in 1...N; classes 0...N)", default: "15"),
        OptionSpec("--steps", "N", help: "optimizer steps (batches) to train; --epochs trains whole epochs instead", default: "1000"),
    ]

    /// The data options do not apply (the data is generated), nor do the
    /// test fraction (--test-examples says how many rows are held out) and
    /// the files or post grouping of a split. --val-fraction (default 0, as
    /// the notebook) holds out that share of all sequences for validation.
    static let dropped: Set<String> = ["--test-fraction", "--val-data", "--test-data", "--split-by", "--allow-overlap"]

    static var specs: [OptionSpec] {
        let shown = Dictionary(uniqueKeysWithValues: modelDefaults.map { ($0.name, $0.shown) })
        let shared = (ModelOptions.specs(.classify) + TrainCommand.trainingSpecs).filter { !dropped.contains($0.name) }
        return ownSpecs + shared.map { spec in
            var s = spec
            if let d = shown[s.name] { s.defaultText = d }
            if s.name == "--run-name" { s.defaultText = "count-ones" }
            if s.name == "--epochs" { s.defaultText = "off: --steps 1000" }
            if s.name == "--seed" { s.help = "seed of every random choice (the sequences, split, init, order)" }
            return s
        }
    }

    static var help: String {
        helpText(usage: "rnntrain count-ones [options]",
                 summary: """
                 Counts the ones in random binary sequences: the dynamic_rnn notebook's task with its
                 defaults (LSTM 64 units, batch 50, RMSProp lr 0.01, 1,000 steps, 50,000 sequences of
                 length 1-15, classes 0-15). Step lines every --log-every-steps report the loss and
                 accuracy over those steps and evaluate the test sequences: accuracy, and the error
                 rate (the share of sequences whose count is wrong).
                 The classifier's logits go through softmax once, inside the cross-entropy. (The
                 notebook applied softmax to the logits and then softmax cross-entropy to those
                 probabilities: softmax twice, which squashes the loss and its gradients.)
                 """,
                 specs: specs, footer: "Same seed and shard count give identical output on any --threads and MPI ranks, run after run.")
    }

    static func run(_ arguments: [String], _ console: Console) throws -> Int32 {
        try DataParallel.run(console) { console, group in
            var plan = try makePlan(arguments)
            plan.steps.evaluate = true
            plan.steps.errorRate = true
            try plan.spread(over: group)
            return try TrainSession(plan: plan, console: console).run()
        }
    }

    static func makePlan(_ arguments: [String]) throws -> TrainPlan {
        var o = try ParsedOptions.parse(arguments, specs: specs)
        let examples = try o.int("--examples", default: 50_000, min: 1, max: 10_000_000)
        let test = try o.int("--test-examples", default: 10_000, min: 0, max: 10_000_000)
        let maxLength = try o.int("--max-len", default: CountOnesCorpus.defaultMaxLength, min: 1, max: 255)
        guard Double(test) <= 0.99 * Double(examples + test) else {
            throw UsageError("--test-examples \(test) leaves too few of the \(examples + test) sequences for training (at most 99% are held out)")
        }
        if o.has("--steps") && o.has("--epochs") { throw UsageError("options --steps and --epochs exclude each other") }
        let limit = o.has("--epochs") ? nil : try o.int("--steps", default: 1000, min: 1)
        var defaults = Dictionary(uniqueKeysWithValues: modelDefaults.map { ($0.name, $0.value) })
        if o.has("--optimizer") { defaults["--optimizer"] = nil }
        o.fillDefaults(defaults)
        // The held-out rows as a fraction, so the usual seeded split draws exactly `test` of them.
        o.fillDefaults(["--test-fraction": "\(Double(test) / Double(examples + test))"])
        var plan = try TrainPlan(task: .classify, command: "count-ones", arguments: arguments, options: o) { _, seed in
            TrainPlan.DataSource(maxLength: maxLength, vocabPath: nil, repeatsByDesign: true) {
                let clock = ContinuousClock()
                let start = clock.now
                let corpus = CountOnesCorpus.generate(rows: examples + test, seed: seed, maxLength: maxLength)
                let name = "count-ones (\(Format.grouped(examples)) + \(Format.grouped(test)) sequences, length 1-\(maxLength), seed \(seed))"
                return DataOptions.Loaded(corpus: corpus, name: name,
                                          summary: "data: \(name), generated in \(Format.fixed((clock.now - start).inSeconds, 2)) s")
            }
        }
        plan.steps.limit = limit
        return plan
    }
}
