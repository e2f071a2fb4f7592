import XCTest
import RNNTrainCLI
#if canImport(Glibc)
import Glibc
#endif

/// Without a terminal, a long epoch prints plain progress lines at most every
/// RNNTRAIN_PROGRESS_SECONDS (30 by default); --quiet prints none.
final class ProgressLogTests: XCTestCase {
    func testProgressLinesInALogAtMostEveryInterval() {
        setenv("RNNTRAIN_PROGRESS_SECONDS", "0.000001", 1)
        defer { unsetenv("RNNTRAIN_PROGRESS_SECONDS") }
        let args = ["classify", "--synth-rows", "600", "--batch-size", "50", "--epochs", "1", "--hidden", "8", "--embed", "8",
                    "--val-fraction", "0", "--test-fraction", "0.2"]
        let r = cli(args)
        XCTAssertEqual(r.status, 0, r.err)
        // 480 training rows: 10 batches; a line after each but the last (the epoch line ends it).
        let lines = r.err.split(separator: "\n").filter { $0.hasPrefix("Epoch 1/1: batch ") }
        XCTAssertEqual(lines.map { $0.components(separatedBy: " - ")[0] },
                       (1 ... 9).map { "Epoch 1/1: batch \($0)/10" })
        XCTAssertTrue(lines.allSatisfy { $0.contains(" tok/s - ETA ") }, lines.joined(separator: "\n"))
        XCTAssertFalse(r.err.contains("\r"))
        XCTAssertFalse(cli(args + ["--quiet"]).err.contains("Epoch 1/1: batch"))
        setenv("RNNTRAIN_PROGRESS_SECONDS", "0", 1)
        XCTAssertFalse(cli(args).err.contains("Epoch 1/1: batch"))
    }
}
