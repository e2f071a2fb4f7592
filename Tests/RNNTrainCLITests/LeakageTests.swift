import XCTest
import Corpus
import RNNTrainCLI

/// The leakage check before training: a test file whose rows are in the
/// training file is refused unless --allow-overlap, with the counts.
final class LeakageTests: XCTestCase {
    /// Posts 1-6, two sentences each; the test file is post 5's two rows
    /// and post 6's first row (row-split by someone else).
    let header = "post_id,label,string,as_numbers,length\n"
    let rows = ["1,0,,1 2 3,3", "1,1,,4 5 6,3", "2,0,,7 8,2", "2,1,,9 10 11,3", "3,0,,12 13,2", "3,1,,14 15 16,3",
                "4,0,,17 18,2", "4,1,,19 20 21,3", "5,0,,22 23,2", "5,1,,24 25 26,3", "6,0,,27 28,2", "6,1,,29 30 31,3"]

    func files() -> (all: String, test: String, other: String) {
        let tmp = temporaryDirectory()
        writeFile(tmp + "/all.csv", header + rows.joined(separator: "\n") + "\n")
        writeFile(tmp + "/test.csv", header + [rows[8], rows[9], "6,0,,40 41,2"].joined(separator: "\n") + "\n")
        writeFile(tmp + "/other.csv", header + ["7,0,,22 23,2", "8,1,,50 51,2", "9,0,,52 53,2"].joined(separator: "\n") + "\n")
        return (tmp + "/all.csv", tmp + "/test.csv", tmp + "/other.csv")
    }

    func testATestFileInsideTheTrainingFileIsRefused() {
        let f = files()
        let args = ["classify", "--data", f.all, "--test-data", f.test, "--val-fraction", "0", "--epochs", "1",
                    "--embed", "4", "--hidden", "4", "--split-by", "post_id"]
        let r = cli(args)
        XCTAssertEqual(r.status, 1, r.err)
        // Test rows 22 23 and 24 25 26 are training rows; 40 41 is new. Posts 5 and 6 both train.
        XCTAssertTrue(r.err.hasPrefix("error: test 2 of 3 rows also in training (66.7%), 2 of 2 posts shared: "), r.err)
        XCTAssertTrue(r.err.contains("--allow-overlap"), r.err)
        XCTAssertEqual(r.out, "", "nothing trained")
        let allowed = cli(args + ["--allow-overlap"])
        XCTAssertEqual(allowed.status, 0, allowed.err)
        XCTAssertTrue(allowed.err.contains("\nleakage: test 2 of 3 rows also in training (66.7%), 2 of 2 posts shared\n"), allowed.err)
    }

    func testTwinRowsInAnotherFileAreRefusedAndTheOwnSplitIsNot() {
        let f = files()
        // other.csv: one twin row of 3 (33%), no shared post.
        let r = cli(["classify", "--data", f.all, "--test-data", f.other, "--val-fraction", "0", "--epochs", "1", "--embed", "4", "--hidden", "4"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.err.hasPrefix("error: test 1 of 3 rows also in training (33.3%), 0 of 3 posts shared: "), r.err)
        // The tool's own split by post shares no post and, here, no sequence.
        let own = cli(["classify", "--data", f.all, "--val-fraction", "0.25", "--test-fraction", "0.25", "--epochs", "1", "--embed", "4", "--hidden", "4"])
        XCTAssertEqual(own.status, 0, own.err)
        XCTAssertTrue(own.err.contains("\nleakage: validation 0 of 4 rows also in training (0.0%), 0 of 2 posts shared; "
            + "test 0 of 4 rows also in training (0.0%), 0 of 2 posts shared\n"), own.err)
        // --split-by row puts posts on both sides by choice: reported, not refused.
        let byRow = cli(["classify", "--data", f.all, "--split-by", "row", "--val-fraction", "0", "--test-fraction", "0.5",
                         "--epochs", "1", "--embed", "4", "--hidden", "4"])
        XCTAssertEqual(byRow.status, 0, byRow.err)
        XCTAssertTrue(byRow.err.contains("\nleakage: test 0 of 6 rows also in training (0.0%), "), byRow.err)
    }
}
