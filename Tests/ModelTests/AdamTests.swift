import XCTest
import Model
import TensorCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Adam against the textbook update computed in Double, over several steps
/// and a slab whose size is not a multiple of the vector width.
final class AdamTests: XCTestCase {
    func testMatchesReferenceOverSteps() {
        let n = 37
        let params = FloatBuffer((0 ..< n).map { Float($0) * 0.1 - 1.5 })
        var p = params.array.map(Double.init)
        var m = [Double](repeating: 0, count: n), v = m
        let adam = Adam(parameterCount: n, learningRate: 0.01)
        for step in 1 ... 5 {
            let g = (0 ..< n).map { Float(sin(Double($0 * step))) }
            adam.update(params, FloatBuffer(g))
            for i in 0 ..< n {
                m[i] = 0.9 * m[i] + 0.1 * Double(g[i])
                v[i] = 0.999 * v[i] + 0.001 * Double(g[i]) * Double(g[i])
                let mh = m[i] / (1 - pow(0.9, Double(step))), vh = v[i] / (1 - pow(0.999, Double(step)))
                p[i] -= 0.01 * mh / (vh.squareRoot() + 1e-8)
            }
        }
        XCTAssertEqual(adam.step, 5)
        assertClose(params.array, p.map(Float.init), abs: 2e-6, rel: 1e-5, "params")
    }

    func testClipScaleIsMaxNormOverNorm() {
        XCTAssertEqual(GradientClipping.scale(norm: 5, maxNorm: 1), 1 / (5 + 1e-6), accuracy: 1e-7)
        XCTAssertEqual(GradientClipping.scale(norm: 0.5, maxNorm: 1), 1)
        XCTAssertEqual(GradientClipping.scale(norm: .infinity, maxNorm: 1), 1)
    }
}
