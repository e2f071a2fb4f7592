import TensorCore
#if canImport(Glibc)
import Glibc
#endif

/// Making OpenBLAS use the right kernels without the user exporting anything.
///
/// OpenBLAS chooses its kernel set ("core") once, when the library loads,
/// from `OPENBLAS_CORETYPE` or its own CPU detection. OpenBLAS 0.3.21 does not
/// know newer AVX-512 CPUs (Sapphire Rapids, Zen 4) and falls back to its
/// Haswell (AVX2) kernels, which are 1.5-2x slower for sgemm there. Since the
/// choice is made before `main` runs, the only fix is to set the variable and
/// re-execute the program once; the variable being set stops any loop, and a
/// user's own `OPENBLAS_CORETYPE` is always respected.
public enum BLASEnvironment {
    public static func ensureBestKernels() {
        guard getenv("OPENBLAS_CORETYPE") == nil else { return }
        guard BLASRuntime.coreName.lowercased() == "haswell" || BLASRuntime.coreName.lowercased() == "zen",
              cpuHasAVX512() else { return }
        setenv("OPENBLAS_CORETYPE", "SkylakeX", 1)
        // Our workers call BLAS single-threaded; don't let it start a pool.
        if getenv("OPENBLAS_NUM_THREADS") == nil { setenv("OPENBLAS_NUM_THREADS", "1", 1) }
        var argv: [UnsafeMutablePointer<CChar>?] = CommandLine.arguments.map { strdup($0) }
        argv.append(nil)
        execv("/proc/self/exe", &argv)
        // exec failed (no /proc?): carry on with the kernels we have.
    }

    /// Whether the CPU has the AVX-512 subsets OpenBLAS's SkylakeX kernels use.
    public static func cpuHasAVX512() -> Bool {
        guard let f = fopen("/proc/cpuinfo", "r") else { return false }
        defer { fclose(f) }
        var line = [CChar](repeating: 0, count: 8192)
        while fgets(&line, Int32(line.count), f) != nil {
            let s = String(cString: line)
            if s.hasPrefix("flags") {
                let flags = Set(s.split(separator: " ").map { $0.trimmingCharacters() })
                return flags.contains("avx512f") && flags.contains("avx512bw") && flags.contains("avx512vl")
            }
        }
        return false
    }

    /// e.g. "OpenBLAS 0.3.21, core SkylakeX (set by rnntrain)".
    public static func summary() -> String {
        let config = BLASRuntime.config.split(separator: " ").prefix(2).joined(separator: " ")
        var s = "\(config), core \(BLASRuntime.coreName)"
        if let ct = getenv("OPENBLAS_CORETYPE") { s += " (OPENBLAS_CORETYPE=\(String(cString: ct)))" }
        return s
    }
}

extension Substring {
    func trimmingCharacters() -> String {
        var s = self
        while let c = s.last, c == "\n" || c == " " || c == "\t" { s.removeLast() }
        return String(s)
    }
}
