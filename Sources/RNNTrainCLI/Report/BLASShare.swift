import TensorCore

/// The share of the workers' time spent inside sgemm (with RNNTRAIN_TIME_BLAS
/// set): thread-seconds measured around each `cblas_sgemm` call, over
/// threads x the epochs' training and evaluation seconds. Serial parts (the
/// batch plan, a worker idle on a short batch) count in the denominator.
struct BLASShare {
    var threads: Int
    var seconds = 0.0
    let gemmStart = GEMMClock.seconds

    mutating func add(epochSeconds: Double) { seconds += epochSeconds }

    var summary: String {
        let inside = GEMMClock.seconds - gemmStart
        let share = inside / max(seconds * Double(threads), 1e-9)
        return "time in matrix products (sgemm, step kernel): \(Format.percent(share)) of \(threads) thread\(threads == 1 ? "" : "s") x "
            + "\(Format.fixed(seconds, 2)) s (\(Format.fixed(inside, 2)) thread-s)"
    }
}
