import XCTest
import Corpus
import Model
import TensorCore

/// Finite-difference checks: every parameter gradient of both full networks
/// (with dropout on: masks depend only on (seed, step, row), so the perturbed
/// runs see the same mask) and of the GRU layer alone, including the gradient
/// for its inputs, on a batch with mixed lengths.
final class GradientCheckTests: XCTestCase {
    /// Central differences of `loss` w.r.t. every element of every tensor,
    /// compared with `analytic` by relative error per tensor.
    func check(_ net: SequenceNetwork, analytic: [Float], what: String = "", tolerance: Float = 5e-3, loss: () -> Double,
               file: StaticString = #filePath, line: UInt = #line) {
        let eps: Float = 2e-3
        let p = net.params.base
        for spec in net.layout.specs {
            var num = [Float](), ana = [Float]()
            for i in spec.offset ..< spec.offset + spec.count {
                let saved = p[i]
                p[i] = saved + eps
                let plus = loss()
                p[i] = saved - eps
                let minus = loss()
                p[i] = saved
                num.append(Float((plus - minus) / Double(2 * eps)))
                ana.append(analytic[i])
            }
            let diff = zip(num, ana).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
            let scale = zip(num, ana).map { ($0 + $1) * ($0 + $1) }.reduce(0, +).squareRoot()
            XCTAssertGreaterThan(scale, 1e-6, "\(what) \(spec.name): no gradient reached it", file: file, line: line)
            XCTAssertLessThan(diff / max(scale, 1e-12), tolerance, "\(what) \(spec.name): relative error", file: file, line: line)
            assertClose(ana, num, abs: 2e-3, rel: 3e-2, "\(what) \(spec.name)", file: file, line: line)
        }
    }

    /// Every architecture (cells, layers, directions, poolings, per-step),
    /// with dropout on the head's input and between layers.
    func testFullNetworkGradientsOfEveryArchitecture() {
        let corpus = tinyCorpus()
        let rows = [0, 1, 2, 3, 4]
        let specs = tinySpecs(keep: 0.7, layerKeep: 0.8)
        XCTAssertGreaterThanOrEqual(specs.count, 16)
        for spec in specs {
            let net = tinyNetwork(spec)
            let g = lossAndGrads(net, corpus, rows: rows).grads
            // Max pooling is piecewise linear: a perturbation can move a
            // maximum to another step, so its central differences are rougher.
            check(net, analytic: g, what: describe(spec), tolerance: spec.pooling == .max ? 1e-2 : 5e-3) { lossAndGrads(net, corpus, rows: rows).loss }
        }
    }

    /// The GRU layer alone: loss = Σ c ∘ outputs for fixed coefficients c,
    /// checking the parameter gradients and the input gradient.
    func testGRULayerGradientsIncludingInputs() {
        let corpus = tinyCorpus()
        var layout = ParameterLayout()
        let gru = GRU(inputSize: 3, hiddenSize: 7, layout: &layout)
        let params = FloatBuffer(count: layout.totalCount)
        var rng = RNG(seed: 5)
        gru.initialize(params.base, rng: &rng)
        let h0 = FloatBuffer((0 ..< 5 * 7).map { Float($0 % 7) * 0.05 - 0.1 + Float($0 / 7) * 0.01 })
        let start = RecurrentState(h: h0.matrix(rows: 5, cols: 7))   // a different start per row
        let batch = PackedBatch()
        batch.fill(corpus: corpus, rows: [0, 1, 2, 3, 4])
        let n = batch.tokenCount
        let x = FloatBuffer(count: n * 3), coef = FloatBuffer(count: n * 7)
        for i in 0 ..< n * 3 { x[i] = rng.uniform(-1, 1) }
        for i in 0 ..< n * 7 { coef[i] = rng.uniform(-1, 1) }
        let ws = gru.makeWorkspace(maxRows: 5, maxTokens: n)
        let out = FloatBuffer(count: n * 7)
        func loss() -> Double {
            gru.forward(params.base, input: x.matrix(rows: n, cols: 3), batch: batch, start: start, workspace: ws, output: out.matrix(rows: n, cols: 7))
            return (0 ..< n * 7).reduce(0.0) { $0 + Double(coef[$1] * out[$1]) }
        }
        _ = loss()
        let grads = FloatBuffer(count: layout.totalCount)
        let dOut = FloatBuffer(coef.array), dx = FloatBuffer(count: n * 3)
        let dStart = gru.backward(params.base, grads.base, input: x.matrix(rows: n, cols: 3), batch: batch, workspace: ws,
                     dOutput: dOut.matrix(rows: n, cols: 7), dInput: dx.matrix(rows: n, cols: 3))
        withExtendedLifetime(dOut) {}
        let eps: Float = 2e-3
        func numeric(_ p: UnsafeMutablePointer<Float>, _ i: Int) -> Float {
            let s = p[i]
            p[i] = s + eps; let a = loss()
            p[i] = s - eps; let b = loss()
            p[i] = s
            return Float((a - b) / Double(2 * eps))
        }
        for spec in layout.specs {
            let num = (spec.offset ..< spec.offset + spec.count).map { numeric(params.base, $0) }
            let ana = Array(grads.array[spec.offset ..< spec.offset + spec.count])
            assertClose(ana, num, abs: 2e-3, rel: 2e-2, spec.name)
        }
        let numX = (0 ..< n * 3).map { numeric(x.base, $0) }
        assertClose(dx.array, numX, abs: 2e-3, rel: 2e-2, "dX")
        let numH0 = (0 ..< 5 * 7).map { numeric(h0.base, $0) }
        assertClose((0 ..< 5).flatMap { r in (0 ..< 7).map { dStart.h[r, $0] } }, numH0, abs: 2e-3, rel: 2e-2, "dh0")
    }
}
