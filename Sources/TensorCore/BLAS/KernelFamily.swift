#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The code that computes every matrix product of training and inference.
///
/// The three register-kernel families keep one accumulator per output
/// element and walk the inner dimension in ascending order with fused
/// multiply-adds (`c = fma(a[i,p], b[p,j], c)` for p = 0, 1, ...), starting
/// from C (accumulate) or +0. A product is then the same float whatever the
/// tile's width, so `avx512`, `avx2` and `portable` give the same bits on
/// every CPU that runs them; only the speed differs. `blas` hands every
/// product to OpenBLAS's sgemm, whose summation order depends on the CPU
/// model and the kernel set OpenBLAS picked: fast, but not reproducible
/// across machines.
public enum KernelFamily: String, CaseIterable, Sendable {
    /// 4 x 64 tiles in 16 of the 32 AVX-512 registers (SIMD16).
    case avx512
    /// 6 x 16 tiles in 12 of the 16 AVX2 registers (SIMD8, FMA).
    case avx2
    /// 4 x 16 tiles of SIMD4 (128-bit: NEON, SSE): what a build for
    /// another architecture runs.
    case portable
    /// OpenBLAS's sgemm for every product.
    case blas

    /// The names `--kernels` and `RNNTRAIN_KERNELS` take: the families and `auto`.
    public static let choices = ["auto"] + allCases.map(\.rawValue)

    /// Whether this CPU and OS can run the family.
    public var isSupported: Bool {
        let f = CPUFeatures.current
        switch self {
        case .avx512: return f.avx512f
        case .avx2: return f.avx2 && f.fma
        case .portable, .blas: return true
        }
    }

    /// The widest register family this machine runs (what `auto` means).
    public static var widestSupported: KernelFamily {
        [.avx512, .avx2].first(where: \.isSupported) ?? .portable
    }

    /// `auto` or a family's name; a family this CPU lacks is an error.
    public static func named(_ text: String) throws -> KernelFamily {
        if text == "auto" { return widestSupported }
        guard let family = KernelFamily(rawValue: text) else {
            throw KernelChoiceError("unknown kernel family '\(text)' (choose from \(choices.joined(separator: ", ")))")
        }
        guard family.isSupported else {
            throw KernelChoiceError("kernel family \(text) needs \(family.requirement), which this CPU does not have (it runs \(widestSupported.rawValue))")
        }
        return family
    }

    /// What the CPU must have, for the error above.
    var requirement: String {
        switch self {
        case .avx512: return "AVX-512F"
        case .avx2: return "AVX2 and FMA"
        case .portable, .blas: return "nothing"
        }
    }

    /// For the start-up summary, e.g. "avx512 (4x64 register tiles; same bits as avx2 and portable)".
    public var summary: String {
        switch self {
        case .avx512: return "avx512 (4x64 register tiles; same bits as avx2 and portable)"
        case .avx2: return "avx2 (6x16 register tiles; same bits as avx512 and portable)"
        case .portable: return "portable (4x16 SIMD4 tiles; same bits as avx512 and avx2)"
        case .blas: return "blas (OpenBLAS sgemm; its rounding depends on the CPU)"
        }
    }

    /// The family every product uses: `RNNTRAIN_KERNELS` when set and valid,
    /// else `auto`. Set it before computing (the CLI's `--kernels`; tests
    /// compare families by setting it between runs); never while a product
    /// runs.
    public static var active: KernelFamily {
        get { Selection.family }
        set { Selection.family = newValue }
    }

    /// Runs `body` with `family` active, then restores the family before.
    public static func using<R>(_ family: KernelFamily, _ body: () throws -> R) rethrows -> R {
        let saved = active
        active = family
        defer { active = saved }
        return try body()
    }

    /// The families this machine runs, register families first.
    public static var supported: [KernelFamily] { allCases.filter(\.isSupported) }

    /// The family `RNNTRAIN_KERNELS` asks for (nil when unset), or its error.
    public static func fromEnvironment() -> Result<KernelFamily, KernelChoiceError>? {
        guard let v = getenv(EnvironmentSwitch.kernels.rawValue) else { return nil }
        do { return .success(try named(String(cString: v))) } catch let e as KernelChoiceError {
            return .failure(KernelChoiceError("\(EnvironmentSwitch.kernels.rawValue): \(e.message)"))
        } catch { return .failure(KernelChoiceError("\(error)")) }
    }

    private enum Selection {
        nonisolated(unsafe) static var family: KernelFamily = {
            if case .success(let f)? = KernelFamily.fromEnvironment() { return f }
            return widestSupported
        }()
    }
}

/// A kernel family that cannot be chosen: unknown name, or missing from this CPU.
public struct KernelChoiceError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
