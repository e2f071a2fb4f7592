import CPUSupport

/// The vector features of this CPU that decide which BLAS kernels can run,
/// read from CPUID (and XCR0: the OS must save the wide registers).
public struct CPUFeatures: Equatable, Sendable {
    public var vendor: String
    public var avx2: Bool
    public var fma: Bool
    public var avx512f: Bool
    public var avx512bw: Bool
    public var avx512vl: Bool
    public var avx512dq: Bool
    public var avx512bf16: Bool

    public init(vendor: String = "", avx2: Bool = false, fma: Bool = false, avx512f: Bool = false,
                avx512bw: Bool = false, avx512vl: Bool = false, avx512dq: Bool = false, avx512bf16: Bool = false) {
        self.vendor = vendor
        self.avx2 = avx2; self.fma = fma
        self.avx512f = avx512f; self.avx512bw = avx512bw; self.avx512vl = avx512vl; self.avx512dq = avx512dq
        self.avx512bf16 = avx512bf16
    }

    /// The subsets OpenBLAS's SkylakeX kernels use (F, BW, VL, DQ).
    public var hasAVX512: Bool { avx512f && avx512bw && avx512vl && avx512dq }

    /// This machine's features; a feature whose registers the OS does not
    /// save counts as absent.
    public static let current: CPUFeatures = {
        let f = rnntrain_cpu_read_features()
        let vendor = withUnsafeBytes(of: f.vendor) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        let avx = f.osSavesAVX, wide = f.osSavesAVX512
        return CPUFeatures(vendor: vendor, avx2: f.avx2 && avx, fma: f.fma && avx,
                           avx512f: f.avx512f && wide, avx512bw: f.avx512bw && wide, avx512vl: f.avx512vl && wide,
                           avx512dq: f.avx512dq && wide, avx512bf16: f.avx512bf16 && wide)
    }()
}
