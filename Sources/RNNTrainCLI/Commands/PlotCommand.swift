import Corpus

/// `rnntrain plot`: learning curves from one or more metrics files (as
/// written by `--metrics`) in one SVG chart.
enum PlotCommand {
    static let specs: [OptionSpec] = [
        OptionSpec("--out", "PATH.svg", help: "SVG file to write (required)"),
        OptionSpec("--title", "TEXT", help: "chart title", default: "Learning curves"),
    ]

    static var help: String {
        helpText(usage: "rnntrain plot METRICS.jsonl [MORE.jsonl ...] --out curves.svg",
                 summary: "Draws train and test accuracy and loss per epoch from metrics files written by\n--metrics: every run in every file is one colour (train solid, test dashed), so\nruns compare on one chart, e.g. padded vs bucketed.",
                 specs: specs)
    }

    static func run(_ arguments: [String], _ console: Console) throws -> Int32 {
        let o = try ParsedOptions.parse(arguments, specs: specs, allowPositional: true)
        guard !o.positional.isEmpty else { throw UsageError("give at least one metrics file (written by --metrics PATH)") }
        guard let out = o.string("--out") else { throw UsageError("option --out is required (the SVG file to write)") }
        try AtomicFile.checkWritable(path: out)
        var series: [LearningCurves.Series] = []
        for path in o.positional {
            let name = String(path.split(separator: "/").last ?? Substring(path))
            series += LearningCurves.series(from: try MetricsFile.read(path: path), fallbackLabel: name)
        }
        series = LearningCurves.uniqueLabels(series)
        let chart = LearningCurves(title: o.string("--title") ?? "Learning curves", series: series)
        try AtomicFile.write(Array(chart.svg().utf8), to: out)
        console.note("wrote \(out): \(series.count) run\(series.count == 1 ? "" : "s") ("
            + series.map { "\($0.label), \($0.records.count) epochs" }.joined(separator: "; ") + ")")
        return RNNTrain.ExitCode.ok
    }
}
