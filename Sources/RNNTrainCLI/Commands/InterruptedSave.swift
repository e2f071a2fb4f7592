import Model

/// The line a resumed training session starts with: where it continues
/// (`unit` names what an epoch is made of: batch, window) and the optimizer
/// step it continues from.
func resumeNote(path: String, epoch: Int, partial: EpochTally, unit: String, optimizerStep: Int) -> String {
    "resuming \(path) at epoch \(epoch)" + (partial.batchesDone > 0 ? ", \(unit) \(partial.batchesDone + 1)" : "")
        + " (optimizer step \(optimizerStep))"
}

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
