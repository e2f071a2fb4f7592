import XCTest
import Corpus
import Model
import TensorCore
import RNNTrainCLI
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `rnntrain charlm` and `rnntrain generate` end to end on a small text the
/// test writes: epoch lines that agree with the metrics file, a resumed run
/// equal to an uninterrupted one, reproducible generation, and the errors.
final class CharLMCommandTests: XCTestCase {
    static let dir = temporaryDirectory()
    static let textPath: String = {
        var rng = RNG(seed: 4)
        let words = ["the", "king", "queen", "shall", "not", "speak", "of", "love", "and", "death", "my", "lord", "é"]
        var text = ""
        for line in 0 ..< 150 {
            text += (line % 5 == 0 ? "ROMEO:\n" : "")
            text += (0 ..< 6).map { _ in words[rng.below(words.count)] }.joined(separator: " ") + ".\n"
        }
        let path = dir + "/text.txt"
        writeFile(path, text)
        return path
    }()
    static let base = ["charlm", "--text", textPath, "--batch-size", "4", "--window", "20", "--layers", "2", "--hidden", "16",
                       "--lr", "1e-2", "--threads", "2", "--sample-length", "30", "--layer-keep", "0.9"]

    /// Epoch lines without the timing fields.
    func figures(_ out: String) -> [String] {
        out.split(separator: "\n").filter { $0.hasPrefix("Epoch") }.map { line in
            line.components(separatedBy: " - ").filter { !$0.hasSuffix(" s") && !$0.hasSuffix("chars/s") }.joined(separator: " - ")
        }
    }

    func testTrainsSavesResumesAndGenerates() throws {
        let model = Self.dir + "/m.safetensors", metrics = Self.dir + "/m.jsonl", plot = Self.dir + "/m.svg"
        let two = cli(Self.base + ["--epochs", "2", "--save", model, "--metrics", metrics, "--plot", plot])
        XCTAssertEqual(two.status, 0, two.err)
        XCTAssertEqual(figures(two.out).count, 2)
        XCTAssertEqual(two.out.split(separator: "\n").filter { $0.hasPrefix("  sample: ") }.count, 2)
        // The metrics lines carry the printed losses; bpc and perplexity follow from them.
        let records = try MetricsFile.read(path: metrics)
        for (line, r) in zip(two.out.split(separator: "\n").filter { $0.hasPrefix("Epoch") }, records) {
            let f = line.components(separatedBy: " - ")
            func value(_ name: String) -> Double { Double(f.first { $0.hasPrefix(name + " ") }!.split(separator: " ").last!)! }
            XCTAssertEqual(value("loss"), r.trainLoss, accuracy: 5e-5)
            XCTAssertEqual(value("val loss"), r.valLoss!, accuracy: 5e-5)
            XCTAssertEqual(value("bpc"), r.trainLoss / log(2.0), accuracy: 5e-5)
            XCTAssertEqual(value("val ppl"), exp(r.valLoss!), accuracy: 5e-3)
        }
        XCTAssertLessThan(records[1].trainLoss, records[0].trainLoss)
        XCTAssertTrue(try String(contentsOfFile: plot, encoding: .utf8).contains("<svg"))

        // One epoch saved, then resumed for the second: the same figures.
        let first = Self.dir + "/one.safetensors"
        XCTAssertEqual(cli(Self.base + ["--epochs", "1", "--save", first, "--quiet"]).status, 0)
        let resumed = cli(["charlm", "--text", Self.textPath, "--resume", first, "--epochs", "2", "--threads", "2", "--sample-length", "30", "--quiet"])
        XCTAssertEqual(resumed.status, 0, resumed.err)
        XCTAssertEqual(figures(resumed.out), Array(figures(two.out).suffix(1)))

        // Same seed, same text; the prime is printed first.
        let g1 = cli(["generate", "--model", model, "--prime", "ROMEO:", "--length", "80", "--temperature", "0.8", "--seed", "3"])
        XCTAssertEqual(g1.status, 0, g1.err)
        XCTAssertTrue(g1.out.hasPrefix("ROMEO:"))
        XCTAssertEqual(g1.out.unicodeScalars.count, 6 + 80 + 1)
        XCTAssertEqual(cli(["generate", "--model", model, "--prime", "ROMEO:", "--length", "80", "--temperature", "0.8", "--seed", "3"]).out, g1.out)
        XCTAssertNotEqual(cli(["generate", "--model", model, "--prime", "ROMEO:", "--length", "80", "--temperature", "0.8", "--seed", "4"]).out, g1.out)
        // The printed distribution sums to 1, and greedy text follows its arg-max.
        let probs = cli(["generate", "--model", model, "--prime", "the ki", "--probabilities"])
        let rows = probs.out.split(separator: "\n").map { $0.split(separator: "\t") }
        XCTAssertEqual(rows.map { Double($0.last!)! }.reduce(0, +), 1, accuracy: 1e-5)
        let best = rows.max { Double($0.last!)! < Double($1.last!)! }!
        let greedy = cli(["generate", "--model", model, "--prime", "the ki", "--length", "1", "--temperature", "0"])
        let next = greedy.out.unicodeScalars[greedy.out.unicodeScalars.index(greedy.out.unicodeScalars.startIndex, offsetBy: 6)]
        XCTAssertEqual(CharVocabulary.describe(next), String(best[1]), probs.out)
    }

