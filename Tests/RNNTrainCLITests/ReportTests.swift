import XCTest
import Model
import RNNTrainCLI

/// `--metrics`, `--plot`, `rnntrain plot` and `rnntrain eval`.
final class ReportTests: XCTestCase {
    func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    func testMetricsHasOneRecordPerEpochMatchingTheEpochLines() throws {
        let dir = temporaryDirectory()
        let r = cli(["classify", "--epochs", "3", "--lr", "3e-3", "--quiet", "--report-test", "--metrics", dir + "/m.jsonl", "--run-name", "a \"quoted\" run"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(r.err, "", "--quiet prints only the epoch lines and the result")
        XCTAssertEqual(r.out.split(separator: "\n").count, 4)
        let all3 = try MetricsFile.read(path: dir + "/m.jsonl")
        let records = all3.filter { $0.final != true }
        XCTAssertEqual(records.map(\.epoch), [1, 2, 3])
        // The final record: the kept model (the last epoch: no --save-best) with the test figures printed last.
        let final = try XCTUnwrap(all3.last)
        XCTAssertEqual(final.final, true)
        XCTAssertEqual(final.epoch, 3)
        XCTAssertEqual(final.valAccuracy, records[2].valAccuracy)
        let printed = try XCTUnwrap(r.out.split(separator: "\n").last)
        XCTAssertTrue(printed.hasPrefix("test accuracy: "), String(printed))
        XCTAssertEqual(try XCTUnwrap(final.testAccuracy), Double(printed.dropFirst(15).prefix(6))!, accuracy: 5e-5)
        let lines = epochLines(r.out)
        for (rec, line) in zip(records, lines) {
            XCTAssertEqual(rec.trainAccuracy, line.train, accuracy: 5e-5)
            XCTAssertEqual(try XCTUnwrap(rec.testAccuracy), line.test, accuracy: 5e-5)
            XCTAssertEqual(try XCTUnwrap(rec.valAccuracy), line.val, accuracy: 5e-5)
            XCTAssertEqual(try XCTUnwrap(rec.valLoss), line.valLoss, accuracy: 5e-5)
            XCTAssertEqual(rec.run, "a \"quoted\" run")
            XCTAssertEqual(rec.learningRate, 0.003)
            XCTAssertGreaterThan(try XCTUnwrap(rec.tokensPerSecond), 0)
        }
        // A second run appends; the file then holds two runs.
        XCTAssertEqual(cli(["classify", "--epochs", "2", "--quiet", "--metrics", dir + "/m.jsonl"]).status, 0)
        let all = try MetricsFile.read(path: dir + "/m.jsonl")
        XCTAssertEqual(all.count, 7, "3 + 2 epochs and each run's final record")
        XCTAssertEqual(LearningCurves.series(from: all, fallbackLabel: "x").map(\.records.count), [3, 2])
    }

    func testMetricsFileErrorsNameTheLine() {
        let dir = temporaryDirectory()
        writeFile(dir + "/bad.jsonl", "{\"epoch\":1,\"train_loss\":1.5,\"train_accuracy\":0.3}\n\n{\"epoch\":2,\"train_loss\":1.4}\n")
        let r = cli(["plot", dir + "/bad.jsonl", "--out", dir + "/c.svg"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.err.contains("bad.jsonl:3: not a metrics record"), r.err)
        XCTAssertTrue(r.err.contains("missing train_accuracy"), r.err)
        XCTAssertFalse(fileExists(dir + "/c.svg"))
    }

    func testPlotDuringTrainingIsWellFormedSVGWithBothSeries() throws {
        let dir = temporaryDirectory()
        let r = cli(["seq2seq", "--epochs", "3", "--quiet", "--plot", dir + "/c.svg", "--metrics", dir + "/m.jsonl"])
        XCTAssertEqual(r.status, 0, r.err)
        let svg = read(dir + "/c.svg")
        try assertWellFormedXML(svg)
        XCTAssertTrue(svg.hasPrefix("<?xml"))
        XCTAssertTrue(svg.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        // Train and validation curves for accuracy and loss, 3 points each.
        for metric in ["accuracy", "loss"] {
            for kind in ["train", "val"] {
                let marker = "data-kind=\"\(kind)\" data-metric=\"\(metric)\" points=\""
                let line = try XCTUnwrap(svg.split(separator: "\n").first { $0.contains(marker) }, "\(kind) \(metric)")
                let points = String(line.components(separatedBy: "points=\"")[1].prefix { $0 != "\"" })
                XCTAssertEqual(points.split(separator: " ").count, 3, "\(kind) \(metric)")
            }
        }
        XCTAssertTrue(svg.contains(">epoch</text>") && svg.contains(">accuracy</text>") && svg.contains(">loss</text>"))
        // The kept epoch (the last: no --save-best) is ringed in both panels; the majority share is drawn.
        let records = try MetricsFile.read(path: dir + "/m.jsonl")
        XCTAssertEqual(records.last?.final, true)
        XCTAssertEqual(svg.components(separatedBy: "class=\"selected\" data-epoch=\"3\"").count - 1, 2)
        XCTAssertEqual(svg.components(separatedBy: "class=\"selected\"").count - 1, 2)
        XCTAssertEqual(svg.components(separatedBy: "class=\"majority\"").count - 1, 1)
        XCTAssertEqual(try XCTUnwrap(records.last?.majorityShare), 0.2143, accuracy: 0.01)
    }

    func testPlotCommandDrawsSeveralRunsOnOneChart() throws {
        let dir = temporaryDirectory()
        XCTAssertEqual(cli(["classify", "--epochs", "2", "--quiet", "--metrics", dir + "/padded.jsonl"]).status, 0)
        XCTAssertEqual(cli(["classify", "--bucketed", "--epochs", "3", "--quiet", "--metrics", dir + "/bucketed.jsonl"]).status, 0)
        let r = cli(["plot", dir + "/padded.jsonl", dir + "/bucketed.jsonl", "--out", dir + "/both.svg", "--title", "padded <vs> bucketed"])
        XCTAssertEqual(r.status, 0, r.err)
        let svg = read(dir + "/both.svg")
        try assertWellFormedXML(svg)
        XCTAssertTrue(svg.contains("padded &lt;vs&gt; bucketed"))
        XCTAssertEqual(svg.components(separatedBy: "data-run=\"classify padded\"").count - 1, 4)
        XCTAssertEqual(svg.components(separatedBy: "data-run=\"classify bucketed\"").count - 1, 4)
        XCTAssertTrue(r.err.contains("2 runs"), r.err)
    }

    /// `plot --time` places each epoch at the seconds of training up to its
    /// end, so a run twice as fast per epoch reaches the same x in twice the
    /// epochs; the epoch axis stays the default.
    func testPlotByTimePlacesEpochsAtTheirElapsedSeconds() throws {
        let dir = temporaryDirectory()
        func line(_ run: String, _ epoch: Int, _ seconds: Double) -> String {
            "{\"run\":\"\(run)\",\"epoch\":\(epoch),\"train_loss\":\(2.0 / Double(epoch)),\"train_accuracy\":0.5,"
                + "\"test_loss\":\(2.5 / Double(epoch)),\"test_accuracy\":0.4,\"seconds\":\(seconds)}"
        }
        let fast = (1 ... 3).map { line("fast", $0, 10) }, slow = (1 ... 2).map { line("slow", $0, 30) }
        try (fast + slow).joined(separator: "\n").write(toFile: dir + "/m.jsonl", atomically: true, encoding: .utf8)
        for time in [true, false] {
            let r = cli(["plot", dir + "/m.jsonl", "--out", dir + "/t.svg"] + (time ? ["--time"] : []))
            XCTAssertEqual(r.status, 0, r.err)
            let svg = read(dir + "/t.svg")
            try assertWellFormedXML(svg)
            func xs(_ run: String) throws -> [String] {
                let tag = try XCTUnwrap(svg.components(separatedBy: "data-run=\"\(run)\" data-kind=\"train\" data-metric=\"loss\" points=\"").dropFirst().first)
                return tag.prefix { $0 != "\"" }.split(separator: " ").map { String($0.split(separator: ",")[0]) }
            }
            // Loss panel from x = 580 to 1000. By time: 0..60 s; by epoch: 1..3.
            XCTAssertEqual(try xs("fast"), time ? ["650.0", "720.0", "790.0"] : ["580.0", "790.0", "1000.0"])
            XCTAssertEqual(try xs("slow"), time ? ["790.0", "1000.0"] : ["580.0", "790.0"])
            XCTAssertEqual(svg.contains(">seconds of training</text>"), time)
        }
    }

    func testNiceTicksCoverTheRange() {
        let a = LearningCurves.ticks(0.18, 0.23), want = [0.18, 0.19, 0.2, 0.21, 0.22, 0.23]
        XCTAssertEqual(a.count, want.count, "\(a)")
        for (x, y) in zip(a, want) { XCTAssertEqual(x, y, accuracy: 1e-9) }
        XCTAssertEqual(LearningCurves.ticks(1, 10, integer: true), [2, 4, 6, 8, 10])
        XCTAssertEqual(LearningCurves.ticks(1, 3, integer: true), [1, 2, 3])
        let t = LearningCurves.ticks(1.2, 1.83)
        XCTAssertLessThanOrEqual(t.first!, 1.2 + 1e-9)
        XCTAssertGreaterThanOrEqual(t.last!, 1.83 - 1e-9)
    }

    func testEvalOnTheTestSplitReproducesTheLastEpochsTestAccuracy() throws {
        let dir = temporaryDirectory()
        for task in ["classify", "seq2seq"] {
            let train = cli([task, "--epochs", "2", "--lr", "3e-3", "--quiet", "--report-test", "--save", dir + "/\(task).safetensors"])
            XCTAssertEqual(train.status, 0, train.err)
            let last = try XCTUnwrap(epochLines(train.out).last)
            let e = cli(["eval", "--model", dir + "/\(task).safetensors", "--split", "test"])
            XCTAssertEqual(e.status, 0, e.err)
            let accLine = try XCTUnwrap(e.out.split(separator: "\n").first { $0.hasPrefix("accuracy") })
            let acc = Double(String(accLine.split(separator: " ")[task == "classify" ? 1 : 3]))
            XCTAssertEqual(try XCTUnwrap(acc), last.test, accuracy: 5e-5, String(accLine))
            XCTAssertTrue(e.out.contains("confusion matrix"), e.out)
            XCTAssertTrue(e.out.contains("female 33-47"), e.out)
            XCTAssertEqual(e.out.contains("accuracy by time step"), task == "seq2seq")
        }
    }

    func testEvaluationCountsPrecisionRecallAndSteps() {
        var e = Evaluation(classes: 3)
        // truth, predicted, step
        for (t, p, s) in [(0, 0, 0), (0, 1, 1), (1, 1, 0), (2, 1, 1), (2, 2, 2), (1, 1, 2)] {
            e.add(truth: t, predicted: p, step: s, probabilityOfTruth: 0.5)
        }
        XCTAssertEqual(e.count, 6)
        XCTAssertEqual(e.correct, 4)
        XCTAssertEqual(e.confusion, [[1, 1, 0], [0, 2, 0], [0, 1, 1]])
        XCTAssertEqual(e.precision(1)!, 0.5, accuracy: 1e-12)    // 2 of 4 predicted 1
        XCTAssertEqual(e.recall(0)!, 0.5, accuracy: 1e-12)
        XCTAssertEqual(e.recall(1)!, 1, accuracy: 1e-12)
        XCTAssertEqual(e.stepCount, [2, 2, 2])
        XCTAssertEqual(e.stepCorrect, [2, 0, 2])
        XCTAssertEqual(e.meanLoss, -log(0.5), accuracy: 1e-6)
        XCTAssertEqual(e.accuracy { $0 == 0 ? 0 : 1 }, 5.0 / 6, accuracy: 1e-12)
    }

    func testEvalRefusesDataWithOtherClassesAndMissingModels() {
        let dir = temporaryDirectory()
        XCTAssertEqual(cli(["classify", "--epochs", "1", "--quiet", "--save", dir + "/m.safetensors"]).status, 0)
        writeFile(dir + "/two.csv", "label,as_numbers\n0,1 2 3\n1,4 5\n")
        let r = cli(["eval", "--model", dir + "/m.safetensors", "--data", dir + "/two.csv"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.err.contains("the data has 2 classes, the model 6"), r.err)
        let missing = cli(["eval", "--model", dir + "/none.safetensors"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.err.contains("none.safetensors"), missing.err)
        XCTAssertEqual(cli(["eval"]).status, 64)
    }
}

/// A small XML well-formedness check: balanced and properly nested tags,
/// quoted attributes, no raw `<` or bare `&` in text or attribute values.
func assertWellFormedXML(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws {
    let b = Array(text.utf8)
    var stack: [String] = []
    var i = 0
    func fail(_ why: String) throws -> Never {
        XCTFail("not well-formed XML at byte \(i): \(why)", file: file, line: line)
        throw XCTSkip("malformed")
    }
    func checkAmp(_ j: Int) throws {
        let rest = b[j...].prefix(10)
        guard let semi = rest.firstIndex(of: UInt8(ascii: ";")) else { try fail("bare &") }
        let name = String(decoding: b[(j + 1) ..< semi], as: UTF8.self)
        guard ["amp", "lt", "gt", "quot", "apos"].contains(name) || name.hasPrefix("#") else { try fail("unknown entity &\(name);") }
    }
    var roots = 0
    while i < b.count {
        if b[i] == UInt8(ascii: "<") {
            guard let close = b[i...].firstIndex(of: UInt8(ascii: ">")) else { try fail("unclosed tag") }
            let tag = String(decoding: b[(i + 1) ..< close], as: UTF8.self)
            if tag.hasPrefix("?") {
                guard tag.hasSuffix("?") else { try fail("bad processing instruction") }
            } else if tag.hasPrefix("/") {
                guard stack.popLast() == String(tag.dropFirst()) else { try fail("mismatched </\(tag.dropFirst())>") }
            } else {
                let selfClosing = tag.hasSuffix("/")
                let body = selfClosing ? String(tag.dropLast()) : tag
                let name = String(body.prefix { $0 != " " && $0 != "\n" })
                guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == ":" }) else { try fail("bad tag name '\(name)'") }
                // Attributes: name="value" pairs.
                var rest = Substring(body.dropFirst(name.count))
                while let eq = rest.firstIndex(of: "=") {
                    let after = rest.index(after: eq)
                    guard after < rest.endIndex, rest[after] == "\"" else { try fail("unquoted attribute in <\(name)>") }
                    guard let end = rest[rest.index(after: after)...].firstIndex(of: "\"") else { try fail("unterminated attribute") }
                    let value = rest[rest.index(after: after) ..< end]
                    if value.contains("<") { try fail("raw < in attribute") }
                    rest = rest[rest.index(after: end)...]
                }
                if stack.isEmpty { roots += 1 }
                if !selfClosing { stack.append(name) }
            }
            i = close + 1
        } else {
            if b[i] == UInt8(ascii: "&") { try checkAmp(i) }
            i += 1
        }
    }
    guard stack.isEmpty else { try fail("unclosed <\(stack.last!)>") }
    guard roots == 1 else { try fail("\(roots) root elements") }
}

/// The one-time estimate of a large run: silent under an hour an epoch,
/// and over it the projected epoch and run from the first batches' rate.
final class EpochEstimateTests: XCTestCase {
    func testSpeaksOnlyPastAnHourAnEpochWithTheProjectedRun() throws {
        XCTAssertNil(EpochEstimate.line(secondsPerBatch: 0.5, batches: 7_000, epochs: 10, parameters: 1_000, memoryMB: 80))
        // 10 s a batch, 400 batches: 4,000 s (1.1 h) an epoch, 3 epochs left: 3.3 h.
        let line = try XCTUnwrap(EpochEstimate.line(secondsPerBatch: 10, batches: 400, epochs: 3, parameters: 201_000_000,
                                                    memoryMB: 4300))
        XCTAssertTrue(line.contains("about 1.1 h an epoch"), line)
        XCTAssertTrue(line.contains("3.3 h for the 3 epochs left"), line)
        XCTAssertTrue(line.contains("201,000,000 parameters"), line)
        XCTAssertNotNil(EpochEstimate.line(secondsPerBatch: 1, batches: 2, epochs: 1, parameters: 1, memoryMB: 1, threshold: 2))
        XCTAssertNil(EpochEstimate.line(secondsPerBatch: 1, batches: 1, epochs: 1, parameters: 1, memoryMB: 1, threshold: 2))
    }
}
