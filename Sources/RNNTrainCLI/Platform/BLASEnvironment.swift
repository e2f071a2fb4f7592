import TensorCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Making OpenBLAS use the right kernels without the user exporting anything.
///
/// OpenBLAS chooses its kernel set ("core") once, when the library loads,
/// from `OPENBLAS_CORETYPE` or its own table of CPU models. When that core is
/// weaker than the CPU's features allow (`BLASCoreChoice`), the only fix is
/// to set the variable and re-execute the program once; the variable being
/// set stops any loop, and `RNNTRAIN_BLAS_REASON` carries the reason to the
/// new process for its summary.
public enum BLASEnvironment {
    static let reasonVariable = EnvironmentSwitch.blasReason.rawValue

    /// Why the running core runs: set by `ensureBestKernels`.
    nonisolated(unsafe) static var chosenReason: String?

    public static func ensureBestKernels() {
        #if os(Linux) && arch(x86_64)
        if let r = getenv(reasonVariable) {
            // The re-executed process: keep the reason, do not pass it on.
            chosenReason = String(cString: r)
            unsetenv(reasonVariable)
            return
        }
        let choice = currentChoice()
        guard let core = choice.core else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        setenv(reasonVariable, choice.reason, 1)
        // Our workers call BLAS single-threaded; don't let it start a pool.
        if getenv("OPENBLAS_NUM_THREADS") == nil { setenv("OPENBLAS_NUM_THREADS", "1", 1) }
        var argv: [UnsafeMutablePointer<CChar>?] = CommandLine.arguments.map { strdup($0) }
        argv.append(nil)
        execv("/proc/self/exe", &argv)
        // exec failed (no /proc?): carry on with the kernels we have.
        unsetenv("OPENBLAS_CORETYPE")
        unsetenv(reasonVariable)
        #endif
    }

    /// The decision for this process as it runs now. The tests of the
    /// re-execution set `RNNTRAIN_TEST_OPENBLAS_REPORTS` to stand for a core
    /// OpenBLAS would report on another CPU.
    static func currentChoice() -> BLASCoreChoice {
        let reported = EnvironmentSwitch.testOpenBLASReports.value ?? BLASRuntime.coreName
        return BLASCoreChoice.decide(features: .current, reported: reported,
                                     userCore: getenv("OPENBLAS_CORETYPE").map { String(cString: $0) })
    }

    /// The start-up summary's word on the products, e.g. "kernels avx512
    /// (4x64 register tiles; same bits as avx2 and portable); denormals
    /// flushed to zero", and OpenBLAS's kernels under `blas`.
    public static func kernelSummary() -> String {
        let family = KernelFamily.active
        return "kernels \(family.summary)" + (family == .blas ? ": \(summary())" : "; \(denormals)")
    }

    static var denormals: String { FloatingPointMode.flushesToZero ? "denormals flushed to zero" : "denormals kept (IEEE)" }

    /// e.g. "OpenBLAS 0.3.21, core SkylakeX (chosen by rnntrain: CPU has
    /// AVX-512, OpenBLAS reported Prescott); denormals flushed to zero".
    public static func summary() -> String {
        let config = BLASRuntime.config.split(separator: " ").prefix(2).joined(separator: " ")
        let running = BLASRuntime.coreName
        let choice = currentChoice()
        var why = chosenReason ?? choice.reason
        if chosenReason == nil, let core = choice.core {
            // In-process (tests): the executable would re-execute with `core`.
            why = "OpenBLAS's choice; the rnntrain executable runs \(core)"
        }
        if chosenReason != nil, let asked = getenv("OPENBLAS_CORETYPE").map({ String(cString: $0) }),
           asked.lowercased() != running.lowercased() {
            why = "rnntrain asked for \(asked), this OpenBLAS does not have it"
        }
        return "\(config), core \(running) (\(why)); \(denormals)"
    }
}
