import XCTest
import Corpus
import Model
import TensorCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Golden values of one case, written by scripts/layernorm_reference.py.
struct LayerNormGolden {
    var outputs: [Double], hN: [Double], cN: [Double], loss: Double
    var grads: [String: [Double]], checksums: [String: Double]
    var dh0: [Double], dc0: [Double], dx: [Double]
}

/// One layer-norm cell on one packed batch, driven through the
/// `RecurrentCell` protocol as a stack would: start states as `[B x H]`
/// views, dL/dh_n added to dOutput at each row's last index.
struct LayerNormHarness {
    let cell: any RecurrentCell
    let layout: ParameterLayout
    let params: FloatBuffer
    let e: Int, h: Int

    init(lstm: Bool, inputSize e: Int, hiddenSize h: Int) {
        var layout = ParameterLayout()
        let names = CellNames(module: lstm ? "lstm" : "gru")
        cell = lstm ? LayerNormLSTM(inputSize: e, hiddenSize: h, layout: &layout, names: names)
                    : LayerNormGRU(inputSize: e, hiddenSize: h, layout: &layout, names: names)
        self.layout = layout
        params = FloatBuffer(count: layout.totalCount)
        self.e = e
        self.h = h
    }

    var isLSTM: Bool { cell.stateCount == 2 }

    /// A batch over a corpus whose row r has length `lengths[r]` (any order).
    static func batch(_ lengths: [Int]) -> PackedBatch {
        let t = lengths.max()!
        let corpus = Corpus(paddedRows: lengths.map { Array(repeating: 1, count: $0) + Array(repeating: 0, count: t - $0) },
                            lengths: lengths, labels: lengths.map { _ in 0 }, numClasses: 1, vocabularySize: 2)
        let batch = PackedBatch()
        batch.fill(corpus: corpus, rows: Array(lengths.indices))
        return batch
    }

    struct Result {
        var out: [Float], hN: [Float], cN: [Float], loss: Double
        var grads: [Float], dx: [Float], dh0: [Float], dc0: [Float]
    }

    /// Forward, loss Σ coef ∘ out + Σ d ∘ h_n, and (when `backward`) every gradient.
    /// `x`, `coef`: packed `[N x E]`, `[N x H]`; `h0`, `c0`, `d`: `[B x H]` in batch row order.
    func run(_ batch: PackedBatch, x: [Float], coef: [Float], h0: Matrix, c0: Matrix?, d: [Float],
             backward: Bool = true) -> Result {
        let n = batch.tokenCount, b = batch.batchSize
        let xb = FloatBuffer(x), out = FloatBuffer(count: n * h)
        let ws = cell.makeWorkspace(maxRows: b, maxTokens: n)
        let xm = xb.matrix(rows: n, cols: e)
        cell.forward(params.base, input: xm, batch: batch, start: RecurrentState(h: h0, c: c0),
                     workspace: ws, output: out.matrix(rows: n, cols: h))
        let hN = FloatBuffer(count: b * h), cN = FloatBuffer(count: b * h)
        cell.finalState(batch: batch, workspace: ws, output: out.matrix(rows: n, cols: h),
                        into: RecurrentState(h: hN.matrix(rows: b, cols: h), c: isLSTM ? cN.matrix(rows: b, cols: h) : nil))
        var loss = 0.0
        for i in 0 ..< n * h { loss += Double(coef[i] * out[i]) }
        for i in 0 ..< b * h { loss += Double(d[i] * hN[i]) }
        var r = Result(out: out.array, hN: hN.array, cN: isLSTM ? cN.array : [], loss: loss, grads: [], dx: [], dh0: [], dc0: [])
        guard backward else { return r }
        let dOut = FloatBuffer(coef), grads = FloatBuffer(count: layout.totalCount), dx = FloatBuffer(count: n * e)
        for row in 0 ..< b {
            Kernels.add(Array(d[row * h ..< (row + 1) * h]), into: dOut.base + batch.lastIndex[row] * h, count: h)
        }
        let ds = cell.backward(params.base, grads.base, input: xm, batch: batch, workspace: ws,
                               dOutput: dOut.matrix(rows: n, cols: h), dInput: dx.matrix(rows: n, cols: e))
        r.grads = grads.array
        r.dx = dx.array
        r.dh0 = (0 ..< b).flatMap { row in (0 ..< h).map { ds.h[row, $0] } }
        if let dc = ds.c { r.dc0 = (0 ..< b).flatMap { row in (0 ..< h).map { dc[row, $0] } } }
        withExtendedLifetime((xb, out, dOut, ws)) {}
        return r
    }

