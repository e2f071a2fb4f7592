import XCTest
import Corpus
import RNNTrainCLI
import Model

/// The commands end to end on the committed sample and on small files.
final class CommandTests: XCTestCase {
    var sample: String { repoRoot + "/data/sample.csv" }

    func majorityShare() throws -> Double {
        let corpus = try CorpusCSV.load(path: sample, options: CSVLoadOptions()).corpus
        return Double(corpus.classCounts().max()!) / Double(corpus.count)
    }

    /// Strips the timing fields, which vary run to run.
    func withoutTimings(_ out: String) -> [String] {
        out.split(separator: "\n").filter { $0.hasPrefix("Epoch") }.map { line in
            line.components(separatedBy: " - ").filter { !$0.hasSuffix(" s") && !$0.hasSuffix("tok/s") }.joined(separator: " - ")
        }
    }

    func testClassifyBucketedBeatsTheMajorityClass() throws {
        // 8,000 training rows overfit quickly: a high learning rate, few
        // epochs, and the best test accuracy.
        let r = cli(["classify", "--data", sample, "--bucketed", "--epochs", "4", "--lr", "1e-2", "--threads", "2", "--quiet", "--report-test"])
        XCTAssertEqual(r.status, 0, r.err)
        let epochs = epochLines(r.out)
        XCTAssertEqual(epochs.count, 4)
        let majority = try majorityShare()
        let best = epochs.map(\.test).max()!
        XCTAssertGreaterThan(best, majority + 0.15, "test accuracy \(best) vs majority \(majority)")
        XCTAssertGreaterThan(epochs.last!.train, epochs.first!.train + 0.2, "training accuracy did not rise")
    }

