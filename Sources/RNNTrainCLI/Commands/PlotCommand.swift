import Corpus

/// `rnntrain plot`: learning curves from one or more metrics files (as
/// written by `--metrics`) in one SVG chart.
enum PlotCommand {
    static let options: [OptionSpec] = [
        .text("--out", "PATH.svg", help: "SVG file to write (required)"),
        .text("--title", "TEXT", default: "Learning curves", help: "chart title"),
        .flag("--steps", help: "chart the step records (--log-every-steps) by step instead of the epochs"),
        .flag("--time", help: "x axis in seconds of training (the records' seconds added up): runs of different speed at equal time"),
    ]

    static let usage = "rnntrain plot METRICS.jsonl [MORE.jsonl ...] --out curves.svg"
    static let about = "Draws train and test accuracy and loss per epoch from metrics files written by\n--metrics: every run in every file is one colour (train solid, test dashed), so\nruns compare on one chart, e.g. padded vs bucketed. Step records (--log-every-steps)\nare left out unless --steps asks for them (or the files have no epoch records):\nthen the chart is per step."

    static func run(_ o: ParsedOptions, _ console: Console) throws -> Int32 {
        guard !o.positional.isEmpty else { throw UsageError("give at least one metrics file (written by --metrics PATH)") }
        guard let out = try LearningCurves.checkedPath(o.string("--out"), option: "--out") else {
            throw UsageError("option --out is required (the SVG file to write)")
        }
        try AtomicFile.checkWritable(path: out)
        var series: [LearningCurves.Series] = [], stepSeries: [LearningCurves.Series] = []
        for path in o.positional {
            let name = String(path.split(separator: "/").last ?? Substring(path))
            let records = try MetricsFile.read(path: path)
            series += LearningCurves.series(from: records, fallbackLabel: name)
            stepSeries += LearningCurves.series(from: records, fallbackLabel: name, steps: true)
        }
        // Epochs when there are any; step records (--log-every-steps) when asked or when there are no epochs.
        let bySteps = o.flag("--steps") || series.isEmpty
        guard !(bySteps && stepSeries.isEmpty) else { throw UsageError("option --steps: the files have no step records (written with --log-every-steps)") }
        let ignored = (bySteps ? series : stepSeries).reduce(0) { $0 + $1.records.count }
        series = LearningCurves.uniqueLabels(bySteps ? stepSeries : series)
        let byTime = o.flag("--time")
        if byTime { series = LearningCurves.withElapsedSeconds(series) }
        let chart = LearningCurves(title: o.string("--title")!, series: series, bySteps: bySteps, byTime: byTime)
        try AtomicFile.write(Array(chart.svg().utf8), to: out)
        console.note("wrote \(out): \(series.count) run\(series.count == 1 ? "" : "s") ("
            + series.map { "\($0.label), \($0.records.count) \(bySteps ? "steps" : "epochs")" }.joined(separator: "; ") + ")"
            + (ignored > 0 ? "; left out \(ignored) \(bySteps ? "epoch" : "step") records" + (bySteps ? "" : " (--steps charts them)") : ""))
        return RNNTrain.ExitCode.ok
    }
}
