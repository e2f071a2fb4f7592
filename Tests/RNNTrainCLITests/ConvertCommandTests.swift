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

    /// Converts `csv` to TFRecord and back; returns the CSV written.
    func roundTrip(_ csv: String, _ tmp: String, gzip: Bool = false) -> [UInt8]? {
        let tf = tmp + (gzip ? "/r.tfrecord.gz" : "/r.tfrecord")
        var r = cli(["convert", "--data", csv, "--out", tf])
        XCTAssertEqual(r.status, 0, r.err)
        r = cli(["convert", "--data", tf, "--out", tmp + "/back.csv"])
        XCTAssertEqual(r.status, 0, r.err)
        return FileManager.default.contents(atPath: tmp + "/back.csv").map { Array($0) }
    }

    func testCSVToTFRecordToCSVGivesTheSameBytes() throws {
        let tmp = temporaryDirectory()
        // Repeated post ids, a text with a quote and a comma, an id that is not
        // a decimal integer (travels as bytes), an empty text.
        let blog = """
            post_id,gender,age_bracket,string,as_numbers,length
            0,0,1,"hello , world",4 127 63,3
            1,1,2,"she said ""hi"" .",5 6,2
            2,0,0,"",7,1
            3,1,0,"one",8 9 10,3
            3,1,0,"two",11 12,2
            007,0,2,"x",13,1

            """
        writeFile(tmp + "/blog.csv", blog)
        XCTAssertEqual(roundTrip(tmp + "/blog.csv", tmp), Array(blog.utf8))
        XCTAssertEqual(roundTrip(tmp + "/blog.csv", tmp, gzip: true), Array(blog.utf8))
        // Generic labels with per-step labels.
        let tagged = """
            post_id,label,string,as_numbers,length,labels
            10,1,"a b",1 2,2,0 1
            10,0,"c",3,1,0
            11,2,"d e f",4 5 6,3,2 2 1

            """
        writeFile(tmp + "/tagged.csv", tagged)
        XCTAssertEqual(roundTrip(tmp + "/tagged.csv", tmp), Array(tagged.utf8))
        // The committed sample: 10,000 rows as synth writes them.
        let sample = repoRoot + "/data/sample.csv"
        XCTAssertEqual(roundTrip(sample, tmp), FileManager.default.contents(atPath: sample).map { Array($0) })
    }

    func testTrainingOnTheTFRecordKeepsPostsTogether() {
        let tmp = temporaryDirectory()
        let r = cli(["convert", "--data", repoRoot + "/data/sample.csv", "--out", tmp + "/s.tfrecord"])
        XCTAssertEqual(r.status, 0, r.err)
        func splitLine(_ data: String) -> String? {
            let t = cli(["classify", "--data", data, "--epochs", "1", "--embed", "4", "--hidden", "4"])
            XCTAssertEqual(t.status, 0, t.err)
            return t.err.split(separator: "\n").first { $0.hasPrefix("split: ") }.map(String.init)
        }
        let fromCSV = splitLine(repoRoot + "/data/sample.csv")
        XCTAssertNotNil(fromCSV)
        XCTAssertTrue(fromCSV?.contains("by post_id") == true, fromCSV ?? "")
        XCTAssertEqual(splitLine(tmp + "/s.tfrecord"), fromCSV, "the same rows split the same way from either format")
    }
}
