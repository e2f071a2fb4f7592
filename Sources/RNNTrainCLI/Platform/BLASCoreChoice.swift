import TensorCore

/// Which OpenBLAS kernel set ("core") to run, decided from the CPU's
/// features rather than from OpenBLAS's table of CPU models (OpenBLAS 0.3.21
/// falls back to Prescott, SSE3, on an Intel model it does not know, and to
/// Zen, AVX2, on an AVX-512 Zen 4). A pure function of its inputs.
public struct BLASCoreChoice: Equatable {
    /// The core to set in `OPENBLAS_CORETYPE`, or nil to keep OpenBLAS's.
    public var core: String?
    /// Why, for the start-up summary.
    public var reason: String

    /// The rank of a core's vector units: cores of equal rank run the same
    /// sgemm kernels. Unknown names rank 0 (scalar or SSE kernels).
    public static func rank(_ core: String) -> Int {
        switch core.lowercased() {
        case "sapphirerapids": return 5
        case "cooperlake": return 4
        case "skylakex": return 3
        case "haswell", "zen": return 2
        case "sandybridge", "bulldozer", "piledriver", "steamroller", "excavator": return 1
        default: return 0
        }
    }

    /// The most capable core these features run, with the feature named
    /// for the summary; nil when the CPU has neither AVX-512 nor AVX2+FMA.
    public static func best(for f: CPUFeatures) -> (core: String, feature: String)? {
        if f.hasAVX512 { return f.avx512bf16 ? ("Cooperlake", "AVX-512 with BF16") : ("SkylakeX", "AVX-512") }
        if f.avx2 && f.fma { return ("Haswell", "AVX2 and FMA") }
        return nil
    }

    /// `reported` is the core OpenBLAS chose by itself; `userCore` the
    /// user's own `OPENBLAS_CORETYPE`, which is always respected.
    public static func decide(features: CPUFeatures, reported: String, userCore: String?) -> BLASCoreChoice {
        if let u = userCore {
            return BLASCoreChoice(core: nil, reason: "OPENBLAS_CORETYPE=\(u) set by the user")
        }
        guard let (target, feature) = best(for: features) else {
            return BLASCoreChoice(core: nil, reason: "OpenBLAS's choice: CPU has no AVX2")
        }
        if rank(reported) >= rank(target) {
            return BLASCoreChoice(core: nil, reason: "OpenBLAS's choice, matches CPU's \(feature)")
        }
        return BLASCoreChoice(core: target, reason: "chosen by rnntrain: CPU has \(feature), OpenBLAS reported \(reported)")
    }
}
