import XCTest
import Corpus

final class CountOnesCorpusTests: XCTestCase {
    /// Every row is a binary sequence of length 1...15 labelled with its
    /// number of ones; the same seed gives the same corpus, another seed
    /// another one, and a larger corpus starts with the smaller one.
    func testRowsAreBitsLabelledWithTheirCountAndDeterministic() {
        let c = CountOnesCorpus.generate(rows: 3000, seed: 7)
        XCTAssertEqual(c.count, 3000)
        XCTAssertEqual(c.numClasses, 16)
        XCTAssertEqual(c.vocabularySize, 2)
        var lengths = Set<Int>(), labels = Set<UInt8>()
        for r in 0 ..< c.count {
            let bits = Array(c.tokens(r))
            XCTAssertTrue((1 ... 15).contains(bits.count), "row \(r) has length \(bits.count)")
            XCTAssertTrue(bits.allSatisfy { $0 == 0 || $0 == 1 }, "row \(r): \(bits)")
            XCTAssertEqual(Int(c.labels[r]), bits.filter { $0 == 1 }.count, "row \(r): \(bits)")
            lengths.insert(bits.count)
            labels.insert(c.labels[r])
        }
        XCTAssertEqual(lengths, Set(1 ... 15), "every length occurs in 3,000 rows")
        XCTAssertTrue(labels.isSuperset(of: Set(0 ... 12)), "\(labels.sorted())")
        let again = CountOnesCorpus.generate(rows: 3000, seed: 7)
        XCTAssertEqual(again.tokenIDs, c.tokenIDs)
        XCTAssertEqual(again.offsets, c.offsets)
        XCTAssertEqual(again.labels, c.labels)
        let other = CountOnesCorpus.generate(rows: 3000, seed: 8)
        XCTAssertNotEqual(other.tokenIDs, c.tokenIDs)
        let prefix = CountOnesCorpus.generate(rows: 100, seed: 7)
        XCTAssertEqual(prefix.tokenIDs, Array(c.tokenIDs[0 ..< c.offsets[100]]))
        XCTAssertEqual(prefix.labels, Array(c.labels[0 ..< 100]))
        // Ones are a fair coin: about half the bits over 3,000 rows (~24,000 bits).
        let share = Double(c.tokenIDs.reduce(0) { $0 + Int($1) }) / Double(c.totalTokens)
        XCTAssertEqual(share, 0.5, accuracy: 0.02)
    }

    func testMaxLengthSetsLengthsAndClasses() {
        let c = CountOnesCorpus.generate(rows: 200, seed: 1, maxLength: 4)
        XCTAssertEqual(c.numClasses, 5)
        XCTAssertEqual(c.lengthSummary().max, 4)
        XCTAssertEqual(c.lengthSummary().min, 1)
    }
}
