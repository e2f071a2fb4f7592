import Model

/// A one-line progress bar with ETA and running loss/accuracy, redrawn with
/// `\r` on an interactive terminal only. In logs, CI and pipes it is off, so
/// they get the plain epoch lines and no carriage-return junk.
final class ProgressBar {
    let console: Console
    let enabled: Bool
    private var drawn = false
    private var lastDraw = -1.0

    init(console: Console, enabled: Bool) {
        self.console = console
        self.enabled = enabled
    }

    func callback(epoch: Int, of epochs: Int) -> ((BatchProgress) -> Void)? {
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
