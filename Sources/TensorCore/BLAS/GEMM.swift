#if canImport(CBLAS)
import CBLAS
#elseif canImport(Accelerate)
import Accelerate
#endif
import CPUSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `c = op(a) * op(b) + beta * c` on row-major views through the active
/// `KernelFamily` (`beta` 0 or 1): the register kernels, or sgemm under
/// `blas`. `op(x)` is `x` or its transpose; a transposed B is copied to
/// B's layout first (`c` keeps one chain per element, as in `StepGEMM`).
public func gemm(_ a: Matrix, transposeA: Bool = false,
                 _ b: Matrix, transposeB: Bool = false,
                 into c: Matrix, beta: Float = 0) {
    precondition(beta == 0 || beta == 1, "gemm: beta is 0 or 1")
    let family = KernelFamily.active
    guard family != .blas else {
        sgemm(a, transposeA: transposeA, b, transposeB: transposeB, into: c, beta: beta)
        return
    }
    let k = transposeA ? a.rows : a.cols
    precondition((transposeA ? a.cols : a.rows) == c.rows && (transposeB ? b.cols : b.rows) == k
                 && (transposeB ? b.rows : b.cols) == c.cols, "gemm: shapes do not match")
    let (lda, ka) = transposeA ? (1, a.ld) : (a.ld, 1)
    guard transposeB else {
        StepGEMM.timed {
            StepGEMM.run(family, m: c.rows, n: c.cols, k: k, a: a.base, lda: lda, ka: ka, b: b.base, ldb: b.ld,
                         c: c.base, ldc: c.ld, accumulate: beta == 1)
        }
        return
    }
    withUnsafeTemporaryAllocation(of: Float.self, capacity: max(k * c.cols, 1)) { t in
        let bt = t.baseAddress!                                    // op(b) = b^T as [k x n]
        PackedWeight.transpose(b, into: bt, ld: c.cols)
        StepGEMM.timed {
            StepGEMM.run(family, m: c.rows, n: c.cols, k: k, a: a.base, lda: lda, ka: ka, b: bt, ldb: c.cols,
                         c: c.base, ldc: c.ld, accumulate: beta == 1)
        }
    }
}

/// `c = alpha * op(a) * op(b) + beta * c` on row-major views, through
/// OpenBLAS's `cblas_sgemm`: the `blas` family, and the yardstick of
/// `bench-gemm`.
///
/// Shapes are checked: `op(a)` is `c.rows x k`, `op(b)` is `k x c.cols`.
/// Zero-sized products (no active rows) are handled: `c` is only scaled.
public func sgemm(_ a: Matrix, transposeA: Bool = false,
                  _ b: Matrix, transposeB: Bool = false,
                  into c: Matrix, alpha: Float = 1, beta: Float = 0) {
    let m = c.rows, n = c.cols
    let k = transposeA ? a.rows : a.cols
    precondition((transposeA ? a.cols : a.rows) == m, "sgemm: op(a) has \(transposeA ? a.cols : a.rows) rows, c has \(m)")
    precondition((transposeB ? b.cols : b.rows) == k, "sgemm: inner dimensions \(k) and \(transposeB ? b.cols : b.rows) differ")
    precondition((transposeB ? b.rows : b.cols) == n, "sgemm: op(b) has \(transposeB ? b.rows : b.cols) columns, c has \(n)")
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

/// Time spent inside matrix products (the kernel families and sgemm), summed over threads, for `make bench`:
/// on only when the environment has `RNNTRAIN_TIME_BLAS` (two clock reads
/// per call, off by default).
public enum GEMMClock {
    public static let isOn = EnvironmentSwitch.timeProducts.isSet

    /// Thread-seconds inside matrix products since the process started.
    public static var seconds: Double { Double(rnntrain_counter_total()) * 1e-9 }
}

/// The BLAS library's run-time state: which kernel set ("core") OpenBLAS
/// chose for this CPU and how many threads it uses. The only OpenBLAS-only
/// calls of the project; on Darwin (Accelerate) they have fixed answers.
public enum BLASRuntime {
    #if canImport(CBLAS)
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
    #else
    public static var coreName: String { "Accelerate" }
    public static var config: String { "Accelerate" }
    public static var threads: Int { 1 }
    public static func setThreads(_ n: Int) {}
    #endif
}
