import Model

/// A one-line progress bar with ETA and running loss/accuracy, redrawn with
/// `\r` on an interactive terminal only. In logs, CI and pipes it is off, so
/// they get the plain epoch lines and no carriage-return junk; there, with
/// `logInterval`, a long epoch prints a plain progress line at most that
/// often (batches done, tokens/s, ETA), so a log shows the run is alive.
final class ProgressBar {
    let console: Console
    let enabled: Bool
    let logInterval: Double?
    private var drawn = false
    private var lastDraw = -1.0

    init(console: Console, enabled: Bool, logInterval: Double? = nil) {
        self.console = console
        self.enabled = enabled
        self.logInterval = logInterval
    }

    /// "Epoch 3/10: batch 120/275 - 98,000 tok/s - ETA 1 min 05 s".
    static func logLine(_ p: BatchProgress, epoch: Int, of epochs: Int) -> String {
        let eta = p.batch > 0 ? p.elapsedSeconds / Double(p.batch) * Double(p.batches - p.batch) : 0
        let speed = Double(p.tally.tokens) / max(p.elapsedSeconds, 1e-9)
        return "Epoch \(epoch)/\(epochs): batch \(p.batch)/\(p.batches) - \(Format.grouped(Int(speed.rounded()))) tok/s - ETA \(Format.duration(eta))"
    }

    func callback(epoch: Int, of epochs: Int) -> ((BatchProgress) -> Void)? {
        if !enabled, let interval = logInterval {
            var lastLog = 0.0
            return { [console] p in
                guard p.batch < p.batches, p.elapsedSeconds - lastLog >= interval else { return }
                lastLog = p.elapsedSeconds
                console.note(ProgressBar.logLine(p, epoch: epoch, of: epochs))
            }
        }
        guard enabled else { return nil }
        return { [self] p in
            guard p.batch == p.batches || p.elapsedSeconds - lastDraw >= 0.1 else { return }
            lastDraw = p.elapsedSeconds
            let width = 30
            let done = width * p.batch / max(p.batches, 1)
            let eta = p.batch > 0 ? p.elapsedSeconds / Double(p.batch) * Double(p.batches - p.batch) : 0
            let bar = String(repeating: "=", count: done) + (done < width ? ">" : "") + String(repeating: " ", count: max(width - done - 1, 0))
            console.err("\rEpoch \(epoch)/\(epochs) [\(bar)] \(p.batch)/\(p.batches) - ETA \(Format.duration(eta))"
                + " - loss \(Format.fixed(p.runningLoss, 4)) - acc \(Format.fixed(p.runningAccuracy, 4))\u{1B}[K")
            drawn = true
            if p.batch == p.batches { lastDraw = -1 }
        }
    }

    func clear() {
        if drawn { console.err("\r\u{1B}[K"); drawn = false }
    }
}