    func testSeq2SeqBeatsTheMajorityClassPerToken() throws {
        let r = cli(["seq2seq", "--data", sample, "--bucketed", "--epochs", "3", "--lr", "3e-3", "--threads", "2", "--quiet", "--report-test"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("train acc/token"), r.out)
        let epochs = epochLines(r.out.replacingAll("acc/token", "acc"))
        XCTAssertEqual(epochs.count, 3)
        let best = epochs.map(\.test).max()!
        XCTAssertGreaterThan(best, try majorityShare() + 0.06, "per-token test accuracy \(best)")
    }

    func testSameSeedAndThreadsGiveIdenticalEpochLines() {
        let args = ["classify", "--data", sample, "--epochs", "2", "--threads", "2", "--seed", "7", "--lr", "1e-3", "--quiet"]
        let a = cli(args), b = cli(args)
        XCTAssertEqual(a.status, 0, a.err)
        XCTAssertEqual(withoutTimings(a.out), withoutTimings(b.out))
        let c = cli(args.dropLast(4) + ["8", "--lr", "1e-3", "--quiet"])
        XCTAssertNotEqual(withoutTimings(a.out), withoutTimings(c.out), "a different seed changed nothing")
    }

    func testStartupSummaryGoesToStderr() {
        let r = cli(["classify", "--data", sample, "--epochs", "1", "--threads", "1"])
        XCTAssertEqual(r.status, 0, r.err)
        for key in ["rows", "train /", "classes:", "lengths: min", "batches per epoch", "padding share"] {
            XCTAssertTrue(r.err.contains(key), "summary lacks \(key): \(r.err)")
        }
        XCTAssertFalse(r.out.contains("classes:"))
        XCTAssertFalse(r.err.contains("\r"), "progress bar drawn on a non-terminal")
    }

    func testDataErrorNamesFileLineAndValue() {
        let dir = temporaryDirectory()
        let path = dir + "/bad.csv"
        writeFile(path, "post_id,gender,age_bracket,string,as_numbers,length\n1,0,1,a b,4 5,2\n2,1,2,x y z,7 10000 3,3\n")
        let r = cli(["classify", "--data", path, "--epochs", "1"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.err.hasPrefix("error: \(path):3: token id 10000 out of range [0, 10000)"), r.err)
        XCTAssertTrue(r.out.isEmpty, "trained despite the bad row")
    }

    func testMissingFileIsADataError() {
        let r = cli(["padding-stats", "--data", "/nonexistent/x.csv"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.err.hasPrefix("error: /nonexistent/x.csv"), r.err)
    }

    /// The figures padding-stats prints agree with the data: a batch holds
    /// about 256 x the mean length in real tokens (all batches are full but
    /// an epoch's last), the share is padding / (padding + real), and
    /// bucketing cuts padding at least 3x.
    func testPaddingStatsAgreeWithTheData() throws {
        let r = cli(["padding-stats", "--data", sample])
        XCTAssertEqual(r.status, 0, r.err)
        let corpus = try CorpusCSV.load(path: sample, options: CSVLoadOptions()).corpus
        let full = 256 * Double(corpus.tokenIDs.count) / Double(corpus.count)
        func fields(_ name: String) -> [Double] {
            let line = r.out.split(separator: "\n").first { $0.hasPrefix(name + " ") }!
            return line.split(separator: " ").dropFirst().prefix(3).map { Double(String($0).replacingAll("%", "").replacingAll(",", ""))! }
        }
        for mode in ["padded", "bucketed"] {
            let f = fields(mode)
            let (padding, share, real) = (f[0], f[1] / 100, f[2])
            XCTAssertEqual(real, full, accuracy: 0.03 * full, mode)
            XCTAssertEqual(share, padding / (padding + real), accuracy: 0.0006, mode)
        }
        XCTAssertLessThan(fields("bucketed")[0] * 3, fields("padded")[0], r.out)
    }

    func testSynthRegeneratesTheCommittedSampleAtomically() throws {
        let dir = temporaryDirectory()
        let out = dir + "/sample.csv"
        let r = cli(["synth", "--out", out])
        XCTAssertEqual(r.status, 0, r.err)
        let made = try CorpusCSV.load(path: out, options: CSVLoadOptions())
        let committed = try CorpusCSV.load(path: sample, options: CSVLoadOptions())
        XCTAssertEqual(made.bytesRead, committed.bytesRead)
        XCTAssertEqual(made.corpus.tokenIDs, committed.corpus.tokenIDs)
        XCTAssertEqual(made.corpus.labels, committed.corpus.labels)
        let bad = cli(["synth", "--out", dir + "/missing-folder/x.csv"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.err.contains("missing-folder"), bad.err)
        XCTAssertFalse(fileExists(dir + "/missing-folder"))
    }

    func testDefaultDataIsTheBuiltInSample() {
        let r = cli(["padding-stats", "--batches", "10"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.err.contains("built-in sample"), r.err)
    }
}

extension String {
    func replacingAll(_ a: String, _ b: String) -> String { components(separatedBy: a).joined(separator: b) }
}

/// Saving and resuming through the CLI.
final class CheckpointCommandTests: XCTestCase {
    func epochs(_ out: String) -> [String] {
        out.split(separator: "\n").filter { $0.hasPrefix("Epoch") }.map { line in
            line.components(separatedBy: " - ").filter { !$0.hasSuffix(" s") && !$0.hasSuffix("tok/s") }.joined(separator: " - ")
        }
    }

    func testSixEpochsEqualThreeResumedForThree() {
        let dir = temporaryDirectory()
        let common = ["--epochs", "6", "--lr", "3e-3", "--threads", "2", "--quiet", "--bucketed"]
        let full = cli(["seq2seq"] + common)
        XCTAssertEqual(full.status, 0, full.err)
        let half = cli(["seq2seq", "--epochs", "3", "--lr", "3e-3", "--threads", "2", "--quiet", "--bucketed", "--save", dir + "/m.safetensors"])
        XCTAssertEqual(half.status, 0, half.err)
        let rest = cli(["seq2seq"] + common + ["--resume", dir + "/m.safetensors"])
        XCTAssertEqual(rest.status, 0, rest.err)
        XCTAssertEqual(epochs(rest.out), Array(epochs(full.out)[3...]))
        XCTAssertTrue(epochs(rest.out).first?.hasPrefix("Epoch 4/6") ?? false)
    }

    func testResumeWithAnotherArchitectureIsRefused() {
        let dir = temporaryDirectory()
        XCTAssertEqual(cli(["classify", "--epochs", "1", "--quiet", "--save", dir + "/m.safetensors"]).status, 0)
        let r = cli(["classify", "--epochs", "2", "--hidden", "32", "--resume", dir + "/m.safetensors"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.err.contains("checkpoint does not match this run (checkpoint vs run: hidden 64 vs 32)"), r.err)
        XCTAssertTrue(r.out.isEmpty)
    }

    /// --save-best keeps the epoch of lowest validation loss, also with no
    /// test rows (it used to keep epoch 1 then), and is refused without
    /// validation rows.
    func testSaveBestKeepsTheBestEpochAndBadPathsFailBeforeTraining() throws {
        let dir = temporaryDirectory()
        let r = cli(["classify", "--epochs", "4", "--lr", "1e-2", "--threads", "2", "--save", dir + "/best.safetensors", "--save-best",
                     "--test-fraction", "0"])
        XCTAssertEqual(r.status, 0, r.err)
        let losses = epochLines(r.out).map(\.valLoss)
        let best = losses.firstIndex(of: losses.min()!)! + 1
        XCTAssertNotEqual(best, 1, "the losses \(losses) do not tell the old bug apart")
        let saved = try Checkpoint.read(path: dir + "/best.safetensors").record(path: "best").progress
        XCTAssertEqual(saved.epoch, best)
        XCTAssertEqual(saved.bestValLoss.map { rounded4($0) }, rounded4(losses.min()!))
        let none = cli(["classify", "--epochs", "1", "--save", dir + "/m.safetensors", "--save-best", "--val-fraction", "0"])
        XCTAssertEqual(none.status, 64)
        XCTAssertTrue(none.err.contains("--save-best selects on the validation loss, and this run has no validation rows"), none.err)
        XCTAssertFalse(fileExists(dir + "/m.safetensors"))
        let bad = cli(["classify", "--epochs", "1", "--save", dir + "/no-such-folder/m.safetensors"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.err.contains("no-such-folder does not exist"), bad.err)
        XCTAssertTrue(bad.out.isEmpty, "trained before refusing the path")
    }

    /// A resumed --save-best run knows the best epoch before the resume, so
    /// a worse later epoch never replaces it.
    func testSaveBestRemembersTheBestAcrossAResume() throws {
        let dir = temporaryDirectory()
        let common = ["classify", "--lr", "2e-2", "--threads", "2", "--quiet", "--save", dir + "/best.safetensors", "--save-best"]
        let first = cli(common + ["--epochs", "2"])
        XCTAssertEqual(first.status, 0, first.err)
        let second = cli(common + ["--epochs", "5", "--resume", dir + "/best.safetensors"])
        XCTAssertEqual(second.status, 0, second.err)
        let saved = try Checkpoint.read(path: dir + "/best.safetensors").record(path: "best").progress
        // The resumed run starts after the best epoch of the first, and
        // prints the epochs from there to 5.
        let firstLosses = epochLines(first.out).map(\.valLoss)
        let resumedFrom = firstLosses.firstIndex(of: firstLosses.min()!)! + 1
        let resumedLines = epochLines(second.out)
        XCTAssertEqual(resumedLines.map(\.epoch), Array(resumedFrom + 1 ... 5))
        let all = Array(firstLosses[..<resumedFrom]) + resumedLines.map(\.valLoss)
        let best = all.firstIndex(of: all.min()!)! + 1
        XCTAssertEqual(saved.epoch, best, "validation losses \(all)")
        XCTAssertEqual(saved.bestValLoss.map { rounded4($0) }, rounded4(all.min()!))
    }
}

/// A loss as the epoch lines print it (4 decimals), for comparing with a record's exact value.
func rounded4(_ x: Double) -> Double { (x * 10_000).rounded() / 10_000 }
