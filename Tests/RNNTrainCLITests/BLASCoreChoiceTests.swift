import XCTest
import TensorCore
import RNNTrainCLI

/// The kernel choice from CPU features, over CPUs OpenBLAS 0.3.21 does and
/// does not know.
final class BLASCoreChoiceTests: XCTestCase {
    static let sse = CPUFeatures(vendor: "GenuineIntel")
    static let avx2 = CPUFeatures(vendor: "GenuineIntel", avx2: true, fma: true)
    static let avx512 = CPUFeatures(vendor: "GenuineIntel", avx2: true, fma: true,
                                    avx512f: true, avx512bw: true, avx512vl: true, avx512dq: true)
    static func with(_ f: CPUFeatures, vendor: String? = nil, bf16: Bool = false) -> CPUFeatures {
        var g = f
        if let vendor { g.vendor = vendor }
        g.avx512bf16 = bf16
        return g
    }

    func testTable() {
        let amd = "AuthenticAMD"
        let cases: [(CPUFeatures, String, String?, String?, String)] = [
            // features, OpenBLAS reports, user's OPENBLAS_CORETYPE, expected core, what
            (Self.avx512, "Prescott", nil, "SkylakeX", "unknown Intel model with AVX-512"),
            (Self.with(Self.avx512, bf16: true), "Prescott", nil, "Cooperlake", "unknown model with AVX512_BF16"),
            (Self.avx2, "Prescott", nil, "Haswell", "AVX2+FMA, unknown model"),
            (Self.avx2, "Nehalem", nil, "Haswell", "AVX2+FMA seen as Nehalem"),
            (Self.avx2, "Sandybridge", nil, "Haswell", "AVX2+FMA seen as Sandybridge"),
            (Self.with(Self.avx512, vendor: amd), "Zen", nil, "SkylakeX", "Zen 4 seen as Zen"),
            (Self.with(Self.avx512, vendor: amd, bf16: true), "Zen", nil, "Cooperlake", "Zen 4 with BF16 seen as Zen"),
            (Self.with(Self.avx2, vendor: amd), "Zen", nil, nil, "Zen 2/3: Zen is right"),
            (Self.with(Self.avx2, vendor: amd), "Prescott", nil, "Haswell", "unknown AMD with AVX2"),
            (Self.avx512, "SkylakeX", nil, nil, "already SkylakeX"),
            (Self.avx512, "Cooperlake", nil, nil, "more than enough"),
            (Self.with(Self.avx512, bf16: true), "SkylakeX", nil, "Cooperlake", "SkylakeX on a BF16 CPU"),
            (Self.avx2, "Haswell", nil, nil, "already Haswell"),
            (Self.avx2, "SkylakeX", nil, nil, "never downgrade"),
            (Self.sse, "Prescott", nil, nil, "no AVX2: nothing better"),
            (Self.avx512, "Prescott", "Haswell", nil, "the user's choice is respected"),
            (Self.sse, "Prescott", "SkylakeX", nil, "even when the CPU cannot run it"),
        ]
        for (features, reported, user, expected, what) in cases {
            let c = BLASCoreChoice.decide(features: features, reported: reported, userCore: user)
            XCTAssertEqual(c.core, expected, what)
            if let expected {
                XCTAssertTrue(c.reason.contains(reported), "\(what): \(c.reason)")
                XCTAssertGreaterThan(BLASCoreChoice.rank(expected), BLASCoreChoice.rank(reported), what)
            }
            if let user { XCTAssertTrue(c.reason.contains(user), "\(what): \(c.reason)") }
        }
    }

    func testRankOrdersTheVectorUnits() {
        let order = ["Prescott", "Sandybridge", "Haswell", "SkylakeX", "Cooperlake"]
        for (a, b) in zip(order, order.dropFirst()) {
            XCTAssertLessThan(BLASCoreChoice.rank(a), BLASCoreChoice.rank(b), "\(a) < \(b)")
        }
        XCTAssertEqual(BLASCoreChoice.rank("Zen"), BLASCoreChoice.rank("HASWELL"))
        XCTAssertEqual(BLASCoreChoice.rank("unknown"), 0)
    }
}
