import XCTest
import Corpus

/// --truncate: a row longer than the maximum keeps its first (post) or last
/// (pre) tokens, with its per-step labels, from CSV and TFRecord alike.
final class TruncateTests: XCTestCase {
    let csv = "label,as_numbers,length,labels\n1,1 2 3 4 5,5,0 1 0 1 1\n0,6 7,2,1 0\n"

    func testCSVRowsKeepTheirFirstOrLastTokens() throws {
        let post = try parse(csv, options: CSVLoadOptions(maxLength: 3, truncate: .post)).corpus
        XCTAssertEqual(post.tokenIDs, [1, 2, 3, 6, 7])
        XCTAssertEqual(post.offsets, [0, 3, 5])
        XCTAssertEqual(post.tokenLabels, [0, 1, 0, 1, 0])
        let pre = try parse(csv, options: CSVLoadOptions(maxLength: 3, truncate: .pre)).corpus
        XCTAssertEqual(pre.tokenIDs, [3, 4, 5, 6, 7])
        XCTAssertEqual(pre.tokenLabels, [0, 1, 1, 1, 0])
        // Without --truncate the row is an error that names the option.
        assertDataError(csv, "t.csv:2: sequence of more than 3 tokens is longer than the maximum length 3 (raise --max-len, "
            + "pass --truncate post to keep the first --max-len tokens, or --skip-bad-rows to skip such rows)",
            options: CSVLoadOptions(maxLength: 3))
        // A very long row is cut, not refused.
        let long = "label,as_numbers\n0," + (1 ... 500).map(String.init).joined(separator: " ") + "\n"
        XCTAssertEqual(try parse(long, options: CSVLoadOptions(maxLength: 4, truncate: .pre)).corpus.tokenIDs, [497, 498, 499, 500])
    }

    func testTFRecordRowsAreCutTheSameWay() throws {
        let full = try parse(csv).corpus
        let path = temporaryDirectory() + "/t.tfrecord"
        try TFRecordWriter.write(full, to: path, gzip: false)
        for (end, ids, labels) in [(CSVLoadOptions.Truncation.post, [Int32]([1, 2, 3, 6, 7]), [UInt8]([0, 1, 0, 1, 0])),
                                   (.pre, [3, 4, 5, 6, 7], [0, 1, 1, 1, 0])] {
            let rows = CSVLoadOptions(maxLength: 3, truncate: end)
            let c = try CorpusTFRecord.load(path: path, options: TFRecordLoadOptions(rows: rows)).corpus
            XCTAssertEqual(c.tokenIDs, ids, "\(end)")
            XCTAssertEqual(c.tokenLabels, labels, "\(end)")
        }
    }
}
