import XCTest
import TensorCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The vectorised exp, sigmoid and tanh against libm over the range the
/// gates see, including the clamped extremes and partial vectors.
final class SIMDMathTests: XCTestCase {
    let inputs: [Float] = stride(from: -100.0, through: 100.0, by: 0.37).map { Float($0) }
        + [-1e-7, 0, 1e-7, 1e-3, -88, 88, 89, -90, .greatestFiniteMagnitude, -.greatestFiniteMagnitude]

    func testExpMatchesLibm() {
        let got = VectorMath.exp(inputs)
        for (x, y) in zip(inputs, got) {
            let ref = Float(exp(Double(min(max(x, -87), 88))))
            XCTAssertEqual(y, ref, accuracy: ref * 4e-7, "exp(\(x))")
            XCTAssertTrue(y.isFinite && y > 0, "exp(\(x)) = \(y)")
        }
    }

    func testSigmoidMatchesLibm() {
        let got = VectorMath.sigmoid(inputs)
        for (x, y) in zip(inputs, got) {
            let ref = Float(1 / (1 + exp(-Double(x))))
            XCTAssertEqual(y, ref, accuracy: 3e-7 + ref * 1e-6, "sigmoid(\(x))")
        }
    }

    func testTanhMatchesLibm() {
        let got = VectorMath.tanh(inputs)
        for (x, y) in zip(inputs, got) {
            XCTAssertEqual(y, Float(tanh(Double(x))), accuracy: 2.5e-7, "tanh(\(x))")
            XCTAssertLessThanOrEqual(abs(y), 1)
        }
    }

    func testPartialVectorsDoNotTouchNeighbours() {
        let x = FloatBuffer([0.5, -0.5, 1, 2, 99])
        let y = FloatBuffer([7, 7, 7, 7, 7])
        VectorMath.apply({ vtanh($0) }, x.base, y.base, count: 3)
        XCTAssertEqual(y[3], 7)
        XCTAssertEqual(y[4], 7)
        XCTAssertEqual(y[2], Float(tanh(1.0)), accuracy: 2e-7)
    }

    /// The vector square root (Adam's kernels) is the correctly rounded one,
    /// lane by lane: zeros, denormals, infinity, NaN and random bit patterns.
    func testSquareRootMatchesScalar() {
        var rng = RNG(seed: 3)
        var xs: [Float] = [0, -0.0, 1, 4, .leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude, .infinity, -1, .nan]
        while xs.count < 64 * 8 { xs.append(Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()) & 0x7fff_ffff)) }
        let out = UnsafeMutablePointer<Float>.allocate(capacity: 64)
        defer { out.deallocate() }
        xs.withUnsafeBufferPointer { x in
            for b in stride(from: 0, to: x.count, by: 64) {
                Vec64(x.baseAddress! + b).squareRoot().store(out)
                for i in 0 ..< 64 {
                    let want = x[b + i].squareRoot()
                    if want.isNaN { XCTAssertTrue(out[i].isNaN, "sqrt(\(x[b + i]))") } else {
                        XCTAssertEqual(out[i].bitPattern, want.bitPattern, "sqrt(\(x[b + i]))")
                    }
                }
            }
        }
    }
}
