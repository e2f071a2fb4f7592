import XCTest
import Corpus
import Model
import TensorCore

/// Variable lengths are honoured exactly: padding never leaks into outputs,
/// losses or gradients, and a batch equals its sequences run one at a time.
final class PaddingTests: XCTestCase {
    /// Rows of different lengths share a batch (the short ones are padding
    /// for the rest of it): for every architecture, with dropout on, the
    /// batch gives each row alone's loss, gradients and final states
    /// (reverse directions included, which would start in the padding if
    /// they did not start at each row's own last token).
    func testBatchEqualsRowsOneAtATimeForEveryArchitecture() {
        let corpus = tinyCorpus()
        for spec in tinySpecs(keep: 0.6, layerKeep: 0.7) {
            let net = tinyNetwork(spec)
            let all = lossAndGrads(net, corpus, rows: [0, 1, 2, 3, 4])
            let finals = finalStates(all.worker)
            var lossSum = 0.0
            var gradSum = [Float](repeating: 0, count: net.layout.totalCount)
            for row in 0 ..< 5 {
                let one = lossAndGrads(net, corpus, rows: [row])
                lossSum += one.loss
                for i in gradSum.indices { gradSum[i] += one.grads[i] }
                let b = all.worker.batch.rows.firstIndex(of: row)!
                let alone = finalStates(one.worker)
                for k in finals.indices {
                    assertClose(finals[k][b], alone[k][0], abs: 1e-6, rel: 1e-5, "\(describe(spec)) final state \(k) of row \(row)")
                }
            }
            XCTAssertEqual(all.loss, lossSum, accuracy: 1e-5 * abs(lossSum), describe(spec))
            assertClose(all.grads, gradSum, abs: 1e-5, rel: 1e-4, "\(describe(spec)) gradients")
        }
    }

    /// h_n (and c_n) of every layer and direction, per batch row: [cell*state][row][H].
    func finalStates(_ w: NetworkWorker) -> [[[Float]]] {
        let stack = w.network.stack, b = w.batch.batchSize, h = stack.hiddenSize
        let state = StackState(stack: stack, rows: b)
        stack.finalState(batch: w.batch, workspace: w.stackWorkspace, into: state)
        var out: [[[Float]]] = []
        for k in 0 ..< stack.spec.layers * stack.spec.directions {
            let v = state.view(k, rows: b)
            for m in [v.h] + (v.c.map { [$0] } ?? []) { out.append((0 ..< b).map { r in (0 ..< h).map { m[r, $0] } }) }
        }
        return out
    }

    func testPackedLayout() {
        let batch = PackedBatch()
        batch.fill(corpus: tinyCorpus(), rows: [0, 1, 2, 3, 4])
        XCTAssertEqual(batch.rows, [2, 0, 4, 1, 3])       // longest first, stable
        XCTAssertEqual(batch.lengths, [5, 4, 3, 2, 1])
        XCTAssertEqual(batch.active, [5, 4, 3, 2, 1])
        XCTAssertEqual(batch.offsets, [0, 5, 9, 12, 14, 15])
        XCTAssertEqual(batch.lastIndex, [14, 13, 11, 8, 4])  // offsets[len - 1] + row
        // Step 0 holds every row's first token, in sorted row order.
        XCTAssertEqual(Array(batch.tokenIDs[0 ..< 5]), [5, 3, 10, 11, 6])
        XCTAssertEqual(batch.tokenCount, 15)
    }
}

/// The single-step call: a window run one step at a time from a carried
/// state equals the window run at once (outputs and final states), for
/// every cell and two layers.
final class StepTests: XCTestCase {
    func testStepByStepEqualsTheWholeWindow() {
        for spec in tinySpecs().filter({ !$0.bidirectional && $0.pooling == .perStep }) {
            let net = tinyNetwork(spec)
            let stack = net.stack, p = UnsafePointer(net.params.base)
            let b = 3, t = 4, e = spec.embedDim
            var rng = RNG(seed: 5)
            let x = FloatBuffer((0 ..< t * b * e).map { _ in rng.uniform(-1, 1) })   // [T*B x E], time-major
            let ids = [Int32](repeating: 1, count: t * b)
            let whole = PackedBatch(), one = PackedBatch()
            ids.withUnsafeBufferPointer { whole.fillUniform(rows: b, ids: $0) }
            ids.withUnsafeBufferPointer { one.fillUniform(rows: b, ids: UnsafeBufferPointer(rebasing: $0[0 ..< b])) }
            let ws = stack.makeWorkspace(maxRows: b, maxTokens: t * b), ws1 = stack.makeWorkspace(maxRows: b, maxTokens: b)
            let start = StackState(stack: stack, rows: b), stepped = StackState(stack: stack, rows: b)
            for i in 0 ..< start.h.count { start.h[i] = rng.uniform(-0.5, 0.5); stepped.h[i] = start.h[i] }
            if let c = start.c, let c1 = stepped.c { for i in 0 ..< c.count { c[i] = rng.uniform(-0.5, 0.5); c1[i] = c[i] } }
            let all = stack.step(p, input: x.matrix(rows: t * b, cols: e), batch: whole, workspace: ws, state: start)
            for s in 0 ..< t {
                let out = stack.step(p, input: x.matrix(offset: s * b * e, rows: b, cols: e), batch: one, workspace: ws1, state: stepped)
                for r in 0 ..< b {
                    let a = (0 ..< spec.hiddenSize).map { all[s * b + r, $0] }, o = (0 ..< spec.hiddenSize).map { out[r, $0] }
                    assertClose(o, a, abs: 1e-6, rel: 1e-5, "\(describe(spec)) step \(s) row \(r)")
                }
            }
            assertClose(stepped.h.array, start.h.array, abs: 1e-6, rel: 1e-5, "\(describe(spec)) final h")
            if let c = start.c { assertClose(stepped.c!.array, c.array, abs: 1e-6, rel: 1e-5, "\(describe(spec)) final c") }
        }
    }
}
