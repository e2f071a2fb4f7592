import XCTest
import TensorCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The fused gate kernels against a scalar Double implementation of the
/// same equations: hidden sizes below, at, and above the 64-column block,
/// so both the direct path and the staged last block are checked.
final class GRUGatesTests: XCTestCase {
    func sig(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

    /// Rows of gi read through an index (`giRows`: a projection per distinct
    /// token read in place) give what the same rows copied into place give,
    /// bit for bit, in the 64-column blocks and the staged last block.
    func testIndexedInputRowsEqualGatheredRows() {
        for h in [20, 64, 100] {
            let g = 3 * h, rows = 7, distinct = 3
            let table = randomBuffer(distinct * g, seed: 21), gh = randomBuffer(rows * g, seed: 22)
            let bi = randomBuffer(g, seed: 23), bh = randomBuffer(g, seed: 24), hp = randomBuffer(rows * h, seed: 25)
            let index: [Int32] = [2, 0, 0, 1, 2, 2, 1]
            let gathered = FloatBuffer(count: rows * g)
            for (r, k) in index.enumerated() { (gathered.base + r * g).update(from: table.base + Int(k) * g, count: g) }
            var outs: [[Float]] = []
            for indexed in [false, true] {
                let saved = FloatBuffer(count: rows * 4 * h), hOut = FloatBuffer(count: rows * h)
                index.withUnsafeBufferPointer { ix in
                    GRUGates.forward(rows: rows, hidden: h, gi: indexed ? table.base : gathered.base, ldGi: g,
                                     giRows: indexed ? ix.baseAddress : nil, gh: gh.base, ldGh: g,
                                     biasIH: bi.base, biasHH: bh.base, hPrev: hp.base, ldHPrev: h,
                                     saved: saved.base, ldSaved: 4 * h, hOut: hOut.base, ldHOut: h)
                }
                outs.append(hOut.array + saved.array)
            }
            XCTAssertEqual(outs[0], outs[1], "hidden \(h)")
        }
    }

    /// The gradient carried from the next step (`next`, the first
    /// `carriedRows` rows), read from the buffer the kernel writes dh_prev
    /// into, gives what adding it to dh beforehand gives, bit for bit.
    func testCarriedGradientEqualsPreaddedOne() {
        for h in [20, 64, 100] {
            let g = 3 * h, rows = 5, carried = 3
            let saved = randomBuffer(rows * 4 * h, seed: 31), hp = randomBuffer(rows * h, seed: 32)
            let dh = randomBuffer(rows * h, seed: 33), next = randomBuffer(rows * h, seed: 34)
            let summed = FloatBuffer(dh.array)
            for r in 0 ..< carried { for j in 0 ..< h { summed[r * h + j] = dh[r * h + j] + next[r * h + j] } }
            var outs: [[Float]] = []
            for fused in [false, true] {
                let dGi = FloatBuffer(count: rows * g), dGh = FloatBuffer(count: rows * g)
                let carry = FloatBuffer(next.array)      // dh_prev is written over the carried gradient
                GRUGates.backward(rows: rows, hidden: h, dh: (fused ? dh : summed).base, ldDh: h,
                                  saved: saved.base, ldSaved: 4 * h, hPrev: hp.base, ldHPrev: h,
                                  dGi: dGi.base, ldDGi: g, dGh: dGh.base, ldDGh: g, dhPrev: carry.base, ldDhPrev: h,
                                  next: fused ? carry.base : nil, ldNext: h, carriedRows: fused ? carried : 0)
                outs.append(dGi.array + dGh.array + carry.array)
            }
            XCTAssertEqual(outs[1].map(\.bitPattern), outs[0].map(\.bitPattern), "hidden \(h)")
        }
    }

    func check(hidden h: Int, rows: Int) {
        let g = 3 * h
        let gi = randomBuffer(rows * g, seed: 11), gh = randomBuffer(rows * g, seed: 12)
        let bi = randomBuffer(g, seed: 13), bh = randomBuffer(g, seed: 14)
        let hp = randomBuffer(rows * h, seed: 15), dh = randomBuffer(rows * h, seed: 16)
        let saved = FloatBuffer(count: rows * 4 * h), hOut = FloatBuffer(count: rows * h)
        GRUGates.forward(rows: rows, hidden: h, gi: gi.base, ldGi: g, gh: gh.base, ldGh: g,
                         biasIH: bi.base, biasHH: bh.base, hPrev: hp.base, ldHPrev: h,
                         saved: saved.base, ldSaved: 4 * h, hOut: hOut.base, ldHOut: h)
        let dGi = FloatBuffer(count: rows * g), dGh = FloatBuffer(count: rows * g), dhp = FloatBuffer(count: rows * h)
        GRUGates.backward(rows: rows, hidden: h, dh: dh.base, ldDh: h, saved: saved.base, ldSaved: 4 * h,
                          hPrev: hp.base, ldHPrev: h, dGi: dGi.base, ldDGi: g, dGh: dGh.base, ldDGh: g,
                          dhPrev: dhp.base, ldDhPrev: h)
        for row in 0 ..< rows {
            for j in 0 ..< h {
                func v(_ b: FloatBuffer, _ i: Int) -> Double { Double(b[i]) }
                let r = sig(v(gi, row * g + j) + v(bi, j) + v(gh, row * g + j) + v(bh, j))
                let z = sig(v(gi, row * g + h + j) + v(bi, h + j) + v(gh, row * g + h + j) + v(bh, h + j))
                let hn = v(gh, row * g + 2 * h + j) + v(bh, 2 * h + j)
                let n = tanh(v(gi, row * g + 2 * h + j) + v(bi, 2 * h + j) + r * hn)
                let hPrev = v(hp, row * h + j)
                let hNew = (1 - z) * n + z * hPrev
                XCTAssertEqual(Double(hOut[row * h + j]), hNew, accuracy: 1e-6, "h'[\(row),\(j)]")
                let d = v(dh, row * h + j)
                let dnp = d * (1 - z) * (1 - n * n)
                let dzp = d * (hPrev - n) * z * (1 - z)
                let drp = dnp * hn * r * (1 - r)
                XCTAssertEqual(Double(dGi[row * g + j]), drp, accuracy: 1e-6)
                XCTAssertEqual(Double(dGi[row * g + h + j]), dzp, accuracy: 1e-6)
                XCTAssertEqual(Double(dGi[row * g + 2 * h + j]), dnp, accuracy: 1e-6)
                XCTAssertEqual(Double(dGh[row * g + 2 * h + j]), dnp * r, accuracy: 1e-6)
                XCTAssertEqual(Double(dGh[row * g + j]), drp, accuracy: 1e-6)
                XCTAssertEqual(Double(dhp[row * h + j]), d * z, accuracy: 1e-6)
            }
        }
    }

    func testOddHiddenSize() { check(hidden: 5, rows: 3) }
    func testBlockWidth() { check(hidden: 64, rows: 2) }
    func testTwoBlocks() { check(hidden: 128, rows: 1) }
    func testBlockPlusTail() { check(hidden: 70, rows: 3) }
}
