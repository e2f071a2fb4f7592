import XCTest
import TensorCore

/// The matrix products of every kernel family: the register families
/// against a scalar chain of fused multiply-adds, bit for bit (so against
/// each other, on any CPU that runs them), sgemm against a naive triple
/// loop in Double; on strided views (row prefixes and column blocks of
/// larger buffers).
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

    /// The element chain every kernel family must reproduce bit for bit:
    /// C's value (accumulate) or +0, then one fused multiply-add per k in
    /// ascending order. Plain scalar code, nothing shared with the kernels.
    func chain(_ a: Matrix, _ ta: Bool, _ b: Matrix, _ tb: Bool, _ c: Matrix, accumulate: Bool) -> [Float] {
        let k = ta ? a.rows : a.cols
        var out = [Float](repeating: 0, count: c.rows * c.cols)
        for i in 0 ..< c.rows {
            for j in 0 ..< c.cols {
                var acc: Float = accumulate ? c[i, j] : 0
                for p in 0 ..< k { acc = acc.addingProduct(ta ? a[p, i] : a[i, p], tb ? b[j, p] : b[p, j]) }
                out[i * c.cols + j] = acc
            }
        }
        return out
    }

    func bits(_ v: [Float]) -> [UInt32] { v.map(\.bitPattern) }

    /// sgemm (the `blas` family) with alpha and beta, every transpose, on
    /// strided views (each operand a column block of a wider buffer).
    func testSGEMMAllTransposesOnStridedViews() {
        let (m, n, k) = (7, 5, 9)
        for ta in [false, true] {
            for tb in [false, true] {
                let aBuf = randomBuffer(20 * 20, seed: 1), bBuf = randomBuffer(20 * 20, seed: 2), cBuf = randomBuffer(20 * 20, seed: 3)
                let a = Matrix(aBuf.base + 3, rows: ta ? k : m, cols: ta ? m : k, ld: 20)
                let b = Matrix(bBuf.base + 1, rows: tb ? n : k, cols: tb ? k : n, ld: 20)
                let c = Matrix(cBuf.base + 2, rows: m, cols: n, ld: 20)
                let expected = reference(a, ta, b, tb, c, alpha: 0.5, beta: 2)
                let untouched = cBuf[0]
                sgemm(a, transposeA: ta, b, transposeB: tb, into: c, alpha: 0.5, beta: 2)
                XCTAssertEqual(cBuf[0], untouched, "wrote outside the view")
                XCTAssertEqual(values(c), expected, accuracy: 1e-5, "ta=\(ta) tb=\(tb)")
            }
        }
    }

    /// `gemm` under every register family this CPU runs equals the scalar
    /// chain bit for bit (and so every other family), for every transpose,
    /// beta 0 and 1, k = 1, widths across 16 and 64, strided views.
    func testGEMMOfEveryFamilyIsTheChainBitForBit() {
        for (m, n, k) in [(7, 5, 9), (1, 1, 1), (13, 70, 1), (33, 64, 40), (6, 17, 3), (70, 130, 20)] {
            for ta in [false, true] {
                for tb in [false, true] {
                    for beta: Float in [0, 1] {
                        let ld = 150
                        let aBuf = randomBuffer(150 * ld, seed: 1), bBuf = randomBuffer(150 * ld, seed: 2)
                        let a = Matrix(aBuf.base + 3, rows: ta ? k : m, cols: ta ? m : k, ld: ld)
                        let b = Matrix(bBuf.base + 1, rows: tb ? n : k, cols: tb ? k : n, ld: ld)
                        for family in registerFamilies {
                            let cBuf = randomBuffer(m * (n + 5), seed: 3)
                            let c = Matrix(cBuf.base + 2, rows: m, cols: n, ld: n + 5)
                            let before = cBuf.array, expected = chain(a, ta, b, tb, c, accumulate: beta == 1)
                            KernelFamily.using(family) { gemm(a, transposeA: ta, b, transposeB: tb, into: c, beta: beta) }
                            let what = "\(family) \(m)x\(n)x\(k) ta=\(ta) tb=\(tb) beta=\(beta)"
                            XCTAssertEqual(bits(values(c)), bits(expected), what)
                            assertOutsideColumnsUnchanged(cBuf, before, rows: m, cols: n, what)
                        }
                    }
                }
            }
        }
    }

    var registerFamilies: [KernelFamily] { KernelFamily.supported.filter { $0 != .blas } }

    func testRowPrefixIsTheActivePart() {
        // The per-step recurrent GEMM multiplies only the first n rows.
        for family in KernelFamily.supported {
            let h = randomBuffer(10 * 4, seed: 4), w = randomBuffer(6 * 4, seed: 5)
            let out = FloatBuffer(count: 10 * 6)
            out.base.update(repeating: 42, count: 60)
            let hm = h.matrix(rows: 10, cols: 4), wm = w.matrix(rows: 6, cols: 4)
            let om = out.matrix(rows: 10, cols: 6)
            KernelFamily.using(family) { gemm(hm.prefix(rows: 3), wm, transposeB: true, into: om.prefix(rows: 3)) }
            let expected = reference(hm.prefix(rows: 3), false, wm, true, om.prefix(rows: 3), alpha: 1, beta: 0)
            XCTAssertEqual(values(om.prefix(rows: 3)), expected, accuracy: 1e-5, "\(family)")
            XCTAssertTrue(out.array[18...].allSatisfy { $0 == 42 }, "\(family): rows past the prefix changed")
        }
    }

    func testZeroInnerDimension() {
        let a = FloatBuffer(count: 1), b = FloatBuffer(count: 1), c = FloatBuffer([1, 2, 3, 4])
        sgemm(Matrix(a.base, rows: 2, cols: 0), Matrix(b.base, rows: 0, cols: 2), into: c.matrix(rows: 2, cols: 2), beta: 3)
        XCTAssertEqual(c.array, [3, 6, 9, 12])
        for family in registerFamilies {
            for (beta, expected): (Float, [Float]) in [(1, [1, 2, 3, 4]), (0, [0, 0, 0, 0])] {
                let c = FloatBuffer([1, 2, 3, 4])
                KernelFamily.using(family) {
                    gemm(Matrix(a.base, rows: 2, cols: 0), Matrix(b.base, rows: 0, cols: 2), into: c.matrix(rows: 2, cols: 2), beta: beta)
                }
                XCTAssertEqual(c.array, expected, "\(family) beta \(beta)")
            }
        }
    }

    func testBLASReportsACore() {
        XCTAssertFalse(BLASRuntime.coreName.isEmpty)
        XCTAssertNotEqual(BLASRuntime.coreName, "unknown")
    }

    /// The per-step kernel (`StepGEMM`, with a packed weight) equals the
    /// scalar chain bit for bit under every register family, on every edge
    /// of the tilings (4 x 64, 6 x 16, 4 x 16): rows 1 to 70, k = 1, widths
    /// below, at and above 16 and 64 and not multiples of 16, B transposed
    /// (packed) and not (read in place), overwrite and accumulate, strided
    /// views of A and C whose neighbouring columns must stay untouched.
    func testStepGEMMOfEveryFamilyIsTheChainBitForBit() {
        for (k, n) in [(5, 3), (64, 192), (1, 70), (100, 400), (17, 64), (33, 65), (8, 130)] {
            for m in [1, 2, 3, 4, 5, 6, 7, 9, 12, 13, 31, 64, 70] {
                for transposed in [false, true] {
                    let wBuf = randomBuffer(k * n, seed: 4)
                    let w = transposed ? wBuf.matrix(rows: n, cols: k) : wBuf.matrix(rows: k, cols: n)
                    let aBuf = randomBuffer(m * (k + 3), seed: 5)
                    let a = Matrix(aBuf.base + 1, rows: m, cols: k, ld: k + 3)
                    for accumulate in [false, true] {
                        for family in registerFamilies {
                            let packed = PackedWeight(k: k, n: n)
                            let cBuf = randomBuffer(m * (n + 5), seed: 6)
                            let c = Matrix(cBuf.base + 2, rows: m, cols: n, ld: n + 5)
                            let before = cBuf.array, expected = chain(a, false, w, transposed, c, accumulate: accumulate)
                            KernelFamily.using(family) {
                                packed.pack(w, transposed: transposed)
                                StepGEMM.multiply(a, packed, into: c, accumulate: accumulate)
                            }
                            let what = "\(family): m \(m) k \(k) n \(n) transposed \(transposed) accumulate \(accumulate)"
                            XCTAssertEqual(bits(values(c)), bits(expected), what)
                            assertOutsideColumnsUnchanged(cBuf, before, rows: m, cols: n, what)
                        }
                    }
                }
            }
        }
    }

    /// Under `blas` the same products go to sgemm: close to the naive
    /// product (its rounding is OpenBLAS's).
    func testStepGEMMUnderBLASMatchesTheNaiveProduct() {
        for (k, n) in [(5, 3), (64, 192), (33, 65)] {
            for m in [1, 4, 9] {
                for transposed in [false, true] {
                    let wBuf = randomBuffer(k * n, seed: 4), aBuf = randomBuffer(m * k, seed: 5), cBuf = randomBuffer(m * n, seed: 6)
                    let w = transposed ? wBuf.matrix(rows: n, cols: k) : wBuf.matrix(rows: k, cols: n)
                    let a = aBuf.matrix(rows: m, cols: k), c = cBuf.matrix(rows: m, cols: n)
                    let expected = reference(a, false, w, transposed, c, alpha: 1, beta: 1)
                    KernelFamily.using(.blas) {
                        let packed = PackedWeight(k: k, n: n)
                        packed.pack(w, transposed: transposed)
                        XCTAssertFalse(packed.isPacked)
                        StepGEMM.multiply(a, packed, into: c, accumulate: true)
                    }
                    assertClose(values(c), expected, abs: 1e-4, rel: 1e-4, "blas m \(m) k \(k) n \(n)")
                }
            }
        }
    }

    /// A weight that holds its packing (inference) is packed once per view:
    /// a new view is packed again, a change inside the same view is not
    /// seen (which is why only fixed-weight inference holds packings).
    func testHeldPackingIsKeptForTheSameView() {
        let (k, n) = (8, 20)
        let wBuf = randomBuffer(2 * k * n, seed: 10), aBuf = randomBuffer(k, seed: 11), cBuf = FloatBuffer(count: n)
        let w = wBuf.matrix(rows: n, cols: k), other = Matrix(wBuf.base + k * n, rows: n, cols: k)
        let a = aBuf.matrix(rows: 1, cols: k), c = cBuf.matrix(rows: 1, cols: n)
        KernelFamily.using(.portable) {
            let packed = PackedWeight(k: k, n: n)
            packed.holdsPacking = true
            packed.pack(w, transposed: true)
            let first = chain(a, false, w, true, c, accumulate: false)
            w[0, 0] += 1                                      // unseen: same view, held
            packed.pack(w, transposed: true)
            StepGEMM.multiply(a, packed, into: c, accumulate: false)
            XCTAssertEqual(bits(values(c)), bits(first))
            packed.pack(other, transposed: true)              // a new view: packed again
            StepGEMM.multiply(a, packed, into: c, accumulate: false)
            XCTAssertEqual(bits(values(c)), bits(chain(a, false, other, true, c, accumulate: false)))
        }
    }

    /// `c += a^T b` (weight gradients) equals the scalar chain bit for bit
    /// under every register family: rows within one chunk and across two
    /// (chunks of 2^18 / n rows: 1,365 at n = 192; C is stored exactly
    /// between them), k = 1 row, c's rows not a multiple of 4 or 6, widths
    /// not of 16, strided views whose neighbouring columns must not move.
    /// Under `blas`: close to the naive product.
    func testAccumulateTransposedOfEveryFamilyIsTheChainBitForBit() {
        for (m, n) in [(192, 64), (4, 16), (8, 80), (12, 192), (6, 64), (192, 50), (5, 3), (70, 17)] {
            for rows in [1, 3, 40, 65, 1_500] {
                let aBuf = randomBuffer(rows * (m + 3), seed: 7), bBuf = randomBuffer(rows * (n + 1), seed: 8)
                let a = Matrix(aBuf.base + 1, rows: rows, cols: m, ld: m + 3)
                let b = Matrix(bBuf.base, rows: rows, cols: n, ld: n + 1)
                for family in KernelFamily.supported {
                    let cBuf = randomBuffer(m * (n + 5), seed: 9)
                    let c = Matrix(cBuf.base + 2, rows: m, cols: n, ld: n + 5)
                    let before = cBuf.array
                    let exact = chain(a, true, b, false, c, accumulate: true)
                    let naive = reference(a, true, b, false, c, alpha: 1, beta: 1)
                    KernelFamily.using(family) { StepGEMM.accumulateTransposed(a, b, into: c) }
                    let what = "\(family): c \(m) x \(n), \(rows) rows"
                    if family == .blas {
                        assertClose(values(c), naive, abs: 1e-4, rel: 1e-4, what)
                    } else {
                        XCTAssertEqual(bits(values(c)), bits(exact), what)
                    }
                    assertOutsideColumnsUnchanged(cBuf, before, rows: m, cols: n, what)
                }
            }
        }
    }

    /// Names: `auto` is the widest family this CPU runs; an unknown name
    /// is an error that lists the choices.
    func testFamilyNames() throws {
        XCTAssertEqual(try KernelFamily.named("auto"), KernelFamily.widestSupported)
        XCTAssertEqual(try KernelFamily.named("portable"), .portable)
        XCTAssertThrowsError(try KernelFamily.named("avx1024")) { e in
            XCTAssertTrue("\(e)".contains("auto, avx512, avx2, portable, blas"), "\(e)")
        }
        for f in KernelFamily.allCases where !f.isSupported {
            XCTAssertThrowsError(try KernelFamily.named(f.rawValue))
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
