import XCTest
import TensorCore

/// The GEMM wrapper against a naive triple loop, for every transpose
/// combination, on strided views (row prefixes and column blocks of larger
/// buffers), with alpha and beta.
final class GEMMTests: XCTestCase {
    /// Naive c = alpha op(a) op(b) + beta c in Double.
    func reference(_ a: Matrix, _ ta: Bool, _ b: Matrix, _ tb: Bool, _ c: Matrix, alpha: Float, beta: Float) -> [Float] {
        let m = c.rows, n = c.cols, k = ta ? a.rows : a.cols
        var out = [Float](repeating: 0, count: m * n)
        for i in 0 ..< m {
            for j in 0 ..< n {
                var s = 0.0
                for p in 0 ..< k {
                    let av = ta ? a[p, i] : a[i, p]
                    let bv = tb ? b[j, p] : b[p, j]
                    s += Double(av) * Double(bv)
                }
                out[i * n + j] = Float(Double(alpha) * s + Double(beta) * Double(c[i, j]))
            }
        }
        return out
    }

    func values(_ c: Matrix) -> [Float] {
        (0 ..< c.rows).flatMap { r in (0 ..< c.cols).map { c[r, $0] } }
    }

    func testAllTransposesOnStridedViews() {
        let (m, n, k) = (7, 5, 9)
        for ta in [false, true] {
            for tb in [false, true] {
                // Embed each operand as a column block of a wider buffer, so ld != cols.
                let aBuf = randomBuffer(20 * 20, seed: 1), bBuf = randomBuffer(20 * 20, seed: 2), cBuf = randomBuffer(20 * 20, seed: 3)
                let a = Matrix(aBuf.base + 3, rows: ta ? k : m, cols: ta ? m : k, ld: 20)
                let b = Matrix(bBuf.base + 1, rows: tb ? n : k, cols: tb ? k : n, ld: 20)
                let c = Matrix(cBuf.base + 2, rows: m, cols: n, ld: 20)
                let expected = reference(a, ta, b, tb, c, alpha: 0.5, beta: 2)
                let untouched = cBuf[0]
                gemm(a, transposeA: ta, b, transposeB: tb, into: c, alpha: 0.5, beta: 2)
                XCTAssertEqual(cBuf[0], untouched, "wrote outside the view")
                XCTAssertEqual(values(c), expected, accuracy: 1e-5, "ta=\(ta) tb=\(tb)")
            }
        }
    }

    func testRowPrefixIsTheActivePart() {
        // The per-step recurrent GEMM multiplies only the first n rows.
        let h = randomBuffer(10 * 4, seed: 4), w = randomBuffer(6 * 4, seed: 5)
        let out = FloatBuffer(count: 10 * 6)
        out.base.update(repeating: 42, count: 60)
        let hm = h.matrix(rows: 10, cols: 4), wm = w.matrix(rows: 6, cols: 4)
        let om = out.matrix(rows: 10, cols: 6)
        gemm(hm.prefix(rows: 3), wm, transposeB: true, into: om.prefix(rows: 3))
        let expected = reference(hm.prefix(rows: 3), false, wm, true, om.prefix(rows: 3), alpha: 1, beta: 0)
        XCTAssertEqual(values(om.prefix(rows: 3)), expected, accuracy: 1e-5)
        XCTAssertTrue(out.array[18...].allSatisfy { $0 == 42 }, "rows past the prefix changed")
    }

    func testZeroInnerDimensionScalesC() {
        let a = FloatBuffer(count: 1), b = FloatBuffer(count: 1), c = FloatBuffer([1, 2, 3, 4])
        gemm(Matrix(a.base, rows: 2, cols: 0), Matrix(b.base, rows: 0, cols: 2), into: c.matrix(rows: 2, cols: 2), beta: 3)
        XCTAssertEqual(c.array, [3, 6, 9, 12])
    }

    func testBLASReportsACore() {
        XCTAssertFalse(BLASRuntime.coreName.isEmpty)
        XCTAssertNotEqual(BLASRuntime.coreName, "unknown")
    }

    /// Too few rows to repay the packing (one character at a time) leave the
    /// weight unpacked and the product to sgemm, with the same result.
    func testStepGEMMLeavesFewRowsToSGEMM() {
        let (m, k, n) = (1, 40, 70)
        let wBuf = randomBuffer(n * k, seed: 7), aBuf = randomBuffer(m * k, seed: 8), cBuf = FloatBuffer(count: m * n)
        let w = wBuf.matrix(rows: n, cols: k), a = aBuf.matrix(rows: m, cols: k), c = cBuf.matrix(rows: m, cols: n)
        let packed = PackedWeight(k: k, n: n)
        packed.pack(w, transposed: true, forRows: PackedWeight.minimumRows - 1)
        XCTAssertFalse(packed.isPacked)
        StepGEMM.multiply(a, packed, into: c, accumulate: false)
        assertClose(values(c), reference(a, false, w, true, c, alpha: 1, beta: 0), abs: 1e-5, rel: 1e-5)
        packed.pack(w, transposed: true, forRows: PackedWeight.minimumRows)
        XCTAssertEqual(packed.isPacked, StepGEMM.isFast)
        withExtendedLifetime((wBuf, aBuf, cBuf)) {}
    }

