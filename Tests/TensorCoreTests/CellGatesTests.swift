import XCTest
import TensorCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The fused LSTM and Elman RNN kernels against scalar Double versions of
/// the same equations, for hidden sizes below, at and above the 64-column
/// block (direct and staged paths), with some rows carrying a gradient from
/// the next step and some not.
final class CellGatesTests: XCTestCase {
    func sig(_ x: Double) -> Double { 1 / (1 + exp(-x)) }
    func v(_ b: FloatBuffer, _ i: Int) -> Double { Double(b[i]) }

    func checkLSTM(hidden h: Int, rows: Int, carried: Int) {
        let g = 4 * h
        let pre = randomBuffer(rows * g, seed: 21), gates = FloatBuffer(pre.array)
        let bi = randomBuffer(g, seed: 22), bh = randomBuffer(g, seed: 23)
        let cp = randomBuffer(rows * h, seed: 24), dh = randomBuffer(rows * h, seed: 25)
        let dn = randomBuffer(rows * h, seed: 26), dcIn = randomBuffer(rows * h, seed: 27), dc = FloatBuffer(dcIn.array)
        let tc = FloatBuffer(count: rows * h), c = FloatBuffer(count: rows * h), hOut = FloatBuffer(count: rows * h)
        LSTMGates.forward(rows: rows, hidden: h, gates: gates.base, ldGates: g, biasIH: bi.base, biasHH: bh.base,
                          cPrev: cp.base, ldCPrev: h, tanhC: tc.base, ldTanhC: h, c: c.base, ldC: h, hOut: hOut.base, ldHOut: h)
        let act = gates.array
        LSTMGates.backward(rows: rows, carriedRows: carried, hidden: h, dh: dh.base, ldDh: h, dhNext: dn.base, ldDhNext: h,
                           gates: gates.base, ldGates: g, tanhC: tc.base, ldTanhC: h, cPrev: cp.base, ldCPrev: h,
                           dc: dc.base, ldDc: h)
        for row in 0 ..< rows {
            for j in 0 ..< h {
                func a(_ k: Int) -> Double { v(pre, row * g + k * h + j) + v(bi, k * h + j) + v(bh, k * h + j) }
                let (i, f, gg, o) = (sig(a(0)), sig(a(1)), tanh(a(2)), sig(a(3)))
                let cPrev = v(cp, row * h + j), cNew = f * cPrev + i * gg, tcn = tanh(cNew)
                for (k, want) in [i, f, gg, o].enumerated() { XCTAssertEqual(Double(act[row * g + k * h + j]), want, accuracy: 1e-6) }
                XCTAssertEqual(v(c, row * h + j), cNew, accuracy: 1e-6, "c[\(row),\(j)]")
                XCTAssertEqual(v(hOut, row * h + j), o * tcn, accuracy: 1e-6, "h[\(row),\(j)]")
                let d = v(dh, row * h + j) + (row < carried ? v(dn, row * h + j) : 0)
                let dcv = v(dcIn, row * h + j) + d * o * (1 - tcn * tcn)
                let want = [dcv * gg * i * (1 - i), dcv * cPrev * f * (1 - f), dcv * i * (1 - gg * gg), d * tcn * o * (1 - o)]
                for (k, w) in want.enumerated() { XCTAssertEqual(v(gates, row * g + k * h + j), w, accuracy: 1e-5, "dA[\(row),\(k),\(j)]") }
                XCTAssertEqual(v(dc, row * h + j), dcv * f, accuracy: 1e-5, "dc_prev[\(row),\(j)]")
            }
        }
    }

    func checkRNN(hidden h: Int, rows: Int, carried: Int, relu: Bool) {
        let pre = randomBuffer(rows * h, seed: 31), act = FloatBuffer(pre.array)
        let bi = randomBuffer(h, seed: 32), bh = randomBuffer(h, seed: 33)
        let dh = randomBuffer(rows * h, seed: 34), dn = randomBuffer(rows * h, seed: 35)
        let hOut = FloatBuffer(count: rows * h)
        RNNGates.forward(rows: rows, hidden: h, relu: relu, pre: act.base, ldPre: h, biasIH: bi.base, biasHH: bh.base,
                         hOut: hOut.base, ldHOut: h)
        XCTAssertEqual(act.array, hOut.array, "h' kept for backward")
        RNNGates.backward(rows: rows, carriedRows: carried, hidden: h, relu: relu, dh: dh.base, ldDh: h,
                          dhNext: dn.base, ldDhNext: h, act: act.base, ldAct: h)
        for row in 0 ..< rows {
            for j in 0 ..< h {
                let z = v(pre, row * h + j) + v(bi, j) + v(bh, j)
                let y = relu ? max(z, 0) : tanh(z)
                XCTAssertEqual(v(hOut, row * h + j), y, accuracy: 1e-6, "h[\(row),\(j)]")
                let d = v(dh, row * h + j) + (row < carried ? v(dn, row * h + j) : 0)
                XCTAssertEqual(v(act, row * h + j), relu ? (z > 0 ? d : 0) : d * (1 - y * y), accuracy: 1e-5, "dA[\(row),\(j)]")
            }
        }
    }

    func testOddHiddenSize() { check(hidden: 5, rows: 3, carried: 2) }
    func testBlockWidth() { check(hidden: 64, rows: 2, carried: 1) }
    func testTwoBlocks() { check(hidden: 128, rows: 1, carried: 1) }
    func testBlockPlusTail() { check(hidden: 70, rows: 3, carried: 1) }

    func check(hidden: Int, rows: Int, carried: Int) {
        checkLSTM(hidden: hidden, rows: rows, carried: carried)
        checkRNN(hidden: hidden, rows: rows, carried: carried, relu: false)
        checkRNN(hidden: hidden, rows: rows, carried: carried, relu: true)
    }
}