    func tensor(_ grads: [Float], _ spec: TensorSpec) -> [Float] { Array(grads[spec.offset ..< spec.offset + spec.count]) }
}

/// A `[rows x cols]` matrix (kept alive by the returned buffer).
func lnMatrix(_ values: [Float], rows: Int, cols: Int) -> (FloatBuffer, Matrix) {
    let buf = FloatBuffer(values)
    return (buf, buf.matrix(rows: rows, cols: cols))
}

/// Finite differences, rows alone versus batched, the broadcast start state,
/// and the tensor names, shapes and initial values of both layer-norm cells.
final class LayerNormCellTests: XCTestCase {
    /// A cell with PyTorch's initialisation, then every value moved by up to
    /// ±0.3 so gains, shifts and biases are away from 1 and 0.
    func randomCell(lstm: Bool, e: Int, h: Int, seed: UInt64) -> LayerNormHarness {
        let c = LayerNormHarness(lstm: lstm, inputSize: e, hiddenSize: h)
        var rng = RNG(seed: seed)
        c.cell.initialize(c.params.base, rng: &rng)
        for i in 0 ..< c.layout.totalCount { c.params[i] += rng.uniform(-0.3, 0.3) }
        return c
    }

    func random(_ count: Int, _ rng: inout RNG) -> [Float] { (0 ..< count).map { _ in rng.uniform(-1, 1) } }

    /// Central differences of the loss for every parameter, every input and
    /// both start states, on a batch of mixed lengths given out of order.
    func checkGradients(lstm: Bool) {
        let e = 3, h = 5
        let c = randomCell(lstm: lstm, e: e, h: h, seed: 11)
        let batch = LayerNormHarness.batch([3, 5, 1, 4, 4])
        let n = batch.tokenCount, b = batch.batchSize
        var rng = RNG(seed: 3)
        var x = random(n * e, &rng)
        let coef = random(n * h, &rng), d = random(b * h, &rng)
        let hb = FloatBuffer(random(b * h, &rng)), cb = FloatBuffer(random(b * h, &rng))
        let h0 = hb.matrix(rows: b, cols: h), c0 = lstm ? cb.matrix(rows: b, cols: h) : nil
        let r = c.run(batch, x: x, coef: coef, h0: h0, c0: c0, d: d)
        let eps: Float = 2e-3
        func numeric(_ value: (Float) -> Void, _ saved: Float) -> Float {
            value(saved + eps); let plus = c.run(batch, x: x, coef: coef, h0: h0, c0: c0, d: d, backward: false).loss
            value(saved - eps); let minus = c.run(batch, x: x, coef: coef, h0: h0, c0: c0, d: d, backward: false).loss
            value(saved)
            return Float((plus - minus) / Double(2 * eps))
        }
        for spec in c.layout.specs {
            let num = (spec.offset ..< spec.offset + spec.count).map { i in numeric({ c.params[i] = $0 }, c.params[i]) }
            let ana = c.tensor(r.grads, spec)
            XCTAssertGreaterThan(ana.map { $0 * $0 }.reduce(0, +), 1e-8, "\(spec.name): no gradient reached it")
            assertClose(ana, num, abs: 2e-3, rel: 2e-2, spec.name)
        }
        assertClose(r.dx, (0 ..< n * e).map { i in numeric({ x[i] = $0 }, x[i]) }, abs: 2e-3, rel: 2e-2, "dX")
        assertClose(r.dh0, (0 ..< b * h).map { i in numeric({ hb[i] = $0 }, hb[i]) }, abs: 2e-3, rel: 2e-2, "dh0")
        if lstm { assertClose(r.dc0, (0 ..< b * h).map { i in numeric({ cb[i] = $0 }, cb[i]) }, abs: 2e-3, rel: 2e-2, "dc0") }
    }

