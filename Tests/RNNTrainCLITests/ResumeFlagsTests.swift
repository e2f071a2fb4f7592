import XCTest
import RNNTrainCLI

/// Rerunning the original command with --resume: its --embeddings is
/// accepted when it is the file the run started from; another is refused,
/// naming both.
final class ResumeFlagsTests: XCTestCase {
    func testTheOriginalEmbeddingsFlagIsAcceptedOnResume() {
        let dir = temporaryDirectory()
        writeFile(dir + "/v.vec", "1 8\nthe 0.5 -0.25 0.125 1 2 3 4 5\n")
        writeFile(dir + "/w.vec", "1 8\nand 1 1 1 1 1 1 1 1\n")
        let command = ["classify", "--synth-rows", "600", "--embed", "8", "--hidden", "8", "--embeddings", dir + "/v.vec",
                       "--save", dir + "/m.safetensors", "--quiet"]
        let first = cli(command + ["--epochs", "1"])
        XCTAssertEqual(first.status, 0, first.err)
        let again = cli(command + ["--epochs", "2", "--resume", dir + "/m.safetensors"])
        XCTAssertEqual(again.status, 0, again.err)
        XCTAssertEqual(epochLines(again.out).map(\.epoch), [2])
        var other = command
        other[other.firstIndex(of: dir + "/v.vec")!] = dir + "/w.vec"
        let refused = cli(other + ["--epochs", "3", "--resume", dir + "/m.safetensors"])
        XCTAssertEqual(refused.status, 64)
        XCTAssertTrue(refused.err.hasPrefix("error: option --embeddings \(dir)/w.vec is not the file this run started from (\(dir)/v.vec); "),
                      refused.err)
    }
}