    /// charlm's metrics lines and checkpoints keep its validation figures
    /// as validation (no test keys: there is no test text); lines and
    /// checkpoints of the earlier layout, with them under test, are read
    /// as validation by every reader (plot, resume).
    func testValidationFiguresAreStoredAsValidation() throws {
        let model = Self.dir + "/val.safetensors", metrics = Self.dir + "/val.jsonl"
        let r = cli(Self.base + ["--epochs", "1", "--save", model, "--metrics", metrics, "--quiet"])
        XCTAssertEqual(r.status, 0, r.err)
        let text = try String(contentsOfFile: metrics, encoding: .utf8)
        XCTAssertTrue(text.contains("\"val_loss\":") && text.contains("\"val_accuracy\":"), text)
        XCTAssertFalse(text.contains("test_"), text)
        let record = try XCTUnwrap(MetricsFile.read(path: metrics).first)
        XCTAssertNotNil(record.valLoss)
        XCTAssertNil(record.testLoss)
        let progress = try Checkpoint.read(path: model).record(path: model).progress
        XCTAssertEqual(try XCTUnwrap(progress.valAccuracy), try XCTUnwrap(record.valAccuracy), accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(progress.valLoss), try XCTUnwrap(record.valLoss), accuracy: 1e-12)
        XCTAssertNil(progress.testAccuracy)

        let old = Self.dir + "/old.jsonl"
        writeFile(old, """
            {"run":"charlm","epoch":1,"train_loss":3.1,"train_accuracy":0.2,"test_loss":2.9,"test_accuracy":0.25,"seconds":1,"tokens_per_second":9,"learning_rate":0.001,"task":"charlm","batching":"streams","batch_size":4}
            {"run":"classify bucketed","epoch":1,"train_loss":1.7,"train_accuracy":0.2,"test_loss":1.6,"test_accuracy":0.3,"seconds":1,"tokens_per_second":9,"learning_rate":0.001,"task":"classify","batching":"bucketed 5","batch_size":256}

            """)
        let read = try MetricsFile.read(path: old)
        XCTAssertEqual(read[0].valLoss, 2.9)
        XCTAssertEqual(read[0].valAccuracy, 0.25)
        XCTAssertNil(read[0].testLoss)
        XCTAssertEqual(read[1].testLoss, 1.6, "a classify line keeps its test figures")
        XCTAssertNil(read[1].valLoss)
        let svg = Self.dir + "/old.svg"
        let plot = cli(["plot", old, "--out", svg])
        XCTAssertEqual(plot.status, 0, plot.err)
        let drawn = try String(contentsOfFile: svg, encoding: .utf8)
        XCTAssertTrue(drawn.contains("data-run=\"charlm\" data-kind=\"val\""), drawn)
        XCTAssertFalse(drawn.contains("data-run=\"charlm\" data-kind=\"test\""), drawn)
    }

