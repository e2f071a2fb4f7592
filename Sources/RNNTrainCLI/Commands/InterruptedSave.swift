import Model

/// Ctrl-C's checkpoint, for every training session: written to `savePath`
/// (or beside the selected model, as `NAME.interrupted.safetensors`, when a
/// run keeps its best epoch there, never over it), then one line that says
/// where training stopped and how to continue. Exit status 130.
func saveInterruptedRun(position: String, savePath: String?, besideBest: Bool, console: Console,
                        checkpoint: () throws -> Checkpoint) throws -> Int32 {
    var where_ = position
    if let savePath {
        let target = besideBest ? TrainSession.interruptedPath(savePath) : savePath
        try checkpoint().write(to: target)
        where_ += "; saved \(target): continue with --resume \(target)"
    } else {
        where_ += "; nothing saved (use --save PATH to keep progress)"
    }
    console.note("interrupted in \(where_)")
    return RNNTrain.ExitCode.interrupted
}
