/// What a large run will cost, said once its first batches have run: a
/// model or a corpus that makes an epoch take over an hour (`--hidden 4096`
/// on 2 cores: about 10 s a batch) gets one line with the projected epoch
/// and run time, before most of that time is spent. (Memory has its own
/// check before training: a model over 80% of the machine is refused.)
public enum EpochEstimate {
    /// Epochs shorter than this say nothing.
    public static let threshold = 3600.0

    /// The line, or nil when an epoch projects under `threshold` seconds.
    /// `epochs`: the epochs left to run, this one included.
    public static func line(secondsPerBatch: Double, batches: Int, epochs: Int, parameters: Int, memoryMB: Double,
                            threshold: Double = EpochEstimate.threshold) -> String? {
        let epoch = secondsPerBatch * Double(batches)
        guard epoch >= threshold else { return nil }
        return "estimate: about \(hours(epoch)) an epoch (\(Format.fixed(secondsPerBatch, 2)) s a batch, \(Format.grouped(batches)) batches), "
            + "\(hours(epoch * Double(epochs))) for the \(epochs) epoch\(epochs == 1 ? "" : "s") left; "
            + "\(Format.grouped(parameters)) parameters, \(Format.fixed(memoryMB, 0)) MB so far. "
            + "A smaller --hidden or --batch-size, fewer --epochs, or --shards with more --threads on a larger machine cost less"
    }

    static func hours(_ seconds: Double) -> String { Format.fixed(seconds / 3600, 1) + " h" }
}
