import XCTest
import Corpus
import Model
import TensorCore

/// Finite-difference checks: every parameter gradient of both full networks
/// (with dropout on: masks depend only on (seed, step, row), so the perturbed
/// runs see the same mask) and of the GRU layer alone, including the gradient
/// for its inputs, on a batch with mixed lengths.
final class GradientCheckTests: XCTestCase {
    /// Finite differences of `loss` along random directions of each tensor
    /// (4 per tensor, ±1 per element), compared with the analytic gradient's
    /// projection on the same direction. Projections average out float32
    /// rounding, so deep and layer-normalized networks check as tightly as
    /// one layer; a wrong gradient anywhere in a tensor shows. Every kernel
    /// family computes the same bits on every CPU, so this check's figures
    /// are the same on every machine.
    func check(_ net: SequenceNetwork, analytic: [Float], what: String = "", relative: Double = 1e-2, loss: () -> Double,
               file: StaticString = #filePath, line: UInt = #line) {
        let eps: Float = 1e-3
        let p = net.params.base
        var rng = RNG(seed: 11)
        for spec in net.layout.specs {
            XCTAssertGreaterThan(analytic[spec.offset ..< spec.offset + spec.count].map { abs($0) }.max() ?? 0, 1e-6,
                                 "\(what) \(spec.name): no gradient reached it", file: file, line: line)
            for _ in 0 ..< 4 {
                let saved = Array(UnsafeBufferPointer(start: p + spec.offset, count: spec.count))
                let v = (0 ..< spec.count).map { _ in Float(rng.below(2) * 2 - 1) }
                func perturbed(_ t: Float) -> Double {
                    for i in 0 ..< spec.count { p[spec.offset + i] = saved[i] + t * v[i] }
                    return loss()
                }
                // Richardson extrapolation of two central differences cancels
                // their eps^2 error: layer norm over a few units is curved.
                let wide = (perturbed(eps) - perturbed(-eps)) / Double(2 * eps)
                let narrow = (perturbed(eps / 2) - perturbed(-eps / 2)) / Double(eps)
                let numeric = (4 * narrow - wide) / 3
                for i in 0 ..< spec.count { p[spec.offset + i] = saved[i] }
                let projected = (0 ..< spec.count).reduce(0.0) { $0 + Double(analytic[spec.offset + $1] * v[$1]) }
                // The estimate's own uncertainty: float32 rounding of the
                // perturbed losses shows as disagreement between the two
                // step sizes (a wrong gradient does not: both differences
                // agree with each other and not with it).
                let uncertainty = 2 * abs(wide - narrow)
                XCTAssertEqual(numeric, projected, accuracy: 2e-3 + relative * abs(projected) + uncertainty,
                               "\(what) \(spec.name): directional derivative (wide \(wide), narrow \(narrow))",
                               file: file, line: line)
            }
        }
    }

    /// Every architecture (cells, layer norm, layers, directions, poolings,
    /// per-step), with dropout on the head's input and between layers.
    func testFullNetworkGradientsOfEveryArchitecture() {
        let corpus = tinyCorpus()
        let rows = [0, 1, 2, 3, 4]
        let specs = tinySpecs(keep: 0.7, layerKeep: 0.8)
        XCTAssertEqual(specs.count, 5 * 2 * 2 * 4)   // gru, lstm, rnn, layer-norm gru and lstm; layers; directions; heads
        // Max pooling moves its maximum under the steep layer-norm networks'
        // perturbations (a kink, not an error); it is checked on the other cells.
        for spec in specs where !(spec.layerNorm && spec.pooling == .max) {
            let net = tinyNetwork(spec)
            let g = lossAndGrads(net, corpus, rows: rows).grads
            // Layer norm over 5 units of small variance amplifies float32
            // rounding in the differences (the check's uncertainty term);
            // its exact gradients are checked against the PyTorch reference
            // in GoldenLayerNormTests.
            check(net, analytic: g, what: describe(spec)) {
                lossAndGrads(net, corpus, rows: rows).loss
            }
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
