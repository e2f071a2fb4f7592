import Cluster
import Corpus
import Model
import TensorCore

/// The command-line interface as a library: `run(arguments)` returns the
/// exit status, so tests drive every command in-process.
///
/// Exit statuses: 0 success, 1 data or runtime error, 64 usage error,
/// 130 interrupted.
public enum RNNTrain {
    public static let version = "0.1.0"

    public enum ExitCode {
        public static let ok: Int32 = 0
        public static let failure: Int32 = 1
        public static let usage: Int32 = 64
        public static let interrupted: Int32 = 130
    }

    /// One command: its line in the main help, its --help (usage, what it
    /// does, every option with its default: all from `options`), and its
    /// body, which gets the options parsed against the same table.
    struct Command {
        var name: String
        var summary: String
        var usage: String
        var about: String
        var footer = ""
        var options: () -> [OptionSpec]
        /// Takes arguments besides options (files, sentences).
        var positional = false
        /// Runs matrix products: takes `--kernels` (`KernelOption`).
        var computes = false
        /// Left out of the main help (tools for `make bench`).
        var hidden = false
        var run: (ParsedOptions, Console) throws -> Int32

        /// Every option the command parses: its own, and `--kernels` when it computes.
        var allOptions: [OptionSpec] { options() + (computes ? [KernelOption.spec] : []) }

        var help: String { helpText(usage: usage, summary: about, specs: allOptions, footer: footer) }
    }

    static let commands: [Command] = [
        Command(name: "classify", summary: "train a recurrent network (GRU, LSTM, RNN) that predicts one class per sequence",
                usage: "rnntrain classify [options]", about: TrainCommand.about(.classify), footer: TrainCommand.determinism,
                options: { TrainCommand.options(.classify) }, computes: true, run: { try TrainCommand.run(task: .classify, $0, $1) }),
        Command(name: "seq2seq", summary: "train a recurrent network that predicts the class at every step (masked loss)",
                usage: "rnntrain seq2seq [options]", about: TrainCommand.about(.seq2seq), footer: TrainCommand.determinism,
                options: { TrainCommand.options(.seq2seq) }, computes: true, run: { try TrainCommand.run(task: .seq2seq, $0, $1) }),
        Command(name: "charlm", summary: "train a character-level language model on a text file (truncated backpropagation through time)",
                usage: "rnntrain charlm --text FILE [options]", about: CharLMCommand.about, footer: TrainCommand.determinism,
                options: { CharLMCommand.options }, computes: true, run: CharLMCommand.run),
        Command(name: "generate", summary: "write text with a character language model saved by charlm (sampling, temperature, top-k)",
                usage: GenerateCommand.usage, about: GenerateCommand.about, options: { GenerateCommand.options }, computes: true,
                run: GenerateCommand.run),
        Command(name: "count-ones", summary: "the dynamic_rnn notebook's task: count the ones in binary sequences (LSTM, built-in data)",
                usage: "rnntrain count-ones [options]", about: CountOnesCommand.about, footer: TrainCommand.determinism,
                options: { CountOnesCommand.options }, computes: true, run: CountOnesCommand.run),
        Command(name: "padding-stats", summary: "padding per batch with padded vs bucketed batching",
                usage: PaddingStatsCommand.usage, about: PaddingStatsCommand.about, options: { PaddingStatsCommand.options },
                run: PaddingStatsCommand.run),
        Command(name: "predict", summary: "classify sentences (text or token ids) with a saved model",
                usage: PredictCommand.usage, about: PredictCommand.about, options: { PredictCommand.options }, positional: true,
                computes: true, run: PredictCommand.run),
        Command(name: "eval", summary: "evaluate a saved model: accuracy, per-class precision/recall, confusion, by-step accuracy",
                usage: EvalCommand.usage, about: EvalCommand.about, footer: EvalCommand.footer, options: { EvalCommand.options },
                computes: true, run: EvalCommand.run),
        Command(name: "plot", summary: "draw learning curves (SVG) from --metrics files, several runs on one chart",
                usage: PlotCommand.usage, about: PlotCommand.about, options: { PlotCommand.options }, positional: true, run: PlotCommand.run),
        Command(name: "synth", summary: "write the synthetic corpus (the embedded default data) as CSV",
                usage: SynthCommand.usage, about: SynthCommand.about, options: { SynthCommand.options }, run: SynthCommand.run),
        Command(name: "convert", summary: "convert data between tokenized CSV and TFRecord (SequenceExample), either way",
                usage: ConvertCommand.usage, about: ConvertCommand.about, options: { ConvertCommand.options }, run: ConvertCommand.run),
        Command(name: "prepare", summary: "tokenize a raw corpus (blog XML or text folders) into CSV + vocabulary",
                usage: PrepareCommand.usage, about: PrepareCommand.about, footer: PrepareCommand.footer, options: { PrepareCommand.options },
                run: PrepareCommand.run),
        Command(name: "bench-gemm", summary: "sgemm GFLOP/s at the model's shapes (for make bench)",
                usage: BenchGEMMCommand.usage, about: BenchGEMMCommand.about, options: { BenchGEMMCommand.options }, computes: true,
                hidden: true, run: BenchGEMMCommand.run),
    ]