    func testRefusesBadInputClearly() throws {
        let empty = Self.dir + "/empty.txt", latin1 = Self.dir + "/latin1.txt", short = Self.dir + "/short.txt"
        writeFile(empty, "")
        writeFile(short, "just a few words\n")
        FileManager.default.createFile(atPath: latin1, contents: Data("first line\ncaf".utf8 + [0xE9] + Data(" au lait\n".utf8)))
        let e = cli(["charlm", "--text", empty])
        XCTAssertEqual(e.status, 1)
        XCTAssertTrue(e.err.contains("\(empty): the text is empty"), e.err)
        let l = cli(["charlm", "--text", latin1])
        XCTAssertEqual(l.status, 1)
        XCTAssertTrue(l.err.contains("\(latin1):2: not UTF-8 (byte 0xE9 at offset 14)"), l.err)
        let s = cli(["charlm", "--text", short])
        XCTAssertEqual(s.status, 1)
        XCTAssertTrue(s.err.contains("lower --batch-size or --window"), s.err)
        XCTAssertEqual(cli(["charlm", "--text", Self.textPath, "--bidirectional"]).status, 64)
        XCTAssertEqual(cli(["charlm", "--text", Self.textPath, "--save-best"]).status, 64)

        let model = Self.dir + "/bad-input.safetensors"
        XCTAssertEqual(cli(Self.base + ["--epochs", "1", "--save", model, "--quiet"]).status, 0)
        let other = cli(["charlm", "--text", Self.textPath, "--resume", model, "--epochs", "2", "--hidden", "32", "--layers", "2"])
        XCTAssertEqual(other.status, 64)
        XCTAssertTrue(other.err.contains("(flags vs checkpoint: hidden 32 vs 16)"), other.err)
        let unknown = cli(["generate", "--model", model, "--prime", "ROMEO: Zzz"])
        XCTAssertEqual(unknown.status, 64)
        XCTAssertTrue(unknown.err.contains("the prime's character 'Z' (U+005A) at position 8 is not one the model knows"), unknown.err)
        XCTAssertEqual(unknown.out, "")
        // classify's commands refuse a character model, and generate a classifier.
        for command in [["eval", "--model", model], ["predict", "--model", model, "--ids", "1 2"]] {
            let r = cli(command)
            XCTAssertEqual(r.status, 1)
            XCTAssertTrue(r.err.contains("a character language model (rnntrain charlm) predicts characters"), r.err)
        }
        let classifier = Self.dir + "/classify.safetensors"
        XCTAssertEqual(cli(["classify", "--synth-rows", "300", "--epochs", "1", "--save", classifier, "--quiet"]).status, 0)
        let g = cli(["generate", "--model", classifier])
        XCTAssertEqual(g.status, 1)
        XCTAssertTrue(g.err.contains("not a character language model"), g.err)
    }
}

extension BinaryTests {
    /// Ctrl-C in the middle of a charlm epoch: the run saves its window
    /// position, sums and carried state, exits 130, and resuming prints the
    /// epoch lines of a run that was never interrupted.
    func testCharLMInterruptedMidEpochResumesExactly() throws {
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw XCTSkip("no release binary (run make build)") }
        let dir = temporaryDirectory()
        var rng = RNG(seed: 8)
        let words = ["to", "be", "or", "not", "that", "is", "the", "question", "whether", "tis", "nobler", "mind"]
        writeFile(dir + "/t.txt", (0 ..< 12_000).map { _ in words[rng.below(words.count)] }.joined(separator: " "))
        let ckpt = dir + "/c.safetensors"
        let args = ["charlm", "--text", dir + "/t.txt", "--batch-size", "8", "--window", "25", "--layers", "1", "--hidden", "48",
                    "--epochs", "3", "--threads", "2", "--lr", "3e-3", "--sample-length", "20"]
        let (status, stdout, stderr) = try interruptOnceSaved(args + ["--save", ckpt], checkpoint: ckpt)
        XCTAssertEqual(status, 130, stderr)
        XCTAssertTrue(stderr.contains("interrupted in epoch 2, after window "), stderr)
        let checkpoint = try Checkpoint.read(path: ckpt)
        XCTAssertNotNil(try checkpoint.record(path: ckpt).progress.partial)
        XCTAssertEqual(checkpoint.tensors["charlm.state.h"]?.shape, [1, 8, 48])

        let resumed = try run(args + ["--resume", ckpt, "--quiet"])
        XCTAssertEqual(resumed.0, 0, resumed.2)
        let whole = try run(args + ["--quiet"])
        func figures(_ s: String) -> [String] {
            s.split(separator: "\n").filter { $0.hasPrefix("Epoch") || $0.hasPrefix("  sample") }.map { line in
                line.components(separatedBy: " - ").filter { !$0.hasSuffix(" s") && !$0.hasSuffix("chars/s") }.joined(separator: " - ")
            }
        }
        XCTAssertEqual(figures(stdout) + figures(resumed.1), figures(whole.1))
    }
}
