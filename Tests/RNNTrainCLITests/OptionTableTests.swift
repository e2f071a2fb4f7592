import XCTest
import RNNTrainCLI

/// The option table: every option is declared once (name, kind, default,
/// help), and parsing, defaults and --help all come from it.
final class OptionTableTests: XCTestCase {
    /// A default that its own option would refuse (out of range, not one of
    /// the choices, not a number) is a bug in the table.
    func testEveryDeclaredDefaultIsAValueItsOptionAccepts() throws {
        for command in RNNTrain.commandNames {
            let specs = try XCTUnwrap(RNNTrain.optionSpecs(for: command))
            let o = try ParsedOptions.parse([], specs: specs)
            for spec in specs {
                guard let value = spec.defaultValue else { continue }
                let given = try ParsedOptions.parse([spec.name, value], specs: specs)
                let what = "\(command) \(spec.name) \(value)"
                switch spec.kind {
                case .flag: XCTFail("\(what): a flag has no default")
                case .int:
                    XCTAssertEqual(try given.optionalInt(spec.name), try o.optionalInt(spec.name), what)
                case .number:
                    XCTAssertEqual(try given.optionalDouble(spec.name), try o.optionalDouble(spec.name), what)
                case .seed: XCTAssertEqual(try given.seed(spec.name), try o.seed(spec.name), what)
                case .choice: XCTAssertEqual(try given.choice(spec.name), value, what)
                case .text: XCTAssertEqual(given.string(spec.name), value, what)
                }
            }
        }
    }

    func testNamesAndEarlierNamesAreUniqueWithinACommand() throws {
        for command in RNNTrain.commandNames {
            let specs = try XCTUnwrap(RNNTrain.optionSpecs(for: command))
            let names = specs.flatMap { [$0.name] + $0.aliases } + ["--help"]
            XCTAssertEqual(Set(names).count, names.count, "\(command): \(names.sorted())")
        }
    }

    /// The value given wins, then a resumed run's recorded value, then the
    /// declared default; ranges are checked on given values only.
    func testGetterOrderGivenThenRecordedThenDefault() throws {
        let specs = try XCTUnwrap(RNNTrain.optionSpecs(for: "classify"))
        let none = try ParsedOptions.parse([], specs: specs)
        XCTAssertEqual(try none.int("--epochs"), 10)
        XCTAssertEqual(try none.int("--epochs", recorded: 7), 7)
        XCTAssertEqual(try none.optionalInt("--early-stop"), nil)
        XCTAssertEqual(try none.optionalDouble("--clip"), nil)
        XCTAssertEqual(try none.choice("--cell"), "gru")
        let given = try ParsedOptions.parse(["--epochs=3", "--cell", "lstm"], specs: specs)
        XCTAssertEqual(try given.int("--epochs", recorded: 7), 3)
        XCTAssertEqual(try given.choice("--cell", recorded: "rnn"), "lstm")
        XCTAssertTrue(given.has("--epochs"))
        XCTAssertFalse(none.has("--epochs"), "a default is not a given value")
    }

    /// A command's own default for a shared option (count-ones' LSTM,
    /// charlm's 3 layers) comes from its table, and --help shows it.
    func testCommandsDeclareTheirOwnDefaults() throws {
        let count = try ParsedOptions.parse([], specs: XCTUnwrap(RNNTrain.optionSpecs(for: "count-ones")))
        XCTAssertEqual(try count.choice("--cell"), "lstm")
        XCTAssertEqual(try count.int("--batch-size"), 50)
        XCTAssertEqual(try count.choice("--optimizer"), "rmsprop")
        let charlm = try ParsedOptions.parse([], specs: XCTUnwrap(RNNTrain.optionSpecs(for: "charlm")))
        XCTAssertEqual(try charlm.int("--layers"), 3)
        XCTAssertEqual(try charlm.optionalInt("--embed"), nil, "charlm's E is H unless given")
        let help = cli(["count-ones", "--help"]).out
        let line = help.split(separator: "\n").first { $0.hasPrefix("  --cell ") }
        XCTAssertTrue(line?.hasSuffix("(default: lstm)") ?? false, String(line ?? ""))
    }

    /// `--steps` meant the window in charlm and the step limit in
    /// count-ones; each now has its own name, and the old one still works.
    func testEarlierNamesStillParse() throws {
        let charlm = try XCTUnwrap(RNNTrain.optionSpecs(for: "charlm"))
        let o = try ParsedOptions.parse(["--steps", "25"], specs: charlm)
        XCTAssertEqual(try o.int("--window"), 25)
        XCTAssertTrue(o.has("--window"))
        let count = try XCTUnwrap(RNNTrain.optionSpecs(for: "count-ones"))
        XCTAssertEqual(try ParsedOptions.parse(["--steps=40"], specs: count).int("--max-steps"), 40)
        let help = cli(["charlm", "--help"]).out
        XCTAssertTrue(help.contains("--window N") && help.contains("also --steps, its earlier name"), help)
    }
}
