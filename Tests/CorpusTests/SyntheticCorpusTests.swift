import XCTest
import Corpus

final class SyntheticCorpusTests: XCTestCase {
    func testRegeneratingTheCommittedSampleGivesTheSameBytes() throws {
        let committed = try XCTUnwrap(readFile(repoRoot + "/data/sample.csv"), "data/sample.csv missing")
        let made = SyntheticCorpus.csv(rows: SyntheticCorpus.sampleRows, seed: SyntheticCorpus.sampleSeed)
        XCTAssertEqual(made.count, committed.count)
        XCTAssertTrue(made == committed, "data/sample.csv differs from the generator's output")
        XCTAssertLessThan(committed.count, 2_000_000)
    }

    func testSeedDeterminesTheBytesAndRowsArePrefixStable() {
        let a = SyntheticCorpus.csv(rows: 300, seed: 5)
        XCTAssertEqual(a, SyntheticCorpus.csv(rows: 300, seed: 5))
        XCTAssertNotEqual(a, SyntheticCorpus.csv(rows: 300, seed: 6))
        let small = SyntheticCorpus.generate(rows: 100, seed: 5).corpus
        let large = SyntheticCorpus.generate(rows: 300, seed: 5).corpus
        XCTAssertEqual(small.tokenIDs, Array(large.tokenIDs[0 ..< small.tokenIDs.count]))
    }

    /// Long-sequence corpora for the benchmark: uniform lengths over the
    /// range, every length reached, and the CSV loads with a raised max.
    func testLengthRangeGivesUniformLongRows() throws {
        let c = SyntheticCorpus.generate(rows: 3000, seed: 4, lengths: 200 ... 240).corpus
        let lengths = (0 ..< c.count).map(c.length)
        XCTAssertEqual(lengths.min(), 200)
        XCTAssertEqual(lengths.max(), 240)
        XCTAssertEqual(Set(lengths).count, 41)
        let bytes = SyntheticCorpus.csv(rows: 50, seed: 4, lengths: 200 ... 240)
        var options = CSVLoadOptions()
        options.maxLength = 240
        let loaded = try bytes.withUnsafeBytes { try CorpusCSV.parse($0, fileName: "long.csv", options: options) }
        XCTAssertEqual(loaded.corpus.tokenIDs, SyntheticCorpus.generate(rows: 50, seed: 4, lengths: 200 ... 240).corpus.tokenIDs)
    }

    func testCSVRoundTripsThroughTheLoader() throws {
        let bytes = SyntheticCorpus.csv(rows: 500, seed: 9)
        let loaded = try bytes.withUnsafeBytes { try CorpusCSV.parse($0, fileName: "s.csv", options: CSVLoadOptions()) }
        let direct = SyntheticCorpus.generate(rows: 500, seed: 9).corpus
        XCTAssertEqual(loaded.corpus.tokenIDs, direct.tokenIDs)
        XCTAssertEqual(loaded.corpus.labels, direct.labels)
        XCTAssertEqual(loaded.corpus.offsets, direct.offsets)
    }

    func testStatisticsLikeTheCorpus() {
        let c = SyntheticCorpus.generate(rows: 20_000, seed: 1).corpus
        let s = c.lengthSummary()
        XCTAssertEqual(s.min, 5)
        XCTAssertEqual(s.max, 30)
        XCTAssertTrue((15.5 ... 18.5).contains(s.mean), "mean length \(s.mean)")
        let counts = c.classCounts()
        let ages = (0 ..< 3).map { Double(counts[$0] + counts[$0 + 3]) / Double(c.count) }
        let priors = [8240.0, 8086, 2994].map { $0 / 19320 }
        for k in 0 ..< 3 { XCTAssertEqual(ages[k], priors[k], accuracy: 0.015, "age bracket \(k)") }
        let female = Double(counts[3] + counts[4] + counts[5]) / Double(c.count)
        XCTAssertEqual(female, 0.5, accuracy: 0.015)
        let unk = Double(c.tokenIDs.filter { $0 == 0 }.count) / Double(c.totalTokens)
        XCTAssertTrue((0.02 ... 0.08).contains(unk), "<UNK> share \(unk)")
        XCTAssertTrue(c.tokenIDs.allSatisfy { $0 >= 0 && $0 < 10_000 })
    }

    func testVocabulary() {
        let v = SyntheticCorpus.vocabulary()
        XCTAssertEqual(v.count, 10_000)
        XCTAssertEqual(Array(v[0 ..< 3]), ["<UNK>", "<#>", "."])
        XCTAssertEqual(Set(v).count, 10_000, "duplicate words")
        XCTAssertTrue(v.allSatisfy { !$0.isEmpty && !$0.contains(" ") && !$0.contains("\n") })
    }
}