    /// The options of `command` (nil for an unknown command): what the flag
    /// parser is given for it (also the fuzz target's view of the parser).
    public static func optionSpecs(for command: String) -> [OptionSpec]? {
        commands.first { $0.name == command }?.allOptions
    }

    /// "classify and count-ones": the commands that take `option` (nil: none).
    static func commandsTaking(_ option: String) -> String? {
        let names = commands.filter { c in c.allOptions.contains { $0.name == option || $0.aliases.contains(option) } }.map(\.name)
        guard !names.isEmpty else { return nil }
        return names.count == 1 ? names[0] : names.dropLast().joined(separator: ", ") + " and " + names.last!
    }

    public static var commandNames: [String] { commands.map(\.name) }

    public static func run(_ arguments: [String], console: Console = .standard) -> Int32 {
        // Denormals never take the slow path here; the trainer's workers set
        // the same mode in their own threads.
        FloatingPointMode.enableFlushToZero()
        guard let first = arguments.first else {
            console.err(mainHelp())
            return ExitCode.usage
        }
        switch first {
        case "--help", "-h", "help":
            console.out(mainHelp())
            return ExitCode.ok
        case "--version", "-V":
            console.line("rnntrain \(version)")
            console.line("kernels: \(KernelFamily.active.summary); this CPU runs \(KernelFamily.supported.map(\.rawValue).joined(separator: ", "))")
            console.line("BLAS: \(BLASEnvironment.summary())")
            return ExitCode.ok
        default: break
        }
        guard let command = commands.first(where: { $0.name == first }) else {
            var message = first.hasPrefix("-") ? "unknown option \(first)" : "unknown command '\(first)'"
            if let s = suggestion(for: first, among: commands.map(\.name) + ["--help", "--version"]) {
                message += ". Did you mean \(s)?"
            }
            console.note("error: \(message)")
            console.note("run 'rnntrain --help' for the commands")
            return ExitCode.usage
        }
        let rest = Array(arguments.dropFirst())
        if rest.contains("--help") || rest.contains("-h") {
            console.out(command.help)
            return ExitCode.ok
        }
        do {
            let options = try ParsedOptions.parse(rest, specs: command.allOptions, allowPositional: command.positional,
                                                  elsewhere: { commandsTaking($0).map { "\($0), not \(command.name)" } })
            if command.computes { try KernelOption.apply(options) }
            return try command.run(options, console)
        } catch let e as UsageError {
            // Under mpirun every rank parses the same arguments: rank 0 says it.
            guard (MPIGroup.launchedRank() ?? 0) == 0 else { return ExitCode.usage }
            console.note("error: \(e.message)")
            console.note("run 'rnntrain \(command.name) --help' for its options")
            return ExitCode.usage
        } catch let e as DataError {
            console.note("error: \(e)")
            return ExitCode.failure
        } catch {
            console.note("error: \(error)")
            return ExitCode.failure
        }
    }

    static func mainHelp() -> String {
        var lines = ["usage: rnntrain <command> [options]", "",
                     "Trains recurrent networks over variable-length token sequences.", "", "commands:"]
        let shown = commands.filter { !$0.hidden }
        let width = (shown.map(\.name.count).max() ?? 0) + 2
        for c in shown { lines.append("  " + Format.padRight(c.name, width) + c.summary) }
        lines += ["", "  --help      show this help", "  --version   show the version, the kernel families and the BLAS in use", "",
                  "Run 'rnntrain <command> --help' for a command's options.",
                  "Exit status: 0 ok, 1 data or runtime error, 64 usage error, 130 interrupted."]
        return lines.joined(separator: "\n") + "\n"
    }
}
