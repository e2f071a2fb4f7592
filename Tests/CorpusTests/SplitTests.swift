import XCTest
import Corpus
import TensorCore

/// The three-way split: seeded, shares as asked, and with post ids no post
/// on two sides.
final class SplitTests: XCTestCase {
    /// Posts of 1 to 9 sentences, in file order.
    func posts(rows: Int, seed: UInt64) -> [UInt64] {
        var rng = RNG(seed: seed), out: [UInt64] = [], post: UInt64 = 0
        while out.count < rows {
            post += 1
            out += Array(repeating: post * 7919, count: min(Int(rng.next() % 9) + 1, rows - out.count))
        }
        return out
    }

    func testNoPostOnBothSidesOfASplit() {
        let n = 5000, groups = posts(rows: n, seed: 11)
        let s = DataSplit(count: n, valFraction: 0.1, testFraction: 0.2, seed: 3, groups: groups)
        XCTAssertEqual((s.train + s.val + s.test).sorted(), Array(0 ..< n), "every row on exactly one side")
        let sides = [Set(s.train.map { groups[$0] }), Set(s.val.map { groups[$0] }), Set(s.test.map { groups[$0] })]
        XCTAssertTrue(sides[0].isDisjoint(with: sides[1]) && sides[0].isDisjoint(with: sides[2]) && sides[1].isDisjoint(with: sides[2]))
        // Shares met to within one post (at most 9 rows).
        XCTAssertEqual(Double(s.test.count), 1000, accuracy: 9)
        XCTAssertEqual(Double(s.val.count), 500, accuracy: 9)
        // The row split of the same rows does put posts on both sides.
        let rows = DataSplit(count: n, valFraction: 0.1, testFraction: 0.2, seed: 3)
        XCTAssertFalse(Set(rows.train.map { groups[$0] }).isDisjoint(with: Set(rows.test.map { groups[$0] })))
    }

    func testOneRowPerPostIsTheRowSplitAndTheTwoWaySplitIsUnchanged() {
        let n = 1003
        let rows = DataSplit(count: n, valFraction: 0.1, testFraction: 0.2, seed: 5)
        XCTAssertEqual(DataSplit(count: n, valFraction: 0.1, testFraction: 0.2, seed: 5, groups: (0 ..< n).map { UInt64($0 * 3) }), rows)
        XCTAssertEqual([rows.test.count, rows.val.count, rows.train.count], [201, 100, 702])
        let two = shuffledSplit(count: n, testFraction: 0.2, seed: 5)
        XCTAssertEqual(two.test, rows.test, "the test rows do not move when validation rows are taken")
        XCTAssertEqual(Set(two.train), Set(rows.train + rows.val))
    }
}
