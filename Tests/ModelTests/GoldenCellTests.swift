import XCTest
import Corpus
import Model
import TensorCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The LSTM and Elman RNN cells against PyTorch (`nn.LSTM`, `nn.RNN`) on a
/// packed batch of mixed lengths with explicit per-row start states: outputs,
/// final states, loss, every parameter gradient, dL/dh0, dL/dc0 and dL/dx.
/// The literals in GoldenCellValues.swift come from scripts/golden_cells.py,
/// whose closed-form values are repeated here (single layer, forward
/// direction: p = 0, s = 0):
///
///     weight_ih[q] = 0.3 sin(0.7 q + 0.1)    weight_hh[q] = 0.3 cos(0.5 q + 0.2)
///     bias_ih[q]   = 0.1 sin(1.3 q)          bias_hh[q]   = 0.1 cos(0.9 q)
///     h0[b][k] = 0.2 sin(k + 1 + 0.7 b)      c0[b][k] = 0.3 cos(k + 0.4 b)
///     x[b][t][e] = sin(0.3 (b T E + t E + e) + 0.5)
///     L = Σ cos(0.2 (b T H + t H + k)) out[b][t][k]
///       + Σ 0.5 sin(0.4 (b H + k) + 0.3) h_n[b][k] + Σ 0.5 cos(0.3 (b H + k) + 0.1) c_n[b][k]
final class GoldenCellTests: XCTestCase {
    let e = 3, h = 4, t = 5

    func testLSTMMatchesPyTorch() { check(.lstm, goldenCells["lstm_l1_uni"]!) }
    func testTanhRNNMatchesPyTorch() { check(.rnnTanh, goldenCells["rnn_tanh_l1_uni"]!) }
    func testReluRNNMatchesPyTorch() { check(.rnnRelu, goldenCells["rnn_relu_l1_uni"]!) }

    func check(_ kind: TestCell, _ golden: GoldenCellCase, file: StaticString = #filePath, line: UInt = #line) {
        let lengths = goldenCellLengths, rowCount = lengths.count
        let corpus = Corpus(paddedRows: lengths.map { Array(repeating: 1, count: $0) }, lengths: lengths,
                            labels: lengths.map { _ in 0 }, numClasses: 1, vocabularySize: 2)
        // Rows are already longest first, so batch row b is corpus row b.
        let run = kind.run(corpus, rows: Array(0 ..< rowCount), inputSize: e, hiddenSize: h)
        setParameters(run)
        let batch = run.batch
        var tokens: [Int] = []                     // packed index of (b, t) in PyTorch's order
        for b in 0 ..< rowCount {
            for s in 0 ..< lengths[b] {
                let i = batch.offsets[s] + b
                tokens.append(i)
                for k in 0 ..< e { run.x[i * e + k] = Float(sin(0.3 * Double(b * t * e + s * e + k) + 0.5)) }
                for k in 0 ..< h { run.coef[i * h + k] = Float(cos(0.2 * Double(b * t * h + s * h + k))) }
            }
            for k in 0 ..< h {
                let bk = Double(b * h + k)
                run.h0[b * h + k] = Float(0.2 * sin(Double(k + 1) + 0.7 * Double(b)))
                run.dHN[b * h + k] = Float(0.5 * sin(0.4 * bk + 0.3))
                run.c0?[b * h + k] = Float(0.3 * cos(Double(k) + 0.4 * Double(b)))
                run.dCN?[b * h + k] = Float(0.5 * cos(0.3 * bk + 0.1))
            }
        }
        func f(_ v: [Double]) -> [Float] { v.map(Float.init) }
        let final = run.forward()
        let outputs = tokens.flatMap { i in (0 ..< h).map { run.output[i * h + $0] } }
        assertClose(outputs, f(golden.outputs), abs: 2e-6, rel: 1e-5, "outputs", file: file, line: line)
        assertClose(final.h, f(golden.hN), abs: 2e-6, rel: 1e-5, "h_n", file: file, line: line)
        XCTAssertEqual(final.c == nil, golden.cN == nil, "c_n exactly for LSTM", file: file, line: line)
        if let c = final.c, let g = golden.cN { assertClose(c, f(g), abs: 2e-6, rel: 1e-5, "c_n", file: file, line: line) }
        XCTAssertEqual(run.loss(), golden.loss, accuracy: 1e-5, "loss", file: file, line: line)

        let grads = run.gradients()
        for spec in run.layout.specs {
            let ours = Array(grads.grads[spec.offset ..< spec.offset + spec.count])
            assertClose(ours, f(golden.grads[spec.name]!), abs: 2e-6, rel: 1e-4, spec.name, file: file, line: line)
        }
        XCTAssertEqual(Set(run.layout.specs.map(\.name)), Set(golden.grads.keys), "tensor names", file: file, line: line)
        assertClose(grads.dH0, f(golden.dH0), abs: 2e-6, rel: 1e-4, "dL/dh0", file: file, line: line)
        if let dC0 = grads.dC0 { assertClose(dC0, f(golden.dC0!), abs: 2e-6, rel: 1e-4, "dL/dc0", file: file, line: line) }
        let dX = tokens.flatMap { i in (0 ..< e).map { grads.dX[i * e + $0] } }
        assertClose(dX, f(golden.dX), abs: 2e-6, rel: 1e-4, "dL/dx", file: file, line: line)
    }

    /// The script's closed-form parameters for layer 0, forward (p = 0).
    func setParameters(_ run: CellRun) {
        let formulas: [String: (Double) -> Double] = [
            "weight_ih": { 0.3 * sin(0.7 * $0 + 0.1) }, "weight_hh": { 0.3 * cos(0.5 * $0 + 0.2) },
            "bias_ih": { 0.1 * sin(1.3 * $0) }, "bias_hh": { 0.1 * cos(0.9 * $0) },
        ]
        for spec in run.layout.specs {
            let base = String(spec.name.split(separator: ".")[1].dropLast(3))   // "lstm.weight_ih_l0" -> "weight_ih"
            for q in 0 ..< spec.count { run.params[spec.offset + q] = Float(formulas[base]!(Double(q))) }
        }
    }
}
