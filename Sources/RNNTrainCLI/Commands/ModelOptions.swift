import Model

/// The flags that describe the network and the optimizer, turned into a
/// `ModelSpec` and an `OptimizerSpec`. A combination that cannot work is a
/// usage error that says why.
enum ModelOptions {
    static func specs(_ task: Task) -> [OptionSpec] {
        var s = [
            OptionSpec("--cell", "KIND", help: "recurrent cell: gru, lstm, or rnn (Elman)", default: "gru"),
            OptionSpec("--nonlinearity", "F", help: "with --cell rnn: tanh or relu (PyTorch's nn.RNN)", default: "tanh"),
            OptionSpec("--layers", "N", help: "stacked recurrent layers", default: "1"),
            OptionSpec("--bidirectional", help: "a reverse direction per layer, starting at each row's last real token"),
            OptionSpec("--layer-norm", help: "layer-normalized gru or lstm cells (Ba et al. 2016; see README)"),
            OptionSpec("--embed", "N", help: "embedding size E", default: "64"),
            OptionSpec("--hidden", "N", help: "state size H of every layer and direction", default: "64"),
            OptionSpec("--keep-prob", "P", help: "dropout keep probability on the classifier's input (1 = no dropout)", default: "0.6"),
            OptionSpec("--layer-keep", "P", help: "dropout keep probability between stacked layers", default: "1"),
        ]
        if task == .classify {
            s.append(OptionSpec("--pool", "HOW", help: "what the classifier reads: last (output at the last real step), mean or max over the real steps", default: "last"))
        }
        return s + [
            OptionSpec("--optimizer", "NAME", help: "adam, rmsprop or sgd (PyTorch's update rules)", default: "adam"),
            OptionSpec("--lr", "X", help: "learning rate (the reference tutorial used 1e-4 with adam)", default: "1e-3 for adam, 0.01 for rmsprop and sgd"),
            OptionSpec("--weight-decay", "X", help: "adam: decoupled weight decay (AdamW): p *= 1 - lr * X every update", default: "0"),
            OptionSpec("--momentum", "X", help: "rmsprop and sgd: momentum", default: "0"),
            OptionSpec("--alpha", "X", help: "rmsprop: smoothing constant of the squared-gradient average", default: "0.99"),
            OptionSpec("--eps", "X", help: "adam and rmsprop: added to the denominator", default: "1e-8"),
            OptionSpec("--centered", help: "rmsprop: divide by the centred second moment (gradient variance)"),
            OptionSpec("--nesterov", help: "sgd: Nesterov momentum (needs --momentum)"),
        ]
    }

    /// The network for `task` on data with `vocabularySize` ids and `classes` classes.
    static func modelSpec(_ o: ParsedOptions, task: Task, vocabularySize: Int, classes: Int) throws -> ModelSpec {
        var s = ModelSpec(task: task, vocabularySize: vocabularySize, numClasses: classes)
        s.cell = try choice(o, "--cell", CellKind.allCases.map(\.rawValue), default: "gru").flatMap(CellKind.init(rawValue:))!
        s.nonlinearity = Nonlinearity(rawValue: try choice(o, "--nonlinearity", ["tanh", "relu"], default: "tanh")!)!
        if o.has("--nonlinearity") && s.cell != .rnn { throw UsageError("option --nonlinearity applies to --cell rnn only") }
        s.layers = try o.int("--layers", default: 1, min: 1, max: 64)
        s.bidirectional = o.flag("--bidirectional")
        s.layerNorm = o.flag("--layer-norm")
        s.embedDim = try o.int("--embed", default: 64, min: 1, max: 4096)
        s.hiddenSize = try o.int("--hidden", default: 64, min: 1, max: 4096)
        s.keepProb = Float(try o.double("--keep-prob", default: 0.6, min: 0, max: 1, exclusiveMin: true))
        s.layerKeepProb = Float(try o.double("--layer-keep", default: 1, min: 0, max: 1, exclusiveMin: true))
        if task == .classify, let pool = try choice(o, "--pool", ["last", "mean", "max"], default: "last") {
            s.pooling = Pooling(rawValue: pool)!
        }
        if let problem = s.problem { throw UsageError(problem) }
        return s
    }

    /// The optimizer the flags describe; a resumed run's `resumed` spec
    /// gives the defaults (same kind).
    static func optimizerSpec(_ o: ParsedOptions, resumed: OptimizerSpec? = nil) throws -> OptimizerSpec {
        let kind = OptimizerSpec.Kind(rawValue: try choice(o, "--optimizer", OptimizerSpec.Kind.allCases.map(\.rawValue),
                                                           default: resumed?.kind.rawValue ?? "adam")!)!
        let r = resumed?.kind == kind ? resumed : nil
        let defaultLR = r.map { Double($0.learningRate) } ?? (kind == .adam ? 1e-3 : 0.01)
        var s = OptimizerSpec(kind: kind, learningRate: Float(try o.double("--lr", default: defaultLR, min: 0, max: 10, exclusiveMin: true)))
        let applies: [(String, [OptimizerSpec.Kind])] = [
            ("--momentum", [.rmsprop, .sgd]), ("--alpha", [.rmsprop]), ("--eps", [.adam, .rmsprop]),
            ("--centered", [.rmsprop]), ("--nesterov", [.sgd]), ("--weight-decay", [.adam]),
        ]
        for (flag, kinds) in applies where o.has(flag) && !kinds.contains(kind) {
            throw UsageError("option \(flag) applies to --optimizer \(kinds.map(\.rawValue).joined(separator: " or ")), not \(kind.rawValue)")
        }
        let d = r ?? OptimizerSpec(kind: kind)
        s.momentum = Float(try o.double("--momentum", default: Double(d.momentum), min: 0, max: 1))
        s.alpha = Float(try o.double("--alpha", default: Double(d.alpha), min: 0, max: 1))
        s.epsilon = Float(try o.double("--eps", default: Double(d.epsilon), min: 0, max: 1, exclusiveMin: true))
        s.weightDecay = Float(try o.double("--weight-decay", default: Double(d.weightDecay), min: 0, max: 1e6))
        s.centered = o.flag("--centered") || d.centered
        s.nesterov = o.flag("--nesterov") || d.nesterov
        if s.nesterov && s.momentum == 0 { throw UsageError("option --nesterov needs --momentum above 0") }
        return s
    }

    /// The value of `flag` when it is one of `allowed` (nil when `flag` is absent and `default` is nil).
    static func choice(_ o: ParsedOptions, _ flag: String, _ allowed: [String], default d: String?) throws -> String? {
        guard let v = o.string(flag) else { return d }
        guard allowed.contains(v) else {
            throw UsageError("option \(flag) expects \(allowed.joined(separator: ", ")), got '\(v)'"
                + (suggestion(for: v, among: allowed).map { ". Did you mean \($0)?" } ?? ""))
        }
        return v
    }
}
