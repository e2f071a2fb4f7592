import XCTest
import Corpus
import Model
import TensorCore

/// Variable lengths are honoured exactly: padding never leaks into outputs,
/// losses or gradients, and a batch equals its sequences run one at a time.
final class PaddingTests: XCTestCase {
    func testPaddingIdsChangeNothing() {
        for task in Task.allCases {
            let net = tinyNetwork(task, keep: 0.6)
            let a = lossAndGrads(net, tinyCorpus(padding: 0), rows: [0, 1, 2, 3, 4])
            let b = lossAndGrads(net, tinyCorpus(padding: 11), rows: [0, 1, 2, 3, 4])
            XCTAssertEqual(a.loss, b.loss, "\(task)")
            XCTAssertEqual(a.grads, b.grads, "\(task)")
        }
    }

    /// Batch results against each row alone (no dropout): final states,
    /// loss and summed gradients.
    func testBatchEqualsRowsOneAtATime() {
        for task in Task.allCases {
            let corpus = tinyCorpus()
            let net = tinyNetwork(task)
            let all = lossAndGrads(net, corpus, rows: [0, 1, 2, 3, 4])
            let batch = all.worker.batch
            var lossSum = 0.0
            var gradSum = [Float](repeating: 0, count: net.layout.totalCount)
            for row in 0 ..< 5 {
                let one = lossAndGrads(net, corpus, rows: [row])
                lossSum += one.loss
                for i in gradSum.indices { gradSum[i] += one.grads[i] }
                // The batch row holding corpus row `row`, and its final state.
                let b = batch.rows.firstIndex(of: row)!
                let inBatch = finalState(all.worker, batchRow: b)
                let alone = finalState(one.worker, batchRow: 0)
                assertClose(inBatch, alone, abs: 1e-6, rel: 1e-5, "\(task) final state of row \(row)")
            }
            XCTAssertEqual(all.loss, lossSum, accuracy: 1e-5 * abs(lossSum), "\(task) loss")
            assertClose(all.grads, gradSum, abs: 1e-5, rel: 1e-4, "\(task) gradients")
        }
    }

    func finalState(_ w: NetworkWorker, batchRow b: Int) -> [Float] {
        let h = w.network.config.hiddenSize
        let idx = w.batch.lastIndex[b]
        return w.hiddenStates(tokenIndex: idx, count: h)
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
