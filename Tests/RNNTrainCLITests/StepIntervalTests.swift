import XCTest
import Corpus
import Model
import RNNTrainCLI

/// `--log-every-steps`, `--save-every-steps`, count-ones' `--steps`.
final class StepIntervalTests: XCTestCase {
    /// Step lines without their timing fields (seconds, tok/s).
    func stepLines(_ out: String) -> [String] {
        out.split(separator: "\n").filter { $0.hasPrefix("Step ") }.map { line in
            line.components(separatedBy: " - ").filter { !$0.hasSuffix(" s") && !$0.hasSuffix("tok/s") }.joined(separator: " - ")
        }
    }

    func assertSameTensors(_ a: String, _ b: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let x = try Checkpoint.read(path: a).tensors, y = try Checkpoint.read(path: b).tensors
        XCTAssertEqual(Set(x.keys), Set(y.keys), file: file, line: line)
        for (name, t) in x {
            XCTAssertEqual(t.values.map(\.bitPattern), y[name]?.values.map(\.bitPattern), "\(name) differs", file: file, line: line)
        }
    }

    /// 480 training rows in batches of 50 are 10 steps per epoch: records at
    /// steps 4, 8 (epoch 1), 12, 16, 20 (epoch 2), between the epoch records.
    /// With N = the steps of an epoch, a step record covers exactly that
    /// epoch's batches, so its figures equal the epoch record's.
    func testLogEveryStepsWritesRecordsAtTheirSteps() throws {
        let dir = temporaryDirectory()
        let common = ["classify", "--synth-rows", "600", "--batch-size", "50", "--epochs", "2", "--hidden", "16", "--threads", "2",
                      "--val-fraction", "0"]
        let r = cli(common + ["--log-every-steps", "4", "--metrics", dir + "/m.jsonl"])
        XCTAssertEqual(r.status, 0, r.err)
        let records = try MetricsFile.read(path: dir + "/m.jsonl")
        XCTAssertEqual(records.map(\.step), [4, 8, nil, 12, 16, 20, nil, nil])
        XCTAssertEqual(records.map(\.epoch), [1, 1, 1, 2, 2, 2, 2, 2])
        XCTAssertEqual(records.map { $0.final ?? false }, [false, false, false, false, false, false, false, true])
        XCTAssertEqual(stepLines(r.out).map { $0.components(separatedBy: " - ")[0] },
                       ["Step 4 (epoch 1, batch 4/10)", "Step 8 (epoch 1, batch 8/10)", "Step 12 (epoch 2, batch 2/10)",
                        "Step 16 (epoch 2, batch 6/10)", "Step 20 (epoch 2, batch 10/10)"])
        let whole = cli(common + ["--log-every-steps", "10", "--metrics", dir + "/e.jsonl"])
        XCTAssertEqual(whole.status, 0, whole.err)
        let e = try MetricsFile.read(path: dir + "/e.jsonl")
        XCTAssertEqual(e.map(\.step), [10, nil, 20, nil, nil])
        for k in [0, 2] {
            XCTAssertEqual(e[k].trainLoss, e[k + 1].trainLoss, accuracy: 1e-9)
            XCTAssertEqual(e[k].trainAccuracy, e[k + 1].trainAccuracy, accuracy: 1e-12)
            XCTAssertNil(e[k].testAccuracy, "classify evaluates at epochs only")
        }
        // The same weights either way: logging changes nothing in training.
        XCTAssertEqual(epochLines(r.out).map(\.test), epochLines(whole.out).map(\.test))
    }

