import XCTest
import Corpus

/// The leakage measure: held-out rows whose sequence the training rows hold,
/// and posts on both sides.
final class SplitOverlapTests: XCTestCase {
    /// Rows 0-5: ids [1 2 3], [4 5], [1 2 3] (a twin of row 0), [1 2], [2 1], [4 5 0];
    /// posts 10, 10, 11, 12, 12, 13.
    func corpus() -> Corpus {
        var c = Corpus()
        for ids: [Int32] in [[1, 2, 3], [4, 5], [1, 2, 3], [1, 2], [2, 1], [4, 5, 0]] { c.append(ids: ids, label: 0) }
        c.postKeys = [10, 10, 11, 12, 12, 13]
        return c
    }

    func testCountsTwinSequencesAndSharedPosts() {
        let c = corpus()
        let tables = SplitOverlap.trainingTables(c, hashes: c.sequenceHashes(), train: [0, 3])
        // Row 2 repeats row 0; rows 4 and 5 are the same ids in another order
        // or one longer. Posts: 10 (row 1) and 12 (row 4) are in training, 11 and 13 not.
        let o = SplitOverlap.measure(c, hashes: c.sequenceHashes(), train: tables.sequences, trainPosts: tables.posts, heldOut: [1, 2, 4, 5])
        XCTAssertEqual(o, SplitOverlap(rows: 4, sharedRows: 1, posts: 4, sharedPosts: 2))
        XCTAssertEqual(o.rowShare, 0.25)
        XCTAssertEqual(o.postShare, 0.5)
    }

    func testWithoutPostIDsOnlyRowsCount() {
        var c = corpus()
        c.postKeys = []
        let tables = SplitOverlap.trainingTables(c, hashes: c.sequenceHashes(), train: [2])
        XCTAssertNil(tables.posts)
        let o = SplitOverlap.measure(c, hashes: c.sequenceHashes(), train: tables.sequences, trainPosts: tables.posts, heldOut: [0, 1, 3, 4, 5])
        XCTAssertEqual(o, SplitOverlap(rows: 5, sharedRows: 1, posts: 0, sharedPosts: 0))
    }

    func testTheSetKeepsEveryKeyThroughGrowth() {
        var s = HashSet64(capacity: 1)
        for k in stride(from: UInt64(0), to: 20_000, by: 2) { XCTAssertTrue(s.insert(k &* 0x9e37_79b9)) }
        XCTAssertFalse(s.insert(0), "0 is kept beside the table")
        XCTAssertFalse(s.insert(4 &* 0x9e37_79b9))
        for k in UInt64(0) ..< 20_000 { XCTAssertEqual(s.contains(k &* 0x9e37_79b9), k % 2 == 0, "key \(k)") }
    }
}
