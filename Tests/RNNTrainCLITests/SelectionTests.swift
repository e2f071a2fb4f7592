import XCTest
import Foundation
import Corpus
import Model
import RNNTrainCLI

/// Validation, selection and schedules end to end: early stopping keeps the
/// best validation epoch, a resumed run continues its schedule exactly,
/// eval finds the data the model was trained on, label names travel.
final class SelectionTests: XCTestCase {
    func tensors(_ path: String) throws -> [String: [UInt32]] {
        try Checkpoint.read(path: path).tensors.mapValues { $0.values.map(\.bitPattern) }
    }

    /// The figure after `prefix` in a note line ("test accuracy: 0.3475, ...").
    func figure(_ text: String, after prefix: String) -> Double? {
        guard let r = text.range(of: prefix) else { return nil }
        return Double(text[r.upperBound...].prefix { $0 == "." || $0.isNumber })
    }

    /// --early-stop 1 stops one epoch after the lowest validation loss and
    /// ends with that epoch's weights: bit-identical to what --save-best kept
    /// in a run of that length, and the final test figure is theirs.
    func testEarlyStopRestoresTheBestValidationWeights() throws {
        let dir = temporaryDirectory()
        let common = ["classify", "--lr", "2e-2", "--threads", "2"]
        let early = cli(common + ["--epochs", "10", "--early-stop", "1", "--save", dir + "/early.safetensors"])
        XCTAssertEqual(early.status, 0, early.err)
        let lines = epochLines(early.out), losses = lines.map(\.valLoss)
        let best = losses.firstIndex(of: losses.min()!)! + 1
        XCTAssertEqual(lines.last?.epoch, best + 1, "stopped one epoch after the best: \(losses)")
        XCTAssertLessThan(best + 1, 10, "the run never stopped early: \(losses)")
        XCTAssertTrue(early.err.contains("early stop after epoch \(best + 1)"), early.err)
        let kept = cli(common + ["--epochs", "\(best + 1)", "--save-best", "--save", dir + "/best.safetensors", "--quiet"])
        XCTAssertEqual(kept.status, 0, kept.err)
        XCTAssertEqual(try tensors(dir + "/early.safetensors"), try tensors(dir + "/best.safetensors"))
        XCTAssertEqual(try Checkpoint.read(path: dir + "/best.safetensors").record(path: "b").progress.epoch, best)
        // The test figure printed at the end is the restored model's.
        let e = cli(["eval", "--model", dir + "/best.safetensors", "--split", "test"])
        XCTAssertEqual(e.status, 0, e.err)
        let printed = try XCTUnwrap(figure(early.out, after: "test accuracy: "), early.out)
        XCTAssertEqual(try XCTUnwrap(figure(e.out, after: "\naccuracy: ")), printed, accuracy: 5e-5)
        XCTAssertTrue(early.out.contains("(model of epoch \(best), the epoch of lowest validation loss)"), early.out)
    }

    /// Three epochs in one go, and two then a resume to three, end with the
    /// same weights and optimizer state bit for bit: the resumed run takes
    /// the schedule, warm-up, weight decay and class weights from the
    /// checkpoint, and continues the schedule where it was.
    func testResumeMidScheduleEqualsAnUninterruptedRun() throws {
        let dir = temporaryDirectory()
        let schedules = [
            ["--lr-schedule", "cosine", "--warmup-steps", "40", "--weight-decay", "0.05", "--class-weights", "balanced"],
            ["--lr-schedule", "plateau", "--lr-patience", "0", "--lr-factor", "0.5", "--lr", "2e-2"],
            ["--lr-schedule", "step", "--lr-gamma", "0.5"],
        ]
        for (k, flags) in schedules.enumerated() {
            let common = ["classify", "--threads", "2", "--quiet", "--synth-rows", "3000"]
            let whole = dir + "/whole\(k).safetensors", parts = dir + "/parts\(k).safetensors"
            XCTAssertEqual(cli(common + flags + ["--epochs", "3", "--save", whole]).status, 0)
            XCTAssertEqual(cli(common + flags + ["--epochs", "2", "--save", parts]).status, 0)
            let resumed = cli(common + ["--epochs", "3", "--resume", parts, "--save", parts])
            XCTAssertEqual(resumed.status, 0, resumed.err)
            XCTAssertEqual(try tensors(parts), try tensors(whole), "\(flags)")
            let record = try Checkpoint.read(path: parts).record(path: parts)
            XCTAssertEqual(record.settings.schedule?.kind.rawValue, flags[1])
            if k == 0 {
                XCTAssertEqual(record.optimizer.weightDecay, 0.05)
                XCTAssertEqual(record.settings.classWeights?.count, 6)
            }
            if k == 1 { XCTAssertNotEqual(record.progress.plateau?.scale, 1, "the plateau schedule never reduced the rate") }
        }
    }

    /// The sample with posts of three sentences (post_id = row / 3).
    func postsFile(_ dir: String) throws -> String {
        let text = try String(contentsOfFile: repoRoot + "/data/sample.csv", encoding: .utf8)
        var out = ""
        for (i, line) in text.split(separator: "\n").enumerated() {
            guard i > 0, let comma = line.firstIndex(of: ",") else { out += line + "\n"; continue }
            out += "p\((i - 1) / 3)" + line[comma...] + "\n"
        }
        let path = dir + "/posts.csv"
        writeFile(path, out)
        return path
    }

