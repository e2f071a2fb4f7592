import XCTest
import Corpus
import Model
import TensorCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The GRU layer against PyTorch's `nn.GRU` on a packed batch: outputs,
/// final states and every gradient. The literals in GoldenGRUValues.swift
/// were produced by scripts/golden_gru.py, whose formulas for the weights,
/// inputs and loss coefficients are repeated here.
final class GoldenGRUTests: XCTestCase {
    let e = 3, h = 4, t = 5
    let lengths = [5, 3, 1]

    func testForwardAndBackwardMatchPyTorch() {
        var layout = ParameterLayout()
        let gru = GRU(inputSize: e, hiddenSize: h, layout: &layout)
        let p = FloatBuffer(count: layout.totalCount)
        for i in 0 ..< 3 * h {
            for j in 0 ..< e { p[gru.weightIH + i * e + j] = Float(0.3 * sin(0.7 * Double(i * e + j) + 0.1)) }
            for j in 0 ..< h { p[gru.weightHH + i * h + j] = Float(0.3 * cos(0.5 * Double(i * h + j) + 0.2)) }
            p[gru.biasIH + i] = Float(0.1 * sin(1.3 * Double(i)))
            p[gru.biasHH + i] = Float(0.1 * cos(0.9 * Double(i)))
        }
        let h0 = FloatBuffer((0 ..< h).map { Float(0.2 * sin(Double($0 + 1))) })
        let start = RecurrentState(h: Matrix(h0.base, rows: 3, cols: h, ld: 0))   // one vector for every row

        // Rows are already longest first, so batch row b is corpus row b.
        let corpus = Corpus(paddedRows: lengths.map { Array(repeating: 1, count: $0) }, lengths: lengths,
                            labels: [0, 0, 0], numClasses: 1, vocabularySize: 2)
        let batch = PackedBatch()
        batch.fill(corpus: corpus, rows: [0, 1, 2])
        let n = batch.tokenCount
        let x = FloatBuffer(count: n * e), coef = FloatBuffer(count: n * h)
        for b in 0 ..< 3 {
            for s in 0 ..< lengths[b] {
                let i = batch.offsets[s] + b
                for k in 0 ..< e { x[i * e + k] = Float(sin(0.3 * Double(b * t * e + s * e + k) + 0.5)) }
                for k in 0 ..< h { coef[i * h + k] = Float(cos(0.2 * Double(b * t * h + s * h + k))) }
            }
        }
        let ws = gru.makeWorkspace(maxRows: 3, maxTokens: n)
        let out = FloatBuffer(count: n * h)
        gru.forward(p.base, input: x.matrix(rows: n, cols: e), batch: batch, start: start, workspace: ws, output: out.matrix(rows: n, cols: h))

        // Outputs in PyTorch's [b][t < len][k] order, and the loss.
        var outputs: [Float] = [], dxRows: [Int] = [], loss = 0.0
        for b in 0 ..< 3 {
            for s in 0 ..< lengths[b] {
                let i = batch.offsets[s] + b
                dxRows.append(i)
                for k in 0 ..< h { outputs.append(out[i * h + k]); loss += Double(coef[i * h + k] * out[i * h + k]) }
            }
        }
        let final = (0 ..< 3).flatMap { b in (0 ..< h).map { out[batch.lastIndex[b] * h + $0] } }
        assertClose(outputs, goldenOutputs.map(Float.init), abs: 2e-6, rel: 1e-5, "outputs")
        assertClose(final, goldenFinalStates.map(Float.init), abs: 2e-6, rel: 1e-5, "final states")
        XCTAssertEqual(loss, goldenLoss, accuracy: 1e-5)

        let grads = FloatBuffer(count: layout.totalCount), dx = FloatBuffer(count: n * e)
        let dOut = FloatBuffer(coef.array)   // backward uses dOutput as scratch
        let dStart = gru.backward(p.base, grads.base, input: x.matrix(rows: n, cols: e), batch: batch, workspace: ws,
                     dOutput: dOut.matrix(rows: n, cols: h), dInput: dx.matrix(rows: n, cols: e))
        withExtendedLifetime(dOut) {}
        func slice(_ offset: Int, _ count: Int) -> [Float] { Array(grads.array[offset ..< offset + count]) }
        assertClose(slice(gru.weightIH, 3 * h * e), goldenGradWeightIH.map(Float.init), abs: 2e-6, rel: 1e-4, "dW_ih")
        assertClose(slice(gru.weightHH, 3 * h * h), goldenGradWeightHH.map(Float.init), abs: 2e-6, rel: 1e-4, "dW_hh")
        assertClose(slice(gru.biasIH, 3 * h), goldenGradBiasIH.map(Float.init), abs: 2e-6, rel: 1e-4, "db_ih")
        assertClose(slice(gru.biasHH, 3 * h), goldenGradBiasHH.map(Float.init), abs: 2e-6, rel: 1e-4, "db_hh")
        let dH0 = FloatBuffer(count: h)
        Kernels.addColumnSums(dStart.h, into: dH0.base)
        assertClose(dH0.array, goldenGradInitState.map(Float.init), abs: 2e-6, rel: 1e-4, "d init_state")
        let dxOrdered = dxRows.flatMap { i in (0 ..< e).map { dx[i * e + $0] } }
        assertClose(dxOrdered, goldenGradX.map(Float.init), abs: 2e-6, rel: 1e-4, "dX")
    }
}
