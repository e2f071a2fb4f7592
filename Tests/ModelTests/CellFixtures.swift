import XCTest
import Corpus
import Model
import TensorCore

/// One recurrent cell on one packed batch with the loss
///
///     L = Σ coef ∘ output  +  Σ dHN ∘ h_n  +  Σ dCN ∘ c_n
///
/// (h_n, c_n: each row's state after its last step, `[B x H]` in batch row
/// order) and given start states `h0`, `c0` (`[B x H]`). All inputs are
/// packed (`[N x E]`, `[N x H]`) and filled by the test.
final class CellRun {
    let cell: any RecurrentCell
    let layout: ParameterLayout
    let batch: PackedBatch
    let params: FloatBuffer
    let x: FloatBuffer, coef: FloatBuffer
    let h0: FloatBuffer, dHN: FloatBuffer
    let c0: FloatBuffer?, dCN: FloatBuffer?
    let output: FloatBuffer
    let workspace: RecurrentWorkspace
    var n: Int { batch.tokenCount }
    var b: Int { batch.batchSize }
    var e: Int { cell.inputSize }
    var h: Int { cell.hiddenSize }

    init(cell: any RecurrentCell, layout: ParameterLayout, batch: PackedBatch) {
        self.cell = cell
        self.layout = layout
        self.batch = batch
        let n = batch.tokenCount, b = batch.batchSize, h = cell.hiddenSize
        params = FloatBuffer(count: layout.totalCount)
        x = FloatBuffer(count: n * cell.inputSize)
        coef = FloatBuffer(count: n * h)
        output = FloatBuffer(count: n * h)
        h0 = FloatBuffer(count: b * h)
        dHN = FloatBuffer(count: b * h)
        c0 = cell.stateCount == 2 ? FloatBuffer(count: b * h) : nil
        dCN = cell.stateCount == 2 ? FloatBuffer(count: b * h) : nil
        workspace = cell.makeWorkspace(maxRows: b, maxTokens: n)
    }

    func state(_ hb: FloatBuffer, _ cb: FloatBuffer?) -> RecurrentState {
        RecurrentState(h: hb.matrix(rows: b, cols: h), c: cb?.matrix(rows: b, cols: h))
    }

    /// Runs forward; returns the final states `[B x H]` (h, c).
    @discardableResult
    func forward() -> (h: [Float], c: [Float]?) {
        cell.forward(params.base, input: x.matrix(rows: n, cols: e), batch: batch, start: state(h0, c0),
                     workspace: workspace, output: output.matrix(rows: n, cols: h))
        let hN = FloatBuffer(count: b * h), cN = c0.map { _ in FloatBuffer(count: b * h) }
        cell.finalState(batch: batch, workspace: workspace, output: output.matrix(rows: n, cols: h), into: state(hN, cN))
        return (hN.array, cN?.array)
    }

    func loss() -> Double {
        let (hN, cN) = forward()
        func dot(_ a: [Float], _ b: [Float]) -> Double { zip(a, b).reduce(0.0) { $0 + Double($1.0 * $1.1) } }
        return dot(output.array, coef.array) + dot(hN, dHN.array) + (cN.map { dot($0, dCN!.array) } ?? 0)
    }

    /// Forward, then backward of `loss()`: every parameter gradient (slab
    /// layout), dL/dx `[N x E]`, dL/dh0 and dL/dc0 `[B x H]`. The final h's
    /// gradient enters as extra dOutput at each row's last index; the final
    /// c's through LSTM's `dFinalC`.
    func gradients() -> (grads: [Float], dX: [Float], dH0: [Float], dC0: [Float]?) {
        forward()
        let dOut = FloatBuffer(coef.array), grads = FloatBuffer(count: layout.totalCount)
        let dX = FloatBuffer(count: n * e)
        for r in 0 ..< b {
            Kernels.add(dHN.base + r * h, into: dOut.base + batch.lastIndex[r] * h, count: h)
        }
        let xm = x.matrix(rows: n, cols: e), dOutM = dOut.matrix(rows: n, cols: h), dXM = dX.matrix(rows: n, cols: e)
        let start: RecurrentState
        if let lstm = cell as? LSTM {
            start = lstm.backward(params.base, grads.base, input: .matrix(xm), batch: batch, workspace: workspace,
                                  dOutput: dOutM, dFinalC: dCN!.matrix(rows: b, cols: h), dInput: dXM)
        } else {
            start = cell.backward(params.base, grads.base, input: xm, batch: batch, workspace: workspace,
                                  dOutput: dOutM, dInput: dXM)
        }
        func rows(_ m: Matrix) -> [Float] { (0 ..< b).flatMap { r in (0 ..< h).map { m[r, $0] } } }
        return (grads.array, dX.array, rows(start.h), start.c.map(rows))
    }
}

/// The cells under test: LSTM, and the Elman RNN with each nonlinearity.
enum TestCell: CaseIterable {
    case lstm, rnnTanh, rnnRelu

    var module: String { self == .lstm ? "lstm" : "rnn" }

    func make(inputSize: Int, hiddenSize: Int, layout: inout ParameterLayout, names: CellNames? = nil) -> any RecurrentCell {
        let names = names ?? CellNames(module: module)
        switch self {
        case .lstm: return LSTM(inputSize: inputSize, hiddenSize: hiddenSize, layout: &layout, names: names)
        case .rnnTanh: return ElmanRNN(inputSize: inputSize, hiddenSize: hiddenSize, nonlinearity: .tanh, layout: &layout, names: names)
        case .rnnRelu: return ElmanRNN(inputSize: inputSize, hiddenSize: hiddenSize, nonlinearity: .relu, layout: &layout, names: names)
        }
    }

    /// A `CellRun` of this cell on `corpusRows` of `corpus`.
    func run(_ corpus: Corpus, rows corpusRows: [Int], inputSize: Int, hiddenSize: Int) -> CellRun {
        var layout = ParameterLayout()
        let cell = make(inputSize: inputSize, hiddenSize: hiddenSize, layout: &layout)
        let batch = PackedBatch()
        batch.fill(corpus: corpus, rows: corpusRows)
        return CellRun(cell: cell, layout: layout, batch: batch)
    }
}