    /// eval without --data uses the data file the checkpoint records, with
    /// the run's split (validation, test, by post), and says so; when that
    /// file is gone it refuses instead of evaluating something else.
    func testEvalWithoutDataUsesTheRecordedDataOrRefuses() throws {
        let dir = temporaryDirectory()
        let data = try postsFile(dir), model = dir + "/m.safetensors"
        let train = cli(["classify", "--data", data, "--epochs", "2", "--lr", "3e-3", "--threads", "2", "--report-test", "--save", model])
        XCTAssertEqual(train.status, 0, train.err)
        XCTAssertTrue(train.err.contains("by post_id"), train.err)
        let last = try XCTUnwrap(epochLines(train.out).last)
        for (split, expected) in [("test", last.test), ("val", last.val)] {
            let e = cli(["eval", "--model", model, "--split", split])
            XCTAssertEqual(e.status, 0, e.err)
            XCTAssertTrue(e.out.contains("data recorded in the model"), e.out)
            XCTAssertTrue(e.out.contains("data: \(data)"), e.out)
            XCTAssertEqual(try XCTUnwrap(figure(e.out, after: "\naccuracy: ")), expected, accuracy: 5e-5, split)
        }
        XCTAssertEqual(unlink(data), 0)
        let gone = cli(["eval", "--model", model, "--split", "test"])
        XCTAssertEqual(gone.status, 64)
        XCTAssertTrue(gone.err.contains("was trained on \(data), which is not there"), gone.err)
        XCTAssertTrue(gone.out.isEmpty)
    }

    /// --val-data and --test-data: the files are the sets (the rest trains),
    /// and eval --split test without --data evaluates the recorded test file.
    func testValidationAndTestFilesAreTheSets() throws {
        let dir = temporaryDirectory()
        let lines = try String(contentsOfFile: repoRoot + "/data/sample.csv", encoding: .utf8).split(separator: "\n")
        func part(_ name: String, _ r: Range<Int>) -> String {
            writeFile(dir + "/" + name, ([lines[0]] + lines[r]).joined(separator: "\n") + "\n")
            return dir + "/" + name
        }
        let train = part("train.csv", 1 ..< 6001), val = part("val.csv", 6001 ..< 8001), test = part("test.csv", 8001 ..< 10001)
        let model = dir + "/m.safetensors"
        let r = cli(["classify", "--data", train, "--val-data", val, "--test-data", test, "--epochs", "1", "--report-test", "--save", model])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.err.contains("split: 6,000 train / 2,000 validation (\(val)) / 2,000 test (\(test))"), r.err)
        let e = cli(["eval", "--model", model, "--split", "test"])
        XCTAssertEqual(e.status, 0, e.err)
        XCTAssertTrue(e.out.contains("evaluated: 2,000 rows"), e.out)
        let last = try XCTUnwrap(epochLines(r.out).last)
        XCTAssertEqual(try XCTUnwrap(figure(e.out, after: "\naccuracy: ")), last.test, accuracy: 5e-5)
        let both = cli(["classify", "--data", train, "--val-data", val, "--val-fraction", "0.2"])
        XCTAssertEqual(both.status, 64)
        XCTAssertTrue(both.err.contains("--val-data and --val-fraction exclude each other"), both.err)
    }

    /// Names from X.labels.txt beside X.csv reach the checkpoint, eval (text
    /// and --json) and predict.
    func testLabelNamesTravelFromLabelsFileToEvalAndPredict() throws {
        let dir = temporaryDirectory()
        let sample = SyntheticCorpus.generate(rows: 600, seed: 4).corpus
        var csv = "post_id,label,as_numbers\n"
        for r in 0 ..< sample.count { csv += "\(r),\(sample.labels[r] % 3),\(sample.tokens(r).map(String.init).joined(separator: " "))\n" }
        writeFile(dir + "/quotes.csv", csv)
        writeFile(dir + "/quotes.labels.txt", "austen\ndickens\neliot\n")
        let model = dir + "/m.safetensors"
        let train = cli(["classify", "--data", dir + "/quotes.csv", "--epochs", "1", "--save", model])
        XCTAssertEqual(train.status, 0, train.err)
        XCTAssertTrue(train.err.contains("classes: austen "), train.err)
        XCTAssertEqual(try Checkpoint.read(path: model).record(path: model).settings.classNames, ["austen", "dickens", "eliot"])
        let e = cli(["eval", "--model", model, "--json"])
        XCTAssertEqual(e.status, 0, e.err)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(e.out.utf8)) as? [String: Any])
        let classes = try XCTUnwrap(json["classes"] as? [[String: Any]])
        XCTAssertEqual(classes.compactMap { $0["name"] as? String }, ["austen", "dickens", "eliot"])
        let confusion = try XCTUnwrap(json["confusion"] as? [[Int]])
        XCTAssertEqual(confusion.joined().reduce(0, +), 600)
        let correct = (0 ..< 3).reduce(0) { $0 + confusion[$1][$1] }
        XCTAssertEqual(try XCTUnwrap(json["accuracy"] as? Double), Double(correct) / 600, accuracy: 1e-12)
        let text = cli(["eval", "--model", model])
        XCTAssertTrue(text.out.contains("[2] eliot"), text.out)
        let p = cli(["predict", "--model", model, "--ids", "4 5 6 7"])
        XCTAssertEqual(p.status, 0, p.err)
        XCTAssertTrue(["austen", "dickens", "eliot"].contains { p.out.contains("predicted: \($0)") }, p.out)
    }
}
