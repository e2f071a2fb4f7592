import XCTest
import Foundation
import Model
import TensorCore
import RNNTrainCLI

/// The built executable as users run it: exit codes of the real process and
/// OpenBLAS's kernel choice (the binary re-executes itself with
/// OPENBLAS_CORETYPE on AVX-512 CPUs that OpenBLAS 0.3.21 misdetects).
final class BinaryTests: XCTestCase {
    var binary: String { repoRoot + "/.build/release/rnntrain" }

    func run(_ args: [String], environment: [String: String]? = nil) throws -> (Int32, String, String) {
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw XCTSkip("no release binary (run make build)") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "OPENBLAS_CORETYPE")
        for (k, v) in environment ?? [:] { env[k] = v }
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    func testExitCodesOfTheProcess() throws {
        XCTAssertEqual(try run(["--version"]).0, 0)
        XCTAssertEqual(try run(["classify", "--bukceted"]).0, 64)
        XCTAssertEqual(try run(["classify", "--data", "/nonexistent.csv"]).0, 1)
    }

    /// The core named by `--version`'s `core NAME (` part.
    func reportedCore(_ out: String) -> String? {
        guard let r = out.range(of: "core ") else { return nil }
        let name = out[r.upperBound...].prefix { $0 != " " && $0 != "\n" }
        return name.isEmpty ? nil : String(name)
    }

    /// The real binary runs a core at least as capable as this CPU allows,
    /// without the user exporting anything; a user's own choice stays.
    func testVersionNamesTheBLASCore() throws {
        let (status, out, _) = try run(["--version"])
        XCTAssertEqual(status, 0)
        let core = try XCTUnwrap(reportedCore(out), out)
        let allowed = BLASCoreChoice.best(for: .current)?.core ?? "Prescott"
        XCTAssertGreaterThanOrEqual(BLASCoreChoice.rank(core), BLASCoreChoice.rank(allowed), out)
        XCTAssertNotEqual(core, "unknown", out)
        let forced = try run(["--version"], environment: ["OPENBLAS_CORETYPE": "Prescott"])
        XCTAssertEqual(reportedCore(forced.1), "Prescott", forced.1)
    }

    /// Where OpenBLAS reports a weaker core than the CPU runs (stood in for
    /// by RNNTRAIN_TEST_OPENBLAS_REPORTS), the binary re-executes once with
    /// the better core, and the new process says why.
    func testReExecutesWithTheCoreTheCPUAllows() throws {
        guard let best = BLASCoreChoice.best(for: .current) else { throw XCTSkip("CPU without AVX2") }
        let (status, out, _) = try run(["--version"], environment: ["RNNTRAIN_TEST_OPENBLAS_REPORTS": "Prescott"])
        XCTAssertEqual(status, 0)
        XCTAssertEqual(reportedCore(out), best.core, out)
        XCTAssertTrue(out.contains("OpenBLAS reported Prescott"), out)
    }

    /// Ctrl-C during training: the run finishes its batch, writes the
    /// checkpoint, says where it is, and exits 130; resuming from it prints
    /// the same epoch lines as a run that was never interrupted.
    func testSIGINTLeavesALoadableCheckpointThatResumesExactly() throws {
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw XCTSkip("no release binary (run make build)") }
        let dir = temporaryDirectory()
        let ckpt = dir + "/m.safetensors"
        let args = ["classify", "--synth-rows", "60000", "--bucketed", "--epochs", "3", "--threads", "2", "--lr", "1e-3"]
        // The checkpoint appears after epoch 1; interrupt epoch 2.
        let (status, stdout, stderr) = try interruptOnceSaved(args + ["--save", ckpt], checkpoint: ckpt)
        XCTAssertEqual(status, 130, stderr)
        XCTAssertTrue(stderr.contains("interrupted in epoch "), stderr)
        XCTAssertTrue(stderr.contains("saved \(ckpt): continue with --resume \(ckpt)"), stderr)
        let saved = try Checkpoint.read(path: ckpt).record(path: ckpt).progress
        XCTAssertNotNil(saved.partial, "the interrupted epoch's position is saved")
        XCTAssertEqual(epochs(stdout).count, saved.epoch)

        let resumed = try run(args + ["--resume", ckpt, "--quiet"])
        XCTAssertEqual(resumed.0, 0, resumed.2)
        let whole = try run(args + ["--quiet"])
        XCTAssertEqual(epochs(stdout) + epochs(resumed.1), epochs(whole.1))
    }

    /// Starts the binary, sends SIGINT as soon as `checkpoint` exists (the
    /// first epoch is saved), and returns the exit status and streams.
    func interruptOnceSaved(_ args: [String], checkpoint: String) throws -> (Int32, String, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let deadline = Date().addingTimeInterval(120)
        while !fileExists(checkpoint) && p.isRunning && Date() < deadline { usleep(2_000) }
        XCTAssertTrue(p.isRunning, "finished before it could be interrupted")
        kill(p.processIdentifier, SIGINT)
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    /// Epoch lines without the timing fields.
    func epochs(_ out: String) -> [String] {
        out.split(separator: "\n").filter { $0.hasPrefix("Epoch") }.map { line in
            line.components(separatedBy: " - ").filter { !$0.hasSuffix(" s") && !$0.hasSuffix("tok/s") }.joined(separator: " - ")
        }
    }
}
