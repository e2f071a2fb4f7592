import CBLAS
import CPUSupport
#if canImport(Glibc)
import Glibc
#endif

/// `c = alpha * op(a) * op(b) + beta * c` on row-major views, through
/// OpenBLAS's `cblas_sgemm`. `op(x)` is `x` or its transpose.
///
/// Shapes are checked: `op(a)` is `c.rows x k`, `op(b)` is `k x c.cols`.
/// Zero-sized products (no active rows) are handled: `c` is only scaled.
public func gemm(_ a: Matrix, transposeA: Bool = false,
                 _ b: Matrix, transposeB: Bool = false,
                 into c: Matrix, alpha: Float = 1, beta: Float = 0) {
    let m = c.rows, n = c.cols
    let k = transposeA ? a.rows : a.cols
    precondition((transposeA ? a.cols : a.rows) == m, "gemm: op(a) has \(transposeA ? a.cols : a.rows) rows, c has \(m)")
    precondition((transposeB ? b.cols : b.rows) == k, "gemm: inner dimensions \(k) and \(transposeB ? b.cols : b.rows) differ")
    precondition((transposeB ? b.rows : b.cols) == n, "gemm: op(b) has \(transposeB ? b.rows : b.cols) columns, c has \(n)")
    if m == 0 || n == 0 { return }
    if k == 0 {
        for r in 0 ..< m {
            let p = c.row(r)
            for j in 0 ..< n { p[j] = beta == 0 ? 0 : beta * p[j] }
        }
        return
    }
    let start = GEMMClock.isOn ? rnntrain_monotonic_ns() : 0
    cblas_sgemm(CblasRowMajor,
                transposeA ? CblasTrans : CblasNoTrans,
                transposeB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k),
                alpha, a.base, Int32(Swift.max(a.ld, 1)),
                b.base, Int32(Swift.max(b.ld, 1)),
                beta, c.base, Int32(Swift.max(c.ld, 1)))
    if GEMMClock.isOn { rnntrain_counter_add(rnntrain_monotonic_ns() &- start) }
}

/// Time spent inside `cblas_sgemm` and `StepGEMM`, summed over threads, for `make bench`:
/// on only when the environment has `RNNTRAIN_TIME_BLAS` (two clock reads
/// per call, off by default).
public enum GEMMClock {
    public static let isOn = getenv("RNNTRAIN_TIME_BLAS") != nil

    /// Thread-seconds inside matrix products since the process started.
    public static var seconds: Double { Double(rnntrain_counter_total()) * 1e-9 }
}

/// OpenBLAS's run-time state: which kernel set ("core") it chose for this CPU
/// and how many threads it uses.
public enum BLASRuntime {
    /// The kernel set in use, e.g. `SkylakeX` or `Haswell`.
    public static var coreName: String {
        guard let p = openblas_get_corename() else { return "unknown" }
        return String(cString: p)
    }

    /// OpenBLAS's build configuration string.
    public static var config: String {
        guard let p = openblas_get_config() else { return "unknown" }
        return String(cString: p)
    }

    public static var threads: Int { Int(openblas_get_num_threads()) }

    public static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(n)) }
}