    func testLSTMGradientsByFiniteDifferences() { checkGradients(lstm: true) }
    func testGRUGradientsByFiniteDifferences() { checkGradients(lstm: false) }

    /// Each row run alone (a batch of one) gives the batched run's outputs,
    /// final states and input/start gradients bit for bit (every product
    /// computes an element by the same chain whatever the batch's rows, in
    /// every kernel family), and the per-row parameter gradients add up to
    /// the batched ones (summed in another order: close): other rows, and the
    /// steps past a row's end, change nothing.
    func checkRowsAlone(lstm: Bool) {
        let e = 4, h = 66, lengths = [3, 6, 1, 6, 2]
        let c = randomCell(lstm: lstm, e: e, h: h, seed: 21)
        var rng = RNG(seed: 8)
        // Per corpus row: inputs and coefficients per step, start states and d.
        let xs = lengths.map { random($0 * e, &rng) }, coefs = lengths.map { random($0 * h, &rng) }
        let h0s = lengths.map { _ in random(h, &rng) }, c0s = lengths.map { _ in random(h, &rng) }
        let ds = lengths.map { _ in random(h, &rng) }
        func runRows(_ rows: [Int]) -> (LayerNormHarness.Result, PackedBatch) {
            let batch = LayerNormHarness.batch(rows.map { lengths[$0] })
            let order = batch.rows.map { rows[$0] }       // corpus row of each batch row
            var x = [Float](repeating: 0, count: batch.tokenCount * e), coef = [Float](repeating: 0, count: batch.tokenCount * h)
            for (br, r) in order.enumerated() {
                for s in 0 ..< lengths[r] {
                    let i = batch.offsets[s] + br
                    x.replaceSubrange(i * e ..< (i + 1) * e, with: xs[r][s * e ..< (s + 1) * e])
                    coef.replaceSubrange(i * h ..< (i + 1) * h, with: coefs[r][s * h ..< (s + 1) * h])
                }
            }
            let (hb, h0) = lnMatrix(order.flatMap { h0s[$0] }, rows: order.count, cols: h)
            let (cb, c0) = lnMatrix(order.flatMap { c0s[$0] }, rows: order.count, cols: h)
            defer { withExtendedLifetime((hb, cb)) {} }
            return (c.run(batch, x: x, coef: coef, h0: h0, c0: lstm ? c0 : nil, d: order.flatMap { ds[$0] }), batch)
        }
        let (all, batch) = runRows(Array(lengths.indices))
        var gradSum = [Float](repeating: 0, count: c.layout.totalCount)
        for (br, r) in batch.rows.enumerated() {
            let (one, _) = runRows([r])
            for i in 0 ..< gradSum.count { gradSum[i] += one.grads[i] }
            let steps = (0 ..< lengths[r]).map { batch.offsets[$0] + br }
            let pick = { (v: [Float], w: Int) in steps.flatMap { i in v[i * w ..< (i + 1) * w] } }
            let row = { (v: [Float]) in Array(v[br * h ..< (br + 1) * h]) }
            XCTAssertEqual(pick(all.out, h), one.out, "outputs of row \(r)")
            XCTAssertEqual(row(all.hN), one.hN, "h_n of row \(r)")
            XCTAssertEqual(pick(all.dx, e), one.dx, "dX of row \(r)")
            XCTAssertEqual(row(all.dh0), one.dh0, "dh0 of row \(r)")
            if lstm {
                XCTAssertEqual(row(all.cN), one.cN, "c_n of row \(r)")
                XCTAssertEqual(row(all.dc0), one.dc0, "dc0 of row \(r)")
            }
        }
        for spec in c.layout.specs {
            assertClose(c.tensor(all.grads, spec), c.tensor(gradSum, spec), abs: 1e-5, rel: 1e-4, spec.name)
        }
    }

