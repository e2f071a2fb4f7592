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