    /// The per-step kernel (`StepGEMM`, with a packed weight) against the
    /// naive product, on every edge case of its 4 x 64 tiling: rows 1...9,
    /// widths below, at and above 16 and 64 and not multiples of 16, B packed
    /// transposed and not, overwrite and accumulate, strided views of A and C
    /// whose neighbouring columns must stay untouched. On a CPU without
    /// AVX-512 this checks the sgemm fallback.
    func testStepGEMMMatchesTheNaiveProduct() {
        for (k, n) in [(5, 3), (64, 192), (100, 400), (400, 100), (17, 64), (33, 65), (8, 130)] {
            for m in [1, 2, 3, 4, 5, 7, 9] {
                for transposed in [false, true] {
                    for accumulate in [false, true] {
                        let wBuf = randomBuffer(k * n, seed: 4)
                        let w = transposed ? wBuf.matrix(rows: n, cols: k) : wBuf.matrix(rows: k, cols: n)
                        let packed = PackedWeight(k: k, n: n)
                        packed.pack(w, transposed: transposed, forRows: 1_000)
                        let aBuf = randomBuffer(m * (k + 3), seed: 5), cBuf = randomBuffer(m * (n + 5), seed: 6)
                        let a = Matrix(aBuf.base + 1, rows: m, cols: k, ld: k + 3)
                        let c = Matrix(cBuf.base + 2, rows: m, cols: n, ld: n + 5)
                        let before = cBuf.array
                        let expected = reference(a, false, w, transposed, c, alpha: 1, beta: accumulate ? 1 : 0)
                        StepGEMM.multiply(a, packed, into: c, accumulate: accumulate)
                        let what = "m \(m) k \(k) n \(n) transposed \(transposed) accumulate \(accumulate)"
                        assertClose(values(c), expected, abs: 1e-4, rel: 1e-4, what)
                        assertOutsideColumnsUnchanged(cBuf, before, rows: m, cols: n, what)
                    }
                }
            }
        }
    }

    /// `c += a^T b` (weight gradients) against the naive product: row counts
    /// below the fast path's minimum, within one chunk and across two
    /// (chunks of 2^18 / n rows: 1,365 at n = 192), c's widths 16, 64, 80, 192 and widths the
    /// fast path leaves to sgemm (rows not a multiple of 4, columns not of
    /// 16), on strided views whose neighbouring columns must not move.
    func testAccumulateTransposedMatchesTheNaiveProduct() {
        for (m, n) in [(192, 64), (4, 16), (8, 80), (12, 192), (6, 64), (192, 50)] {
            for rows in [3, 40, 64, 65, 1_000, 1_500] {
                let aBuf = randomBuffer(rows * (m + 3), seed: 7), bBuf = randomBuffer(rows * (n + 1), seed: 8)
                let cBuf = randomBuffer(m * (n + 5), seed: 9)
                let a = Matrix(aBuf.base + 1, rows: rows, cols: m, ld: m + 3)
                let b = Matrix(bBuf.base, rows: rows, cols: n, ld: n + 1)
                let c = Matrix(cBuf.base + 2, rows: m, cols: n, ld: n + 5)
                let before = cBuf.array
                let expected = reference(a, true, b, false, c, alpha: 1, beta: 1)
                StepGEMM.accumulateTransposed(a, b, into: c)
                let what = "c \(m) x \(n), \(rows) rows"
                assertClose(values(c), expected, abs: 1e-4, rel: 1e-4, what)
                assertOutsideColumnsUnchanged(cBuf, before, rows: m, cols: n, what)
            }
        }
    }

    /// C is a `rows x cols` view at offset 2 of a buffer with rows of
    /// cols + 5 floats: the floats beside it must be as they were.
    func assertOutsideColumnsUnchanged(_ cBuf: FloatBuffer, _ before: [Float], rows m: Int, cols n: Int, _ what: String,
                                       file: StaticString = #filePath, line: UInt = #line) {
        for r in 0 ..< m {
            for j in 0 ..< n + 5 where j < 2 || j >= n + 2 {
                let i = r * (n + 5) + j
                if i < before.count { XCTAssertEqual(cBuf[i], before[i], "\(what): [\(i)] changed", file: file, line: line) }
            }
        }
    }
}

func XCTAssertEqual(_ a: [Float], _ b: [Float], accuracy: Float, _ message: String = "",
                    file: StaticString = #filePath, line: UInt = #line) {
    assertClose(a, b, abs: accuracy, rel: accuracy, message, file: file, line: line)
}
