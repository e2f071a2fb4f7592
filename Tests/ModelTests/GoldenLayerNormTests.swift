import XCTest
import Corpus
import Model
import TensorCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `LayerNormLSTM` and `LayerNormGRU` against the PyTorch reference module
/// of scripts/layernorm_reference.py (float64, explicit time loops): outputs,
/// h_n, c_n, loss and every gradient on a packed batch of mixed lengths. The
/// literals in GoldenLayerNormValues.swift come from that script, whose
/// closed-form weights, inputs and loss coefficients are repeated here.
/// H = 5 checks every gradient element; H = 66 runs one full 64-wide chunk
/// and a partial one per gate block and checks gradients by checksum.
final class GoldenLayerNormTests: XCTestCase {
    static func paramValue(_ base: String, _ i: Int) -> Float {
        let q: [String: Double] = ["ln_ih": 1, "ln_hh": 2, "ln_c": 3]
        let x = Double(i)
        switch base {
        case "weight_ih": return Float(0.3 * sin(0.7 * x + 0.1))
        case "weight_hh": return Float(0.3 * cos(0.5 * x + 0.2))
        case "bias", "bias_ih": return Float(0.1 * sin(1.3 * x))
        case "bias_hh": return Float(0.1 * cos(0.9 * x))
        default:
            if base.hasSuffix("_weight") { return Float(1 + 0.2 * sin(0.37 * x + q[String(base.dropLast(7))]!)) }
            return Float(0.1 * cos(0.41 * x + q[String(base.dropLast(5))]!))
        }
    }

    func check(lstm: Bool, e: Int, h: Int, lengths: [Int], golden g: LayerNormGolden,
               file: StaticString = #filePath, line: UInt = #line) {
        let cell = LayerNormHarness(lstm: lstm, inputSize: e, hiddenSize: h)
        for spec in cell.layout.specs {
            let base = String(spec.name.split(separator: ".")[1].dropLast(3))     // "lstm.bias_l0" -> "bias"
            for i in 0 ..< spec.count { cell.params[spec.offset + i] = Self.paramValue(base, i) }
        }
        let batch = LayerNormHarness.batch(lengths)    // lengths are sorted: batch row b is corpus row b
        let n = batch.tokenCount, b = lengths.count, t = lengths.max()!
        var x = [Float](repeating: 0, count: n * e), coef = [Float](repeating: 0, count: n * h)
        var order: [Int] = []                          // packed index of each (b, t < len_b)
        for row in 0 ..< b {
            for s in 0 ..< lengths[row] {
                let i = batch.offsets[s] + row
                order.append(i)
                for k in 0 ..< e { x[i * e + k] = Float(sin(0.3 * Double(row * t * e + s * e + k) + 0.5)) }
                for k in 0 ..< h { coef[i * h + k] = Float(cos(0.2 * Double(row * t * h + s * h + k))) }
            }
        }
        let grid = (0 ..< b).flatMap { row in (0 ..< h).map { (row, $0) } }
        let (hb, h0) = lnMatrix(grid.map { Float(0.2 * sin(Double($0.1 + 1 + $0.0))) }, rows: b, cols: h)
        let (cb, c0) = lnMatrix(grid.map { Float(0.3 * cos(0.7 * Double($0.1) + Double($0.0))) }, rows: b, cols: h)
        let d = grid.map { Float(0.5 * sin(0.9 * Double($0.0 * h + $0.1) + 0.3)) }
        let r = cell.run(batch, x: x, coef: coef, h0: h0, c0: lstm ? c0 : nil, d: d)
        withExtendedLifetime((hb, cb)) {}

        let f = { (v: [Double]) in v.map(Float.init) }
        let ordered = { (v: [Float], w: Int) in order.flatMap { i in (0 ..< w).map { v[i * w + $0] } } }
        assertClose(ordered(r.out, h), f(g.outputs), abs: 1e-5, rel: 1e-4, "outputs", file: file, line: line)
        assertClose(r.hN, f(g.hN), abs: 1e-5, rel: 1e-4, "h_n", file: file, line: line)
        assertClose(r.cN, f(g.cN), abs: 1e-5, rel: 1e-4, "c_n", file: file, line: line)
        XCTAssertEqual(r.loss, g.loss, accuracy: 1e-4 * max(1, abs(g.loss)), "loss", file: file, line: line)
        for spec in cell.layout.specs {
            let grad = cell.tensor(r.grads, spec)
            if let want = g.grads[spec.name] {
                assertClose(grad, f(want), abs: 2e-5, rel: 1e-3, spec.name, file: file, line: line)
            }
            let sum = grad.enumerated().reduce(0.0) { $0 + Double($1.element) * cos(0.37 * Double($1.offset) + 0.5) }
            let want = g.checksums[spec.name]!
            XCTAssertEqual(sum, want, accuracy: 1e-4 + 1e-3 * abs(want), "\(spec.name) checksum", file: file, line: line)
        }
        XCTAssertEqual(Set(g.checksums.keys), Set(cell.layout.specs.map(\.name)), "tensor names", file: file, line: line)
        assertClose(r.dh0, f(g.dh0), abs: 2e-5, rel: 1e-3, "dL/dh0", file: file, line: line)
        assertClose(r.dc0, f(g.dc0), abs: 2e-5, rel: 1e-3, "dL/dc0", file: file, line: line)
        assertClose(ordered(r.dx, e), f(g.dx), abs: 2e-5, rel: 1e-3, "dL/dx", file: file, line: line)
    }

    func testLSTMMatchesReference() { check(lstm: true, e: 3, h: 5, lengths: [5, 3, 3, 1], golden: goldenLayerNormLSTMSmall) }
    func testLSTMWideMatchesReference() { check(lstm: true, e: 4, h: 66, lengths: [4, 2, 1], golden: goldenLayerNormLSTMWide) }
    func testGRUMatchesReference() { check(lstm: false, e: 3, h: 5, lengths: [5, 3, 3, 1], golden: goldenLayerNormGRUSmall) }
    func testGRUWideMatchesReference() { check(lstm: false, e: 4, h: 66, lengths: [4, 2, 1], golden: goldenLayerNormGRUWide) }
}
