import XCTest
import TensorCore

/// The element-wise kernels and the reductions give the same bits whatever
/// the vector width that runs them: each is checked against the same
/// arithmetic written one scalar at a time (plain `Float` operations and
/// `addingProduct`, the fused multiply-add), bit for bit, over a sweep of
/// inputs. The vector code runs in 16-lane registers on AVX-512, 8-lane
/// halves on AVX2 and 4-lane ones elsewhere; the scalar code in none: if
/// any of them rounded differently (an approximate reciprocal, a reordered
/// sum, a contracted multiply-add), these would differ.
final class WidthIndependenceTests: XCTestCase {
    /// Inputs across the kernels' ranges: a dense grid, the clamp edges,
    /// zeros and tiny values.
    static let inputs: [Float] = {
        var x: [Float] = [0, -0.0, 1e-30, -1e-30, 87, -87, 88, -88, 88.5, -88.5, 100, -100, 0.5, -0.5]
        var v: Float = -95
        while v < 95 { x.append(v); v += 0.001_37 }
        var rng = RNG(seed: 3)
        for _ in 0 ..< 10_000 { x.append(rng.uniform(-3, 3)) }
        return x
    }()

    func scalarExp(_ x0: Float) -> Float {
        let x = min(max(x0, -87), 88)
        let t = Float(12_582_912.0).addingProduct(x, 1.442_695_040_888_963_4)
        let n = t + -12_582_912.0
        var r = x.addingProduct(n, -0.693_359_375)
        r = r.addingProduct(n, 2.121_944_400_546_905_8e-4)
        var p = Float(1.398_199_950_7e-3).addingProduct(1.987_569_150_0e-4, r)
        p = Float(8.333_451_907_3e-3).addingProduct(p, r)
        p = Float(4.166_579_589_4e-2).addingProduct(p, r)
        p = Float(1.666_666_545_9e-1).addingProduct(p, r)
        p = Float(5.000_000_120_1e-1).addingProduct(p, r)
        p = (r + 1).addingProduct(p, r * r)
        let nBits = t.bitPattern &- 0x4B40_0000
        return p * Float(bitPattern: (nBits &+ 127) &<< 23)
    }

    func bits(_ v: [Float]) -> [UInt32] { v.map(\.bitPattern) }

    func testExpSigmoidTanhAreTheScalarArithmetic() {
        let x = Self.inputs
        XCTAssertEqual(bits(VectorMath.exp(x)), bits(x.map(scalarExp)))
        XCTAssertEqual(bits(VectorMath.sigmoid(x)), bits(x.map { 1 / (scalarExp(-$0) + 1) }))
        XCTAssertEqual(bits(VectorMath.tanh(x)), bits(x.map { 1 - 2 / (scalarExp($0 + $0) + 1) }))
    }

    func testSquareRootIsTheScalarOne() {
        let x = Self.inputs.map(abs)
        var y = [Float](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                VectorMath.apply({ $0.squareRoot() }, xp.baseAddress!, yp.baseAddress!, count: x.count)
            }
        }
        XCTAssertEqual(bits(y), bits(x.map { $0.squareRoot() }))
    }

    /// `Kernels.sumOfSquares` (the clipping norm): per chunk of 4,096, 64
    /// lanes each a running fused sum in index order, the four 16-lane parts
    /// added (a + b + c + d), the 16 lanes summed in order, each chunk's sum
    /// added to a Double total.
    func testSumOfSquaresIsItsFixedTree() {
        let x = Array(Self.inputs.prefix(10_000)).map { $0 * 0.01 }
        let vector = x.withUnsafeBufferPointer { Kernels.sumOfSquares($0.baseAddress!, count: x.count) }
        var total = 0.0, start = 0
        while start < x.count {
            let n = min(4096, x.count - start)
            var lanes = [Float](repeating: 0, count: 64)
            for i in 0 ..< n { lanes[i % 64] = lanes[i % 64].addingProduct(x[start + i], x[start + i]) }
            var sum: Float = -0.0
            for j in 0 ..< 16 { sum += ((lanes[j] + lanes[16 + j]) + lanes[32 + j]) + lanes[48 + j] }
            total += Double(sum)
            start += n
        }
        XCTAssertEqual(vector.bitPattern, total.bitPattern)
    }

    /// Bias gradients as column sums: each column summed over the rows in order.
    func testColumnSumsAreRowOrderSums() {
        let rows = 37, cols = 150
        let m = randomBuffer(rows * cols, seed: 12), sums = randomBuffer(cols, seed: 13)
        var expected = sums.array
        for r in 0 ..< rows { for j in 0 ..< cols { expected[j] += m[r * cols + j] } }
        Kernels.addColumnSums(m.matrix(rows: rows, cols: cols), into: sums.base)
        XCTAssertEqual(bits(sums.array), bits(expected))
    }
}
