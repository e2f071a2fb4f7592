import XCTest
import Corpus
import Model
import TensorCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every cell x {1, 2 layers} x {one, two directions} through
/// `RecurrentStack` against PyTorch's `nn.LSTM` / `nn.RNN` / `nn.GRU`
/// (`num_layers`, `bidirectional`) on a packed batch of lengths 5, 3, 3, 1
/// with per-row start states: outputs, h_n, c_n, every parameter gradient,
/// the start states' gradients and dL/dx. The literals in
/// GoldenStackValues.swift come from `scripts/golden_cells.py --stack`,
/// whose formulas are repeated here.
final class GoldenStackTests: XCTestCase {
    let e = 3, h = 4, t = 5
    let lengths = goldenCellLengths

    func testEveryStackMatchesPyTorch() {
        XCTAssertEqual(goldenStacks.count, 16)
        for (key, golden) in goldenStacks.sorted(by: { $0.key < $1.key }) { check(key, golden) }
    }

    func spec(_ key: String) -> ModelSpec {
        let parts = key.split(separator: "_")
        var s = ModelSpec(vocabularySize: 2, embedDim: e, hiddenSize: h, numClasses: 2)
        s.cell = parts[0] == "lstm" ? .lstm : parts[0] == "gru" ? .gru : .rnn
        if parts[0] == "rnn" { s.nonlinearity = parts[1] == "relu" ? .relu : .tanh }
        s.layers = parts.contains("l2") ? 2 : 1
        s.bidirectional = parts.last == "bi"
        return s
    }

    /// The script's parameter formulas, by PyTorch name.
    func fill(_ params: FloatBuffer, _ layout: ParameterLayout) {
        for tensor in layout.specs where tensor.name != "h0" && tensor.name != "c0" {
            let (base, rest) = (String(tensor.name.split(separator: ".")[1].split(separator: "_l")[0]), tensor.name.split(separator: "_l").last!)
            let p = Double(2 * Int(String(rest.prefix { $0.isNumber }))! + (rest.hasSuffix("_reverse") ? 1 : 0))
            for q in 0 ..< tensor.count {
                let v: Double
                switch base {
                case "weight_ih": v = 0.3 * sin(0.7 * Double(q) + 0.1 + 0.5 * p)
                case "weight_hh": v = 0.3 * cos(0.5 * Double(q) + 0.2 + 0.5 * p)
                case "bias_ih": v = 0.1 * sin(1.3 * Double(q) + 0.5 * p)
                default: v = 0.1 * cos(0.9 * Double(q) + 0.5 * p)
                }
                params[tensor.offset + q] = Float(v)
            }
        }
    }

    func check(_ key: String, _ golden: GoldenCellCase) {
        let spec = spec(key)
        var layout = ParameterLayout()
        let stack = RecurrentStack(spec: spec, layout: &layout)
        let params = FloatBuffer(count: layout.totalCount), grads = FloatBuffer(count: layout.totalCount)
        fill(params, layout)
        // Rows are already longest first, so batch row b is corpus row b.
        let b = lengths.count, slots = spec.layers * spec.directions, f = spec.outputSize
        let corpus = Corpus(paddedRows: lengths.map { Array(repeating: 1, count: $0) }, lengths: lengths,
                            labels: Array(repeating: 0, count: b), numClasses: 2, vocabularySize: 2)
        let batch = PackedBatch()
        batch.fill(corpus: corpus, rows: Array(0 ..< b))
        let n = batch.tokenCount
        let x = FloatBuffer(count: n * e), dx = FloatBuffer(count: n * e)
        var order: [Int] = []        // packed index of [b][t < len_b]
        for r in 0 ..< b { for s in 0 ..< lengths[r] { order.append(batch.offsets[s] + r) } }
        for (j, i) in order.enumerated() {
            let (r, s) = (j < 5 ? 0 : j < 8 ? 1 : j < 11 ? 2 : 3, [0, 1, 2, 3, 4, 0, 1, 2, 0, 1, 2, 0][j])
            for k in 0 ..< e { x[i * e + k] = Float(sin(0.3 * Double(r * t * e + s * e + k) + 0.5)) }
        }
        let start = StackState(stack: stack, rows: b)
        for slot in 0 ..< slots {
            let v = start.view(slot, rows: b)
            for r in 0 ..< b {
                for k in 0 ..< h {
                    v.h[r, k] = Float(0.2 * sin(Double(k + 1) + 0.7 * Double(r) + 0.5 * Double(slot)))
                    v.c?[r, k] = Float(0.3 * cos(Double(k) + 0.4 * Double(r) + 0.9 * Double(slot)))
                }
            }
        }
        let ws = stack.makeWorkspace(maxRows: b, maxTokens: n)
        let out = stack.forward(params.base, input: x.matrix(rows: n, cols: e), batch: batch, workspace: ws, dropoutKey: nil, carried: start)
        assertClose(order.flatMap { i in (0 ..< f).map { out[i, $0] } }, golden.outputs.map(Float.init), abs: 2e-6, rel: 1e-5, "\(key) outputs")
        let final = StackState(stack: stack, rows: b)
        stack.finalState(batch: batch, workspace: ws, into: final)
        assertClose(final.h.array.prefix(slots * b * h).map { $0 }, golden.hN.map(Float.init), abs: 2e-6, rel: 1e-5, "\(key) h_n")
        if let cN = golden.cN { assertClose(Array(final.c!.array.prefix(slots * b * h)), cN.map(Float.init), abs: 2e-6, rel: 1e-5, "\(key) c_n") }

        let top = ws.topGradient(tokens: n, width: f)
        for (j, i) in order.enumerated() {
            let (r, s) = (j < 5 ? 0 : j < 8 ? 1 : j < 11 ? 2 : 3, [0, 1, 2, 3, 4, 0, 1, 2, 0, 1, 2, 0][j])
            for k in 0 ..< f { top[i, k] = Float(cos(0.2 * Double(r * t * f + s * f + k))) }
        }
        let dStart = StackState(stack: stack, rows: b)
        stack.backward(params.base, grads.base, input: x.matrix(rows: n, cols: e), batch: batch, workspace: ws,
                       dInput: dx.matrix(rows: n, cols: e), startGradient: .into(dStart))
        for tensor in layout.specs where tensor.name != "h0" && tensor.name != "c0" {
            let ours = Array(grads.array[tensor.offset ..< tensor.offset + tensor.count])
            assertClose(ours, (golden.grads[tensor.name] ?? []).map(Float.init), abs: 2e-6, rel: 1e-4, "\(key) d\(tensor.name)")
        }
        XCTAssertEqual(Set(golden.grads.keys), Set(layout.specs.map(\.name).filter { $0 != "h0" && $0 != "c0" }), key)
        assertClose(Array(dStart.h.array.prefix(slots * b * h)), golden.dH0.map(Float.init), abs: 2e-6, rel: 1e-4, "\(key) dh0")
        if let dC0 = golden.dC0 { assertClose(Array(dStart.c!.array.prefix(slots * b * h)), dC0.map(Float.init), abs: 2e-6, rel: 1e-4, "\(key) dc0") }
        assertClose(order.flatMap { i in (0 ..< e).map { dx[i * e + $0] } }, golden.dX.map(Float.init), abs: 2e-6, rel: 1e-4, "\(key) dx")
    }
}
