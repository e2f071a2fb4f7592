import XCTest
import Corpus
import Model
import TensorCore

/// The LSTM and Elman RNN cells (tanh and relu) on the tiny mixed-length
/// batch: finite differences of every parameter, the inputs and the start
/// states; padding changes nothing (the batch equals its rows run one at a
/// time); a broadcast start state equals the same vector repeated per row.
final class CellGradientTests: XCTestCase {
    let e = 3, h = 7        // H = 7: the kernels' staged narrow block

    /// Random parameters, inputs, start states and loss coefficients.
    func randomRun(_ kind: TestCell, seed: UInt64) -> CellRun {
        let run = kind.run(tinyCorpus(), rows: [0, 1, 2, 3, 4], inputSize: e, hiddenSize: h)
        var rng = RNG(seed: seed)
        run.cell.initialize(run.params.base, rng: &rng)
        for buffer in [run.x, run.coef, run.h0, run.dHN, run.c0, run.dCN].compactMap({ $0 }) {
            for i in 0 ..< buffer.count { buffer[i] = rng.uniform(-1, 1) }
        }
        return run
    }

    func testFiniteDifferences() {
        for kind in TestCell.allCases {
            let run = randomRun(kind, seed: 5)
            let g = run.gradients()
            let eps: Float = 1e-3
            func numeric(_ buffer: FloatBuffer, _ range: Range<Int>) -> [Float] {
                range.map { i in
                    let s = buffer[i]
                    buffer[i] = s + eps; let a = run.loss()
                    buffer[i] = s - eps; let b = run.loss()
                    buffer[i] = s
                    return Float((a - b) / Double(2 * eps))
                }
            }
            for spec in run.layout.specs {
                let range = spec.offset ..< spec.offset + spec.count
                assertClose(Array(g.grads[range]), numeric(run.params, range), abs: 2e-3, rel: 2e-2, "\(kind) \(spec.name)")
                XCTAssertGreaterThan(g.grads[range].map(abs).max()!, 1e-3, "\(kind) \(spec.name) got a gradient")
            }
            assertClose(g.dX, numeric(run.x, 0 ..< run.x.count), abs: 2e-3, rel: 2e-2, "\(kind) dX")
            assertClose(g.dH0, numeric(run.h0, 0 ..< run.h0.count), abs: 2e-3, rel: 2e-2, "\(kind) dh0")
            if let c0 = run.c0 {
                assertClose(g.dC0!, numeric(c0, 0 ..< c0.count), abs: 2e-3, rel: 2e-2, "\(kind) dc0")
            }
        }
    }

    /// Each corpus row alone gives the same outputs, final states, start-state
    /// and input gradients as inside the batch, and the per-row parameter
    /// gradients sum to the batch's.
    func testBatchEqualsRowsOneAtATime() {
        for kind in TestCell.allCases {
            let all = randomRun(kind, seed: 8)
            let allFinal = all.forward(), allOut = all.output.array
            let allGrads = all.gradients()
            var gradSum = [Float](repeating: 0, count: all.layout.totalCount)
            for (b, row) in all.batch.rows.enumerated() {
                let one = kind.run(tinyCorpus(), rows: [row], inputSize: e, hiddenSize: h)
                copyRow(b, of: all, into: one)
                let final = one.forward()
                let g = one.gradients()
                for i in gradSum.indices { gradSum[i] += g.grads[i] }
                let rowsH = b * h ..< (b + 1) * h
                for s in 0 ..< all.batch.lengths[b] {
                    let i = all.batch.offsets[s] + b
                    assertClose(Array(one.output.array[s * h ..< (s + 1) * h]), Array(allOut[i * h ..< (i + 1) * h]), abs: 1e-6, rel: 1e-5, "\(kind) row \(row) output \(s)")
                    assertClose(Array(g.dX[s * e ..< (s + 1) * e]), Array(allGrads.dX[i * e ..< (i + 1) * e]), abs: 1e-6, rel: 1e-5, "\(kind) row \(row) dX \(s)")
                }
                assertClose(final.h, Array(allFinal.h[rowsH]), abs: 1e-6, rel: 1e-5, "\(kind) row \(row) h_n")
                assertClose(final.c ?? [], allFinal.c.map { Array($0[rowsH]) } ?? [], abs: 1e-6, rel: 1e-5, "\(kind) row \(row) c_n")
                assertClose(g.dH0, Array(allGrads.dH0[rowsH]), abs: 1e-6, rel: 1e-5, "\(kind) row \(row) dh0")
                if let dC0 = g.dC0 { assertClose(dC0, Array(allGrads.dC0![rowsH]), abs: 1e-6, rel: 1e-5, "\(kind) row \(row) dc0") }
            }
            assertClose(allGrads.grads, gradSum, abs: 1e-5, rel: 1e-4, "\(kind) parameter gradients")
        }
    }

    /// Copies batch row `b` of `all` (parameters, its tokens' inputs and
    /// coefficients, its start states and final-state coefficients) into the
    /// one-row run `one`.
    func copyRow(_ b: Int, of all: CellRun, into one: CellRun) {
        one.params.base.update(from: all.params.base, count: all.params.count)
        for s in 0 ..< all.batch.lengths[b] {
            let i = all.batch.offsets[s] + b
            (one.x.base + s * e).update(from: all.x.base + i * e, count: e)
            (one.coef.base + s * h).update(from: all.coef.base + i * h, count: h)
        }
        let pairs = [(all.h0, one.h0), (all.dHN, one.dHN)] + (all.c0 == nil ? [] : [(all.c0!, one.c0!), (all.dCN!, one.dCN!)])
        for (src, dst) in pairs { dst.base.update(from: src.base + b * h, count: h) }
    }

    /// A start view with `ld == 0` (the learned initial state) runs as the
    /// same vector written into every row.
    func testBroadcastStartState() {
        for kind in TestCell.allCases {
            let run = randomRun(kind, seed: 3)
            for r in 1 ..< run.b {
                (run.h0.base + r * h).update(from: run.h0.base, count: h)
                run.c0.map { c in (c.base + r * h).update(from: c.base, count: h) }
            }
            run.forward()
            let repeated = run.output.array
            let broadcast = RecurrentState(h: Matrix(run.h0.base, rows: run.b, cols: h, ld: 0),
                                           c: run.c0.map { Matrix($0.base, rows: run.b, cols: h, ld: 0) })
            run.cell.forward(run.params.base, input: run.x.matrix(rows: run.n, cols: e), batch: run.batch, start: broadcast,
                             workspace: run.workspace, output: run.output.matrix(rows: run.n, cols: h))
            XCTAssertEqual(run.output.array, repeated, "\(kind)")
        }
    }
}