    func testLSTMRowsAloneEqualTheBatch() {
        for f in KernelFamily.supported where f != .blas { KernelFamily.using(f) { checkRowsAlone(lstm: true) } }
    }
    func testGRURowsAloneEqualTheBatch() {
        for f in KernelFamily.supported where f != .blas { KernelFamily.using(f) { checkRowsAlone(lstm: false) } }
    }

    /// A start state given as one broadcast vector (`ld == 0`) runs exactly
    /// as the same vector copied into every row.
    func testBroadcastStartEqualsCopies() {
        for lstm in [true, false] {
            let h = 7
            let c = randomCell(lstm: lstm, e: 2, h: h, seed: 4)
            let batch = LayerNormHarness.batch([2, 4, 3])
            var rng = RNG(seed: 6)
            let x = random(batch.tokenCount * 2, &rng), coef = random(batch.tokenCount * h, &rng), d = random(3 * h, &rng)
            let hv = FloatBuffer(random(h, &rng)), cv = FloatBuffer(random(h, &rng))
            let (hb, h0) = lnMatrix((0 ..< 3).flatMap { _ in hv.array }, rows: 3, cols: h)
            let (cb, c0) = lnMatrix((0 ..< 3).flatMap { _ in cv.array }, rows: 3, cols: h)
            let copies = c.run(batch, x: x, coef: coef, h0: h0, c0: lstm ? c0 : nil, d: d)
            let shared = c.run(batch, x: x, coef: coef, h0: Matrix(hv.base, rows: 3, cols: h, ld: 0),
                               c0: lstm ? Matrix(cv.base, rows: 3, cols: h, ld: 0) : nil, d: d)
            withExtendedLifetime((hb, cb)) {}
            XCTAssertEqual(copies.out, shared.out)
            XCTAssertEqual(copies.grads, shared.grads)
            XCTAssertEqual(copies.dh0, shared.dh0)
            XCTAssertEqual(copies.dc0, shared.dc0)
        }
    }

    /// Names through `CellNames` (layer 1, reverse), shapes, and the start
    /// values: weights within ±1/sqrt(H), gains 1, shifts and biases 0.
    func testTensorNamesShapesAndInitialValues() {
        for lstm in [true, false] {
            let (e, h, g) = (6, 9, (lstm ? 4 : 3) * 9)
            var layout = ParameterLayout()
            let names = CellNames(module: lstm ? "lstm" : "gru", layer: 1, reverse: true)
            let cell: any RecurrentCell = lstm ? LayerNormLSTM(inputSize: e, hiddenSize: h, layout: &layout, names: names)
                                               : LayerNormGRU(inputSize: e, hiddenSize: h, layout: &layout, names: names)
            var want: [(String, [Int])] = [("weight_ih", [g, e]), ("weight_hh", [g, h])]
            want += lstm ? [("bias", [g])] : [("bias_ih", [g]), ("bias_hh", [g])]
            want += [("ln_ih_weight", [g]), ("ln_ih_bias", [g]), ("ln_hh_weight", [g]), ("ln_hh_bias", [g])]
            if lstm { want += [("ln_c_weight", [h]), ("ln_c_bias", [h])] }
            XCTAssertEqual(layout.specs.map(\.name), want.map { names.name($0.0) })
            XCTAssertEqual(layout.specs.map(\.shape), want.map(\.1))
            XCTAssertEqual(cell.stateCount, lstm ? 2 : 1)
            let p = FloatBuffer(count: layout.totalCount)
            var rng = RNG(seed: 1)
            cell.initialize(p.base, rng: &rng)
            let limit = 1 / Float(h).squareRoot()
            for spec in layout.specs {
                let v = Array(p.array[spec.offset ..< spec.offset + spec.count])
                if spec.name.contains(".weight_") {
                    XCTAssertLessThanOrEqual(v.map(abs).max()!, limit, spec.name)
                    XCTAssertGreaterThan(v.map(abs).max()!, limit / 2, spec.name)
                } else {
                    XCTAssertEqual(Set(v), [spec.name.contains("_weight_") ? 1 : 0], spec.name)
                }
            }
        }
    }
}
