import XCTest
import Corpus
import TensorCore

/// Splits, batch plans and padding statistics.
final class BatchingTests: XCTestCase {
    /// 1003 rows with lengths cycling 1...30.
    func corpus() -> Corpus {
        var c = Corpus()
        for i in 0 ..< 1003 { c.append(ids: Array(repeating: Int32(i % 7), count: 1 + (i * 7919) % 30), label: UInt8(i % 6)) }
        return c
    }

    func testSplitSizesDisjointAndSeeded() {
        let (train, test) = shuffledSplit(count: 1003, testFraction: 0.2, seed: 3)
        XCTAssertEqual(test.count, 201)
        XCTAssertEqual(train.count, 802)
        XCTAssertEqual(Set(train + test).count, 1003)
        XCTAssertEqual(shuffledSplit(count: 1003, testFraction: 0.2, seed: 3).test, test)
        XCTAssertNotEqual(shuffledSplit(count: 1003, testFraction: 0.2, seed: 4).test, test)
    }

    func testEveryRowExactlyOncePerEpoch() {
        let c = corpus()
        let rows = Array(stride(from: 0, to: 1003, by: 1))
        for mode in [BatchingMode.padded, .bucketed(buckets: 5), .bucketed(buckets: 7)] {
            let planner = BatchPlanner(corpus: c, rows: rows, batchSize: 64, mode: mode)
            var rng = RNG(seed: 1)
            for _ in 0 ..< 3 {
                let batches = planner.epoch(rng: &rng)
                XCTAssertEqual(batches.flatMap { $0 }.sorted(), rows, "\(mode)")
                XCTAssertTrue(batches.allSatisfy { !$0.isEmpty && $0.count <= 64 })
                XCTAssertEqual(batches.count, planner.batchesPerEpoch)
            }
        }
    }

    func testBucketedBatchesHaveNarrowLengthsAndAreSeeded() {
        let c = corpus()
        let planner = BatchPlanner(corpus: c, rows: Array(0 ..< 1003), batchSize: 50, mode: .bucketed(buckets: 5))
        var a = RNG(seed: 2), b = RNG(seed: 2), d = RNG(seed: 3)
        let batches = planner.epoch(rng: &a)
        XCTAssertEqual(batches, planner.epoch(rng: &b))
        XCTAssertNotEqual(batches, planner.epoch(rng: &d))
        for batch in batches {
            let lengths = batch.map(c.length)
            XCTAssertLessThanOrEqual(lengths.max()! - lengths.min()!, 6, "a batch spans more than one bucket")
        }
    }

    func testPaddingStatsExactOnATinyCorpus() {
        // Lengths 1, 2, 3, 4; one batch of all four: padding 3 + 2 + 1 + 0 = 6.
        var c = Corpus()
        for l in 1 ... 4 { c.append(ids: Array(repeating: 1, count: l), label: 0) }
        let s = PaddingStats.measure(corpus: c, rows: [0, 1, 2, 3], batchSize: 4, mode: .padded, batches: 3, seed: 1)
        XCTAssertEqual(s.avgPaddingPerBatch, 6)
        XCTAssertEqual(s.avgRealTokensPerBatch, 10)
        XCTAssertEqual(s.paddingShare, 6.0 / 16.0, accuracy: 1e-12)
        XCTAssertEqual(c.paddedSize(of: [0, 3]).padded - c.paddedSize(of: [0, 3]).tokens, 3)
    }

    func testBucketingCutsPadding() {
        let c = corpus()
        let rows = Array(0 ..< 1003)
        let padded = PaddingStats.measure(corpus: c, rows: rows, batchSize: 64, mode: .padded, batches: 40, seed: 1)
        let bucketed = PaddingStats.measure(corpus: c, rows: rows, batchSize: 64, mode: .bucketed(buckets: 5), batches: 40, seed: 1)
        XCTAssertEqual(padded.batches, 40)
        XCTAssertLessThan(bucketed.avgPaddingPerBatch * 4, padded.avgPaddingPerBatch)
    }
}
