import Corpus

/// What every training command does with a finished epoch's figures besides
/// printing them: append the `--metrics` line and redraw the `--plot` chart
/// (with the epochs of a resumed run read back from the metrics file).
final class EpochOutputs {
    let metricsPath: String?, plotPath: String?
    let runName: String
    /// The epochs the chart shows.
    private(set) var history: [MetricsRecord] = []

    /// `firstEpoch`: the first epoch this process trains (after a resume,
    /// the earlier epochs of the same run come from the metrics file).
    init(metricsPath: String?, plotPath: String?, runName: String, firstEpoch: Int) {
        self.metricsPath = metricsPath
        self.plotPath = plotPath
        self.runName = runName
        history = previousEpochs(firstEpoch: firstEpoch)
    }

    /// The run's final record (`"final":true`): to the metrics file only.
    func addFinal(_ m: MetricsRecord) throws {
        if let path = metricsPath { try MetricsFile.append(m, to: path) }
    }

    /// `kept`: the epoch whose model the run keeps so far (the chart's ring).
    func add(_ m: MetricsRecord, kept: Int? = nil) throws {
        history.append(m)
        if let path = metricsPath { try MetricsFile.append(m, to: path) }
        if let path = plotPath {
            let chart = LearningCurves(title: "Learning curves: \(runName)",
                                       series: [LearningCurves.Series(label: runName, records: history, kept: kept)])
            try AtomicFile.write(Array(chart.svg().utf8), to: path)
        }
    }

    /// With --plot and --metrics on a resumed run: the epochs of this run
    /// already in the metrics file (read once, here).
    private func previousEpochs(firstEpoch: Int) -> [MetricsRecord] {
        guard plotPath != nil, let path = metricsPath, fileExists(path), let all = try? MetricsFile.read(path: path),
              let last = LearningCurves.series(from: all, fallbackLabel: runName).last?.records,
              let end = last.last, end.run == runName, end.epoch < firstEpoch else { return [] }
        return last
    }
}