    /// A checkpoint written by --save-every-steps in the middle of an epoch
    /// (and of a --log-every-steps window) resumes to the same weights,
    /// optimizer state and step lines as the run that never stopped.
    func testStepCheckpointResumesBitForBit() throws {
        let dir = temporaryDirectory()
        // 1,000 rows / 50 = 20 steps per epoch: step 30 is epoch 2, batch 10.
        let common = ["count-ones", "--examples", "1000", "--test-examples", "200", "--hidden", "16", "--threads", "2",
                      "--max-steps", "50", "--log-every-steps", "20", "--quiet"]
        let whole = cli(common + ["--save", dir + "/whole.safetensors"])
        XCTAssertEqual(whole.status, 0, whole.err)
        let cut = cli(common + ["--save", dir + "/cut.safetensors", "--save-every-steps", "15"])
        XCTAssertEqual(cut.status, 0, cut.err)
        for step in [15, 30, 45] { XCTAssertTrue(fileExists(dir + "/cut.step\(step).safetensors"), "step \(step)") }
        let saved = try Checkpoint.read(path: dir + "/cut.step30.safetensors").record(path: "cut").progress
        XCTAssertEqual(saved.epoch, 1)
        XCTAssertEqual(saved.optimizerStep, 30)
        XCTAssertEqual(saved.partial?.batchesDone, 10)
        XCTAssertEqual(saved.stepWindow?.batchesDone, 10, "steps 21-30 of the window that ends at step 40")
        let resumed = cli(common + ["--resume", dir + "/cut.step30.safetensors", "--save", dir + "/resumed.safetensors"])
        XCTAssertEqual(resumed.status, 0, resumed.err)
        try assertSameTensors(dir + "/whole.safetensors", dir + "/resumed.safetensors")
        try assertSameTensors(dir + "/whole.safetensors", dir + "/cut.safetensors")
        let lines = stepLines(whole.out)
        XCTAssertEqual(lines.count, 3, whole.out)
        XCTAssertEqual(stepLines(resumed.out), Array(lines[1...]))
        XCTAssertTrue(lines[2].hasPrefix("Step 50 (epoch 3, batch 10/20)"), lines[2])
        let done = cli(common + ["--resume", dir + "/resumed.safetensors"])
        XCTAssertEqual(done.status, 64)
        XCTAssertTrue(done.err.contains("is already at step 50; ask for more --max-steps"), done.err)
    }

    /// count-ones' step limit stops inside an epoch with the step line and
    /// a resumable checkpoint; resumed with more --steps, it ends with the
    /// weights of the run that never stopped.
    func testStepLimitStopsAndResumesBitForBit() throws {
        let dir = temporaryDirectory()
        // 1,000 rows / 50 = 20 steps per epoch: step 30 is epoch 2, batch 10.
        let common = ["count-ones", "--examples", "1000", "--test-examples", "200", "--hidden", "16", "--threads", "2", "--quiet"]
        let whole = cli(common + ["--max-steps", "50", "--save", dir + "/whole.safetensors"])
        XCTAssertEqual(whole.status, 0, whole.err)
        let cut = cli(common + ["--max-steps", "30", "--save", dir + "/cut.safetensors"])
        XCTAssertEqual(cut.status, 0, cut.err)
        XCTAssertTrue(stepLines(cut.out).last?.hasPrefix("Step 30 (epoch 2, batch 10/20)") ?? false, cut.out)
        let saved = try Checkpoint.read(path: dir + "/cut.safetensors").record(path: "cut").progress
        XCTAssertEqual(saved.optimizerStep, 30)
        XCTAssertEqual(saved.partial?.batchesDone, 10)
        let resumed = cli(common + ["--max-steps", "50", "--resume", dir + "/cut.safetensors", "--save", dir + "/resumed.safetensors"])
        XCTAssertEqual(resumed.status, 0, resumed.err)
        try assertSameTensors(dir + "/whole.safetensors", dir + "/resumed.safetensors")
    }

    func testStepOptionsThatCannotWorkAreRefused() {
        let noSave = cli(["classify", "--save-every-steps", "10"])
        XCTAssertEqual(noSave.status, 64)
        XCTAssertTrue(noSave.err.contains("option --save-every-steps needs --save PATH"), noSave.err)
        let best = cli(["classify", "--save-every-steps", "10", "--save", "/tmp/x.safetensors", "--save-best"])
        XCTAssertEqual(best.status, 64)
        XCTAssertTrue(best.err.contains("--save-every-steps and --save-best exclude each other"), best.err)
        // --steps, the earlier name of --max-steps, is the same option.
        let both = cli(["count-ones", "--steps", "10", "--epochs", "1"])
        XCTAssertEqual(both.status, 64)
        XCTAssertTrue(both.err.contains("--max-steps and --epochs exclude each other"), both.err)
    }

