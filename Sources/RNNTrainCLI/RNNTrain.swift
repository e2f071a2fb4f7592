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

    struct Command {
        var name: String
        var summary: String
        /// `rnntrain <name> --help`: usage, summary and every option.
        var help: () -> String
        var run: ([String], Console) throws -> Int32
        /// Left out of the main help (tools for `make bench`).
        var hidden = false
        /// Runs matrix products: takes `--kernels` (`KernelOption`).
        var computes: Bool { RNNTrain.computing.contains(name) }
    }

    /// The commands that take `--kernels`.
    static let computing: Set<String> = ["classify", "seq2seq", "charlm", "generate", "count-ones", "predict", "eval", "bench-gemm"]

    static let commands: [Command] = [
        Command(name: "classify", summary: "train a recurrent network (GRU, LSTM, RNN) that predicts one class per sequence",
                help: { TrainCommand.help(.classify) }, run: { try TrainCommand.run(task: .classify, $0, $1) }),
        Command(name: "seq2seq", summary: "train a recurrent network that predicts the class at every step (masked loss)",
                help: { TrainCommand.help(.seq2seq) }, run: { try TrainCommand.run(task: .seq2seq, $0, $1) }),
        Command(name: "charlm", summary: "train a character-level language model on a text file (truncated backpropagation through time)",
                help: { CharLMCommand.help }, run: { try CharLMCommand.run($0, $1) }),
        Command(name: "generate", summary: "write text with a character language model saved by charlm (sampling, temperature, top-k)",
                help: { GenerateCommand.help }, run: { try GenerateCommand.run($0, $1) }),
        Command(name: "count-ones", summary: "the dynamic_rnn notebook's task: count the ones in binary sequences (LSTM, built-in data)",
                help: { CountOnesCommand.help }, run: { try CountOnesCommand.run($0, $1) }),
        Command(name: "padding-stats", summary: "padding per batch with padded vs bucketed batching",
                help: { PaddingStatsCommand.help }, run: { try PaddingStatsCommand.run($0, $1) }),
        Command(name: "predict", summary: "classify sentences (text or token ids) with a saved model",
                help: { PredictCommand.help }, run: { try PredictCommand.run($0, $1) }),
        Command(name: "eval", summary: "evaluate a saved model: accuracy, per-class precision/recall, confusion, by-step accuracy",
                help: { EvalCommand.help }, run: { try EvalCommand.run($0, $1) }),
        Command(name: "plot", summary: "draw learning curves (SVG) from --metrics files, several runs on one chart",
                help: { PlotCommand.help }, run: { try PlotCommand.run($0, $1) }),
        Command(name: "synth", summary: "write the synthetic corpus (the embedded default data) as CSV",
                help: { SynthCommand.help }, run: { try SynthCommand.run($0, $1) }),
        Command(name: "convert", summary: "convert data between tokenized CSV and TFRecord (SequenceExample), either way",
                help: { ConvertCommand.help }, run: { try ConvertCommand.run($0, $1) }),
        Command(name: "prepare", summary: "tokenize a raw corpus (blog XML or text folders) into CSV + vocabulary", help: { PrepareCommand.help }, run: { try PrepareCommand.run($0, $1) }),
        Command(name: "bench-gemm", summary: "sgemm GFLOP/s at the model's shapes (for make bench)",
                help: { BenchGEMMCommand.help }, run: { try BenchGEMMCommand.run($0, $1) }, hidden: true),
    ]

    /// The options of `command` (nil for an unknown command): what the flag
    /// parser is given for it (also the fuzz target's view of the parser).
    public static func optionSpecs(for command: String) -> [OptionSpec]? {
        ownSpecs(for: command).map { computing.contains(command) ? $0 + [KernelOption.spec] : $0 }
    }

    static func ownSpecs(for command: String) -> [OptionSpec]? {
        switch command {
        case "classify": return TrainCommand.specs(.classify)
        case "seq2seq": return TrainCommand.specs(.seq2seq)
        case "charlm": return CharLMCommand.specs
        case "generate": return GenerateCommand.specs
        case "count-ones": return CountOnesCommand.specs
        case "padding-stats": return PaddingStatsCommand.specs
        case "predict": return PredictCommand.specs
        case "eval": return EvalCommand.specs
        case "plot": return PlotCommand.specs
        case "synth": return SynthCommand.specs
        case "prepare": return PrepareCommand.specs
        case "convert": return ConvertCommand.specs
        case "bench-gemm": return BenchGEMMCommand.specs
        default: return nil
        }
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
            console.out(command.computes ? KernelOption.addingLine(to: command.help()) : command.help())
            return ExitCode.ok
        }
        do {
            return try command.run(command.computes ? try KernelOption.apply(rest) : rest, console)
        } catch let e as UsageError {
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
