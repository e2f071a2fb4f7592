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
    /// The data options do not apply (the data is generated), nor do the
    /// test fraction (--test-examples says how many rows are held out) and
    /// the files or post grouping of a split. --val-fraction (default 0, as
    /// the notebook) holds out that share of all sequences for validation.
    static let dropped: Set<String> = ["--test-fraction", "--val-data", "--test-data", "--split-by", "--allow-overlap"]

    /// Its own options, then classify's model and training options with
    /// the notebook's settings as their defaults.
    static var options: [OptionSpec] {
        let shared = (ModelOptions.specs(.classify) + TrainCommand.trainingSpecs).filter { !dropped.contains($0.name) }
        let seed = shared.first { $0.name == "--seed" }!
        return [
            .int("--examples", 1 ... 10_000_000, default: "50000", help: "training sequences generated"),
            .int("--test-examples", 0 ... 10_000_000, default: "10000", help: "held-out sequences generated beside them"),
            .int("--max-len", 1 ... 255, default: "\(CountOnesCorpus.defaultMaxLength)", help: "longest sequence (lengths are uniform in 1...N; classes 0...N)"),
            .int("--max-steps", default: "1000", help: "optimizer steps (batches) to train; --epochs trains whole epochs instead").aliased("--steps"),
        ] + shared.replacing(with: shared.compactMap { spec in
            switch spec.name {
            case "--cell": return spec.defaulting(to: "lstm")
            case "--embed": return spec.defaulting(to: "2", shown: "2, a learned one-hot input: docs/training.md, count-ones")
            case "--keep-prob": return spec.defaulting(to: "1", shown: "1, no dropout")
            case "--batch-size": return spec.defaulting(to: "50")
            case "--optimizer": return spec.defaulting(to: "rmsprop")
            case "--log-every-steps": return spec.defaulting(to: "200")
            case "--val-fraction": return spec.defaulting(to: "0", shown: "0, the notebook holds out test sequences only")
            case "--run-name": return spec.defaulting(to: "count-ones")
            case "--epochs": return spec.defaulting(to: "10", shown: "off: --max-steps 1000")
            default: return nil
            }
        } + [seed.helping("seed of every random choice (the sequences, split, init, order)")])
    }

    static let about = """
                 Counts the ones in random binary sequences: the dynamic_rnn notebook's task with its
                 defaults (LSTM 64 units, batch 50, RMSProp lr 0.01, 1,000 steps, 50,000 sequences of
                 length 1-15, classes 0-15). Step lines every --log-every-steps report the loss and
                 accuracy over those steps and evaluate the test sequences: accuracy, and the error
                 rate (the share of sequences whose count is wrong).
                 The classifier's logits go through softmax once, inside the cross-entropy. (The
                 notebook applied softmax to the logits and then softmax cross-entropy to those
                 probabilities: softmax twice, which squashes the loss and its gradients.)
                 """

    static func run(_ o: ParsedOptions, _ console: Console) throws -> Int32 {
        try DataParallel.run(console) { console, group in
            var plan = try makePlan(o)
            plan.steps.evaluate = true
            plan.steps.errorRate = true
            try plan.spread(over: group)
            return try TrainSession(plan: plan, console: console).run()
        }
    }

    static func makePlan(_ o: ParsedOptions) throws -> TrainPlan {
        let examples = try o.int("--examples")
        let test = try o.int("--test-examples")
        let maxLength = try o.int("--max-len")
        guard Double(test) <= 0.99 * Double(examples + test) else {
            throw UsageError("--test-examples \(test) leaves too few of the \(examples + test) sequences for training (at most 99% are held out)")
        }
        if o.has("--max-steps") && o.has("--epochs") { throw UsageError("options --max-steps and --epochs exclude each other") }
        let limit = o.has("--epochs") ? nil : try o.int("--max-steps")
        // The held-out rows as a fraction, so the usual seeded split draws exactly `test` of them.
        let heldOut = Double(test) / Double(examples + test)
        var plan = try TrainPlan(task: .classify, command: "count-ones", options: o) { _, seed in
            TrainPlan.DataSource(maxLength: maxLength, vocabPath: nil, repeatsByDesign: true, heldOut: heldOut) {
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
