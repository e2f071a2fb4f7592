import XCTest
import Corpus
import RNNTrainCLI

/// `rnntrain convert` and TFRecord data in the training commands.
final class ConvertCommandTests: XCTestCase {
    let fixtures = repoRoot + "/Tests/CorpusTests/Fixtures/tfrecord"

    func testConvertBothWaysKeepsTheRows() throws {
        let tmp = temporaryDirectory()
        let sample = repoRoot + "/data/sample.csv"
        var r = cli(["convert", "--data", sample, "--out", tmp + "/s.tfrecord.gz"])
        XCTAssertEqual(r.status, 0, r.err)
        r = cli(["convert", "--data", tmp + "/s.tfrecord.gz", "--out", tmp + "/s.csv"])
        XCTAssertEqual(r.status, 0, r.err)
        let a = try CorpusCSV.load(path: sample, options: CSVLoadOptions()).corpus
        let b = try CorpusCSV.load(path: tmp + "/s.csv", options: CSVLoadOptions()).corpus
        XCTAssertEqual(a.tokenIDs, b.tokenIDs)
        XCTAssertEqual(a.labels, b.labels)
        XCTAssertEqual(b.classNames, Corpus.blogClassNames)
    }

    func testBadInputLeavesNoOutputFile() {
        let tmp = temporaryDirectory()
        let out = tmp + "/o.csv"
        let r = cli(["convert", "--data", fixtures + "/bad-negative-token.tfrecord", "--out", out])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.err.contains("bad-negative-token.tfrecord: record 1 (byte offset "), r.err)
        XCTAssertTrue(r.err.contains("token id -3 out of range [0, 10000)"), r.err)
        XCTAssertFalse(fileExists(out))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp), [])
        let usage = cli(["convert", "--data", fixtures + "/seq-packed.tfrecord", "--out", tmp + "/o.txt"])
        XCTAssertEqual(usage.status, 64)
    }

    func testSeq2seqTrainsOnTFRecordGlobWithClasses() {
        let r = cli(["seq2seq", "--data", fixtures + "/seq-*.tfrecord", "--epochs", "1", "--batch-size", "2",
                     "--classes", "4", "--hidden", "4", "--embed", "4"])
        XCTAssertEqual(r.status, 0, r.err)
        // 6 rows, labels 2 0 1 twice; class 3 has none.
        XCTAssertTrue((r.out + r.err).contains("classes: 0 2, 1 2, 2 2, 3 0"), r.out + r.err)
        let tooFew = cli(["classify", "--data", fixtures + "/seq-packed.tfrecord", "--classes", "2", "--epochs", "1"])
        XCTAssertEqual(tooFew.status, 1)
        XCTAssertTrue(tooFew.err.contains("the data has label 2; --classes 2 allows 0...1"), tooFew.err)
    }
}