    /// plot leaves step records out of a chart with epochs, and charts a
    /// file of step records only by step.
    func testPlotCopesWithStepRecords() throws {
        let dir = temporaryDirectory()
        func line(_ epoch: Int, _ step: Int?) -> String {
            "{\"run\":\"r\",\"epoch\":\(epoch)," + (step.map { "\"step\":\($0)," } ?? "") + "\"train_loss\":1.5,\"train_accuracy\":0.25}"
        }
        writeFile(dir + "/mixed.jsonl", [line(1, 5), line(1, 10), line(1, nil), line(2, 15), line(2, nil)].joined(separator: "\n") + "\n")
        writeFile(dir + "/steps.jsonl", [line(1, 5), line(1, 10), line(2, 15)].joined(separator: "\n") + "\n")
        writeFile(dir + "/epochs.jsonl", line(1, nil) + "\n")
        let mixed = cli(["plot", dir + "/mixed.jsonl", "--out", dir + "/mixed.svg"])
        XCTAssertEqual(mixed.status, 0, mixed.err)
        XCTAssertTrue(mixed.err.contains("(r, 2 epochs); left out 3 step records"), mixed.err)
        let asked = cli(["plot", dir + "/mixed.jsonl", "--steps", "--out", dir + "/asked.svg"])
        XCTAssertEqual(asked.status, 0, asked.err)
        XCTAssertTrue(asked.err.contains("(r, 3 steps); left out 2 epoch records"), asked.err)
        let none = cli(["plot", dir + "/epochs.jsonl", "--steps", "--out", dir + "/none.svg"])
        XCTAssertEqual(none.status, 64)
        XCTAssertTrue(none.err.contains("the files have no step records"), none.err)
        let steps = cli(["plot", dir + "/steps.jsonl", "--out", dir + "/steps.svg"])
        XCTAssertEqual(steps.status, 0, steps.err)
        XCTAssertTrue(steps.err.contains("(r, 3 steps)"), steps.err)
        let svg = String(decoding: readBytes(dir + "/steps.svg") ?? [], as: UTF8.self)
        XCTAssertTrue(svg.contains(">step</text>"))
        XCTAssertFalse(svg.contains(">epoch</text>"))
    }
}

final class CountOnesCommandTests: XCTestCase {
    /// A 32-unit LSTM learns to count far above the majority class's share
    /// within 400 steps (a couple of seconds).
    func testSmallLSTMLearnsToCountWellAboveChance() {
        let r = cli(["count-ones", "--examples", "10000", "--test-examples", "1000", "--hidden", "32", "--max-steps", "400",
                     "--threads", "2", "--quiet"])
        XCTAssertEqual(r.status, 0, r.err)
        let test = CountOnesCorpus.generate(rows: 11000, seed: 1)
        let counts = test.classCounts()
        let majority = Double(counts.max()!) / Double(test.count)
        let last = r.out.split(separator: "\n").last { $0.hasPrefix("Step ") }.map(String.init) ?? ""
        let field = last.components(separatedBy: " - ").first { $0.hasPrefix("test acc ") }
        let accuracy = field.flatMap { Double($0.dropFirst("test acc ".count)) } ?? 0
        XCTAssertGreaterThan(accuracy, max(0.6, 4 * majority), r.out)
        XCTAssertTrue(last.contains(" - error \(String(format2: 100 * (1 - accuracy)))%"), last)
    }
}

extension String {
    /// `x` with two decimals, rounded half away from zero (as the CLI prints).
    init(format2 x: Double) {
        let cents = Int((x * 100).rounded())
        let frac = abs(cents % 100)
        self = "\(cents / 100).\(frac < 10 ? "0" : "")\(frac)"
    }
}
