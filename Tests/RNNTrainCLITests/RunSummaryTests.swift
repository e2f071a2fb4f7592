import XCTest
import Foundation
import RNNTrainCLI

/// `--summary PATH`: one JSON object with the kept model's figures, equal to
/// what the run printed and to its final metrics record.
final class RunSummaryTests: XCTestCase {
    func object(_ path: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func testClassifySummaryHoldsTheKeptModelsPrintedFigures() throws {
        let dir = temporaryDirectory()
        let r = cli(["classify", "--epochs", "3", "--lr", "3e-3", "--quiet", "--save", dir + "/m.safetensors", "--save-best",
                     "--metrics", dir + "/m.jsonl", "--summary", dir + "/s.json"])
        XCTAssertEqual(r.status, 0, r.err)
        let s = try object(dir + "/s.json")
        let final = try XCTUnwrap(MetricsFile.read(path: dir + "/m.jsonl").last)
        XCTAssertEqual(final.final, true)
        XCTAssertEqual(s["kept_epoch"] as? Int, final.epoch)
        XCTAssertEqual(s["kept_by"] as? String, "lowest validation loss")
        XCTAssertEqual(s["epochs_run"] as? Int, 3)
        // (JSONSerialization may round the last digit of what the file holds.)
        XCTAssertEqual(try XCTUnwrap(s["val_loss"] as? Double), try XCTUnwrap(final.valLoss), accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(s["test_accuracy"] as? Double), try XCTUnwrap(final.testAccuracy), accuracy: 1e-12)
        let printed = try XCTUnwrap(r.out.split(separator: "\n").last { $0.hasPrefix("test accuracy: ") })
        XCTAssertEqual(try XCTUnwrap(s["test_accuracy"] as? Double), Double(printed.dropFirst(15).prefix(6))!, accuracy: 5e-5)
        XCTAssertGreaterThan(try XCTUnwrap(s["tokens_per_second"] as? Double), 0)
        XCTAssertGreaterThan(try XCTUnwrap(s["peak_memory_mb"] as? Double), 0)
        XCTAssertEqual(s["command"] as? String, "classify")
        XCTAssertEqual((s["checkpoint"] as? String).map { $0.hasPrefix("/") && $0.hasSuffix("/m.safetensors") }, true)
        let record = try XCTUnwrap(s["record"] as? [String: Any])
        let settings = try XCTUnwrap(record["settings"] as? [String: Any])
        XCTAssertEqual(settings["batching"] as? String, "padded")
        XCTAssertEqual((settings["command"] as? String)?.hasPrefix("rnntrain classify --epochs 3"), true)
    }

    /// A step limit keeps the model where it stopped: the last step line's figures.
    func testStepLimitSummaryIsTheLastStepLine() throws {
        let dir = temporaryDirectory()
        let r = cli(["count-ones", "--examples", "1000", "--test-examples", "200", "--hidden", "16", "--max-steps", "30",
                     "--quiet", "--summary", dir + "/s.json"])
        XCTAssertEqual(r.status, 0, r.err)
        let s = try object(dir + "/s.json")
        XCTAssertEqual(s["kept_by"] as? String, "step limit")
        XCTAssertEqual(s["kept_step"] as? Int, 30)
        XCTAssertEqual(s["kept_epoch"] as? Int, 2)
        let line = try XCTUnwrap(r.out.split(separator: "\n").last { $0.hasPrefix("Step 30 ") })
        let test = try XCTUnwrap(line.range(of: "test acc ")).upperBound
        XCTAssertEqual(try XCTUnwrap(s["test_accuracy"] as? Double), Double(line[test...].prefix(6))!, accuracy: 5e-5)
    }

    /// charlm's held-out text is validation, never test.
    func testCharLMSummaryHasValidationFigures() throws {
        let dir = temporaryDirectory()
        let text = String(repeating: "the cat sat on the mat; the dog sat on the log.\n", count: 60)
        try text.write(toFile: dir + "/t.txt", atomically: true, encoding: .utf8)
        let r = cli(["charlm", "--text", dir + "/t.txt", "--epochs", "2", "--layers", "1", "--hidden", "16", "--batch-size", "4",
                     "--window", "20", "--sample-length", "0", "--quiet", "--summary", dir + "/s.json"])
        XCTAssertEqual(r.status, 0, r.err)
        let s = try object(dir + "/s.json")
        XCTAssertNotNil(s["val_loss"] as? Double)
        XCTAssertNil(s["test_loss"])
        XCTAssertEqual(s["epochs_run"] as? Int, 2)
        XCTAssertEqual(s["command"] as? String, "charlm")
    }

    /// Refused before training: nothing is written.
    func testAnOutputNamedTwiceIsRefusedAndWritesNothing() {
        let dir = temporaryDirectory()
        let r = cli(["classify", "--epochs", "1", "--metrics", dir + "/x.json", "--summary", dir + "/x.json"])
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.err.contains("the output files must differ"), r.err)
        XCTAssertFalse(fileExists(dir + "/x.json"))
    }
}
