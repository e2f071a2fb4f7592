import Model

/// The flags that describe the network and the optimizer, turned into a
/// `ModelSpec` and an `OptimizerSpec`. A combination that cannot work is a
/// usage error that says why.
enum ModelOptions {
    static func specs(_ task: Task) -> [OptionSpec] {
        var s: [OptionSpec] = [
            .choice("--cell", "KIND", CellKind.allCases.map(\.rawValue), default: "gru", help: "recurrent cell: gru, lstm, or rnn (Elman)"),
            .choice("--nonlinearity", "F", ["tanh", "relu"], default: "tanh", help: "with --cell rnn: tanh or relu (PyTorch's nn.RNN)"),
            .int("--layers", 1 ... 64, default: "1", help: "stacked recurrent layers"),
            .flag("--bidirectional", help: "a reverse direction per layer, starting at each row's last real token"),
            .flag("--layer-norm", help: "layer-normalized gru or lstm cells (Ba et al. 2016; docs/training.md)"),
            .int("--embed", 1 ... 4096, default: "64", help: "embedding size E"),
            .int("--hidden", 1 ... 4096, default: "64", help: "state size H of every layer and direction"),
            .number("--keep-prob", "P", 0 ... 1, above: true, default: "0.6", help: "dropout keep probability on the classifier's input (1 = no dropout)"),
            .number("--layer-keep", "P", 0 ... 1, above: true, default: "1", help: "dropout keep probability between stacked layers"),
        ]
        if task == .classify {
            s.append(.choice("--pool", "HOW", ["last", "mean", "max"], default: "last",
                             help: "what the classifier reads: last (output at the last real step), mean or max over the real steps"))
        }
        return s + [
            .choice("--optimizer", "NAME", OptimizerSpec.Kind.allCases.map(\.rawValue), default: "adam", help: "adam, rmsprop or sgd (PyTorch's update rules)"),
            .number("--lr", "X", 0 ... 10, above: true, shown: "1e-3 for adam, 0.01 for rmsprop and sgd",
                    help: "learning rate (the reference tutorial used 1e-4 with adam)"),
            .number("--weight-decay", "X", 0 ... 1e6, default: "0", help: "adam: decoupled weight decay (AdamW): p *= 1 - lr * X every update"),
            .number("--momentum", "X", 0 ... 1, default: "0", help: "rmsprop and sgd: momentum"),
            .number("--alpha", "X", 0 ... 1, default: "0.99", help: "rmsprop: smoothing constant of the squared-gradient average"),
            .number("--eps", "X", 0 ... 1, above: true, default: "1e-8", help: "adam and rmsprop: added to the denominator"),
            .flag("--centered", help: "rmsprop: divide by the centred second moment (gradient variance)"),
            .flag("--nesterov", help: "sgd: Nesterov momentum (needs --momentum)"),
        ]
    }

    /// The optimizer flags (a resumed run without any keeps its optimizer).
    static let optimizerFlags = ["--optimizer", "--lr", "--momentum", "--alpha", "--eps", "--centered", "--nesterov", "--weight-decay"]

    /// The network for `task` on data with `vocabularySize` ids and `classes` classes.
    static func modelSpec(_ o: ParsedOptions, task: Task, vocabularySize: Int, classes: Int) throws -> ModelSpec {
        var s = ModelSpec(task: task, vocabularySize: vocabularySize, numClasses: classes)
        s.cell = try o.choice("--cell", as: CellKind.self)!
        s.nonlinearity = try o.choice("--nonlinearity", as: Nonlinearity.self)!
        if o.has("--nonlinearity") && s.cell != .rnn { throw UsageError("option --nonlinearity applies to --cell rnn only") }
        s.layers = try o.int("--layers")
        s.bidirectional = o.flag("--bidirectional")
        s.layerNorm = o.flag("--layer-norm")
        s.hiddenSize = try o.int("--hidden")
        s.embedDim = try o.optionalInt("--embed") ?? s.hiddenSize   // charlm: E = H unless given
        s.keepProb = Float(try o.double("--keep-prob"))
        s.layerKeepProb = Float(try o.double("--layer-keep"))
        if task == .classify { s.pooling = try o.choice("--pool", as: Pooling.self)! }
        if let problem = s.problem { throw UsageError(problem) }
        return s
    }

    /// The optimizer the flags describe; a resumed run's `resumed` spec
    /// gives the defaults (same kind).
    static func optimizerSpec(_ o: ParsedOptions, resumed: OptimizerSpec? = nil) throws -> OptimizerSpec {
        let kind = try o.choice("--optimizer", as: OptimizerSpec.Kind.self, recorded: resumed?.kind)!
        let r = resumed?.kind == kind ? resumed : nil
        let d = r ?? OptimizerSpec(kind: kind, learningRate: OptimizerSpec.defaultRate(kind))
        var s = OptimizerSpec(kind: kind, learningRate: Float(try o.double("--lr", recorded: Double(d.learningRate))))
        let applies: [(String, [OptimizerSpec.Kind])] = [
            ("--momentum", [.rmsprop, .sgd]), ("--alpha", [.rmsprop]), ("--eps", [.adam, .rmsprop]),
            ("--centered", [.rmsprop]), ("--nesterov", [.sgd]), ("--weight-decay", [.adam]),
        ]
        for (flag, kinds) in applies where o.has(flag) && !kinds.contains(kind) {
            throw UsageError("option \(flag) applies to --optimizer \(kinds.map(\.rawValue).joined(separator: " or ")), not \(kind.rawValue)")
        }
        s.momentum = Float(try o.double("--momentum", recorded: Double(d.momentum)))
        s.alpha = Float(try o.double("--alpha", recorded: Double(d.alpha)))
        s.epsilon = Float(try o.double("--eps", recorded: Double(d.epsilon)))
        s.weightDecay = Float(try o.double("--weight-decay", recorded: Double(d.weightDecay)))
        s.centered = o.flag("--centered") || d.centered
        s.nesterov = o.flag("--nesterov") || d.nesterov
        if s.nesterov && s.momentum == 0 { throw UsageError("option --nesterov needs --momentum above 0") }
        return s
    }
}
