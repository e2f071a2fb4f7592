#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every environment variable rnntrain reads, in one list (the docs' table
/// is made from the same descriptions). Command-line options come first
/// where both exist: a variable is for tests, scripts and `make` targets.
public enum EnvironmentSwitch: String, CaseIterable, Sendable {
    /// The kernel family (`auto`, `avx512`, `avx2`, `portable`, `blas`),
    /// as `--kernels` but for every process a script or test starts.
    case kernels = "RNNTRAIN_KERNELS"
    /// Count the thread-seconds inside matrix products (`make bench`'s GEMM column).
    case timeProducts = "RNNTRAIN_TIME_BLAS"
    /// Seconds between the plain progress lines of a long epoch when stderr
    /// is not a terminal (default 30; 0: none).
    case progressSeconds = "RNNTRAIN_PROGRESS_SECONDS"
    /// `0`: under mpirun, every rank steps the whole slab instead of its span.
    case shardedStep = "RNNTRAIN_SHARDED_STEP"
    /// Set by rnntrain itself when it re-executes with `OPENBLAS_CORETYPE`:
    /// why, for the new process's summary.
    case blasReason = "RNNTRAIN_BLAS_REASON"
    /// Tests: the core OpenBLAS would report on another CPU.
    case testOpenBLASReports = "RNNTRAIN_TEST_OPENBLAS_REPORTS"
    /// Tests: rewrite the README's examples with the current output instead of comparing.
    case readmeUpdate = "RNNTRAIN_README_UPDATE"

    public var help: String {
        switch self {
        case .kernels: return "kernel family for every product: auto, avx512, avx2, portable, blas (as --kernels)"
        case .timeProducts: return "time the matrix products (make bench's GEMM column)"
        case .progressSeconds: return "seconds between progress lines in logs (stderr not a terminal; default 30, 0 none)"
        case .shardedStep: return "0: under mpirun every rank steps the whole slab, not only its span"
        case .blasReason: return "set by rnntrain when it re-executes itself with OPENBLAS_CORETYPE"
        case .testOpenBLASReports: return "tests only: the OpenBLAS core to pretend was reported"
        case .readmeUpdate: return "tests only: rewrite the README's and docs/'s examples from the current output"
        }
    }

    /// The variable's value, or nil when unset.
    public var value: String? { getenv(rawValue).map { String(cString: $0) } }

    public var isSet: Bool { getenv(rawValue) != nil }
}
