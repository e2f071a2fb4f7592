import XCTest
import RNNTrainCLI

/// Help, unknown options with suggestions, malformed values and exit codes.
final class UsageTests: XCTestCase {
    func testMainHelpListsCommands() {
        let r = cli(["--help"])
        XCTAssertEqual(r.status, 0)
        for c in ["classify", "seq2seq", "padding-stats", "synth"] { XCTAssertTrue(r.out.contains("  \(c)"), c) }
    }

    func testNoArgumentsIsUsageError() {
        let r = cli([])
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.err.hasPrefix("usage: rnntrain"))
    }

    func testCommandHelpListsEveryOptionWithDefault() {
        let r = cli(["classify", "--help"])
        XCTAssertEqual(r.status, 0)
        for (option, def) in [("--epochs N", "10"), ("--batch-size N", "256"), ("--embed N", "64"), ("--hidden N", "64"),
                              ("--lr X", "1e-3 for adam, 0.01 for rmsprop and sgd"), ("--cell KIND", "gru"), ("--layers N", "1"), ("--keep-prob P", "0.6"), ("--buckets N", "5"),
                              ("--test-fraction F", "0.2"), ("--val-fraction F", "0.1"), ("--seed N", "1"), ("--max-len N", "30"),
                              ("--vocab-size N", "10000, or the --vocab line count")] {
            let line = r.out.split(separator: "\n").first { $0.contains(option) }
            XCTAssertNotNil(line, option)
            XCTAssertTrue(line?.contains("(default: \(def))") ?? false, "\(option): \(line ?? "")")
        }
        for o in ["--bucketed", "--threads", "--data", "--clip", "--bidirectional", "--pool", "--optimizer", "--layer-keep"] { XCTAssertTrue(r.out.contains(o), o) }
    }

    func testUnknownOptionSuggestsTheClosest() {
        let r = cli(["classify", "--bukceted"])
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.err.hasPrefix("error: unknown option --bukceted. Did you mean --bucketed?\n"), r.err)
        XCTAssertTrue(r.out.isEmpty)
    }

    func testUnknownOptionFarFromAllHasNoSuggestion() {
        let r = cli(["seq2seq", "--zzzzzzzz"])
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.err.hasPrefix("error: unknown option --zzzzzzzz\n"), r.err)
    }

    func testUnknownCommandSuggests() {
        let r = cli(["clasify"])
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.err.contains("unknown command 'clasify'. Did you mean classify?"), r.err)
    }

    func testMalformedAndMissingValuesNameTheOption() {
        let cases: [([String], String)] = [
            (["classify", "--epochs", "ten"], "option --epochs expects a whole number from 1 to 1000000, got 'ten'"),
            (["classify", "--epochs", "0"], "option --epochs expects a whole number from 1 to 1000000, got 0"),
            (["classify", "--epochs"], "option --epochs expects a value (N)"),
            (["classify", "--lr", "-1"], "option --lr expects a number > 0 and <= 10, got -1"),
            (["classify", "--keep-prob", "1.5"], "option --keep-prob expects a number > 0 and <= 1, got 1.5"),
            (["classify", "--batch-size=0"], "option --batch-size expects a whole number from 1 to 1000000, got 0"),
            (["classify", "--bucketed=yes"], "option --bucketed takes no value"),
            (["classify", "extra"], "unexpected argument 'extra'"),
            (["padding-stats", "--batches", "x"], "option --batches expects a whole number from 1 to 10000000, got 'x'"),
            (["synth", "--rows", "5"], "option --out is required (the CSV file to write)"),
        ]
        for (args, message) in cases {
            let r = cli(args)
            XCTAssertEqual(r.status, 64, "\(args)")
            XCTAssertTrue(r.err.hasPrefix("error: \(message)\n"), "\(args): \(r.err)")
        }
    }

    func testEditDistanceCountsTranspositions() {
        XCTAssertEqual(editDistance("--bukceted", "--bucketed"), 1)   // "kc" <-> "ck"
        XCTAssertEqual(editDistance("--bukcetd", "--bucketed"), 2)
        XCTAssertEqual(editDistance("abc", "acb"), 1)
        XCTAssertEqual(editDistance("", "abc"), 3)
        XCTAssertEqual(suggestion(for: "--epoch", among: ["--epochs", "--seed"]), "--epochs")
    }
}
