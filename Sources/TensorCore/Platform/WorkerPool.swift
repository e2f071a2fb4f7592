import CPUSupport

/// Runs the iterations of a data-parallel loop on a fixed team of threads
/// (`rnntrain_pool_run`): iteration 0 on the calling thread, iteration k
/// always on helper thread k, so a worker's buffers stay in one core's
/// caches from batch to batch; helpers spin briefly between jobs instead of
/// sleeping, so a batch starts without a wake-up. Every iteration runs with
/// flush-to-zero on (MXCSR is per thread).
public enum WorkerPool {
    /// Calls `body(k)` for k = 0 ..< n, in parallel, and returns when all
    /// have returned. Inline when n is 1 (the caller's own mode), and in order on the calling thread
    /// when the pool is already busy (a nested or concurrent call).
    public static func run(_ n: Int, _ body: (Int) -> Void) {
        if n <= 1 {
            if n == 1 { body(0) }
            return
        }
        withoutActuallyEscaping(body) { body in
            var job = body
            let ran = withUnsafeMutablePointer(to: &job) { p in
                rnntrain_pool_run(n, { context, k in
                    FloatingPointMode.enableFlushToZero()
                    context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(k)
                }, p)
            }
            if !ran { for k in 0 ..< n { FloatingPointMode.enableFlushToZero(); body(k) } }
        }
    }
}
