import XCTest
import Foundation
import TensorCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The README's examples, and those of every `docs/*.md`, are real output of
/// the current code: every `$ command` in their fenced blocks runs (a
/// document's examples in order, in one scratch folder of its own, with the
/// release binary as `rnntrain`) and must print what the document shows,
/// timings aside (see `ReadmeExamples.swift` for the rules). A failure names
/// the document and line (`docs/training.md:120`).
///
/// After a change of behaviour, `RNNTRAIN_README_UPDATE=1` rewrites the
/// output lines whose figures changed, in whichever document holds them,
/// with the fresh output wherever the words still match (lines that differ
/// only in timings stay), so only changed wording needs a hand edit.
final class ReadmeTests: XCTestCase {
    var binary: String { repoRoot + "/.build/release/rnntrain" }

    /// The checked documents, relative to the repository: README.md, then
    /// docs/*.md in name order.
    static func documents() throws -> [String] {
        let docs = try FileManager.default.contentsOfDirectory(atPath: repoRoot + "/docs")
            .filter { $0.hasSuffix(".md") }.sorted().map { "docs/" + $0 }
        return ["README.md"] + docs
    }

    /// Examples checked over all documents: this number may grow, never drop.
    static let minimumExampleCount = 50

    func testTheReadmeExamplesPrintWhatTheReadmeShows() throws {
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw XCTSkip("no release binary (run make build)") }
        let update = ProcessInfo.processInfo.environment["RNNTRAIN_README_UPDATE"] == "1"
        // Every register family this CPU runs prints the documents' figures
        // (they compute the same bits); an update is written from one.
        let families = update ? [KernelFamily.widestSupported] : KernelFamily.supported.filter { $0 != .blas }
        var total = 0
        for document in try Self.documents() {
            let path = repoRoot + "/" + document
            let text = try String(contentsOfFile: path, encoding: .utf8)
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let examples = ReadmeParser.examples(in: text)
            total += examples.count
            for family in families {
                try check(examples, document: document, family: family, update: update, into: &lines)
            }
            let updated = lines.joined(separator: "\n")
            if update, updated != text { try updated.write(toFile: path, atomically: true, encoding: .utf8) }
        }
        XCTAssertGreaterThanOrEqual(total, Self.minimumExampleCount, "examples were not found, or some were lost")
    }

    /// Runs every example of `document` with `RNNTRAIN_KERNELS=family`, in a
    /// scratch folder of its own; with `update`, rewrites `lines` where the
    /// figures changed.
    func check(_ examples: [ReadmeExample], document: String, family: KernelFamily, update: Bool, into lines: inout [String]) throws {
        guard !examples.isEmpty else { return }
        let runner = try ExampleRunner(binary: binary, kernels: family)
        defer { runner.removeScratch() }
        for example in examples {
            for setup in example.setup {
                let r = runner.run(setup)
                XCTAssertEqual(r.status, 0, "\(document):\(example.line): setup `\(setup)` failed:\n\(r.lines.joined(separator: "\n"))")
            }
            let result = runner.run(example.command, interruptAfter: interruptTrigger(example))
            let where_ = "\(document):\(example.line) (kernels \(family)): `\(example.command)`"
            let wanted = example.exitStatus ?? 0
            if example.exitStatus != nil || !example.expectsError {
                XCTAssertEqual(result.status, wanted, "\(where_) exited \(result.status):\n\(result.lines.joined(separator: "\n"))")
            } else {
                XCTAssertNotEqual(result.status, 0, "\(where_) succeeded although \(document) shows an error")
            }
            switch OutputMatcher.match(example.expected, result.lines, varies: example.varies, checkNumbers: !update) {
            case .success(let matched):
                if update {
                    for e in example.expected where e.kind == .text {
                        // Timings measured on a quiet machine stay when nothing else changed.
                        if let j = matched[e.index], OutputMatcher.masked(e.text) != OutputMatcher.masked(result.lines[j]) {
                            lines[e.index] = result.lines[j] + e.suffix
                        }
                    }
                }
            case .failure(let m):
                let at = m.index.map { "\(document):\($0 + 1)" } ?? where_
                XCTFail("\(at) (\(where_)):\n\(m.message)\nwhole output:\n\(result.lines.joined(separator: "\n"))")
            }
        }
    }

    /// The line (timings masked) after which `^C` is sent.
    func interruptTrigger(_ example: ReadmeExample) -> String? {
        guard let k = example.expected.firstIndex(where: { $0.kind == .interrupt }), k > 0 else { return nil }
        return OutputMatcher.masked(example.expected[k - 1].text)
    }

    // MARK: the checker itself

    let sample = """
        Intro.

        <!-- readme-check: setup touch made.txt -->
        ```
        $ rnntrain classify --epochs 2 \\
              --quiet
        Epoch 1/2 - train acc 0.2136 - loss 1.7477 - 3.4 s - 398,324 tok/s
        ...
        best test accuracy: 0.4247 at epoch 5
        $ rnntrain classify --bukceted
        error: unknown option --bukceted          (exit 64)
        ```

        <!-- readme-check: skip needs a terminal -->
        ```
        $ rnntrain never-run
        ```
        """

    func testTheParserReadsCommandsOutputsAndDirectives() {
        let ex = ReadmeParser.examples(in: sample)
        XCTAssertEqual(ex.map(\.command), ["rnntrain classify --epochs 2 --quiet", "rnntrain classify --bukceted"])
        XCTAssertEqual(ex.map(\.line), [5, 10])
        XCTAssertEqual(ex[0].setup, ["touch made.txt"])
        XCTAssertEqual(ex[0].expected.map(\.kind), [.text, .ellipsis, .text])
        XCTAssertNil(ex[0].exitStatus)
        XCTAssertEqual(ex[1].exitStatus, 64)
        XCTAssertEqual(ex[1].expected.map(\.text), ["error: unknown option --bukceted"])
        XCTAssertEqual(ex[1].expected[0].suffix, "          (exit 64)")
    }

    func testTheReadmeAndEveryDocHoldTheirExamples() throws {
        let documents = try Self.documents()
        XCTAssertEqual(documents.first, "README.md")
        XCTAssertTrue(documents.contains("docs/training.md"), "\(documents)")
        let count = try documents.reduce(0) { n, d in
            n + ReadmeParser.examples(in: try String(contentsOfFile: repoRoot + "/" + d, encoding: .utf8)).count
        }
        XCTAssertGreaterThanOrEqual(count, Self.minimumExampleCount)
    }

    func testTimingsAreMaskedButChangedFiguresAndWordsAreNot() {
        let expected = ReadmeParser.examples(in: sample)[0].expected
        let same = ["Epoch 1/2 - train acc 0.2136 - loss 1.7477 - 9.9 s - 12,000 tok/s", "x", "best test accuracy: 0.4247 at epoch 5"]
        XCTAssertNoThrow(try OutputMatcher.match(expected, same).get())
        // Figures are exact: every kernel family prints the same on every CPU.
        var noisy = same
        noisy[0] = "Epoch 1/2 - train acc 0.2137 - loss 1.7477 - 3.4 s - 398,324 tok/s"
        XCTAssertThrowsError(try OutputMatcher.match(expected, noisy).get())
        var changed = same
        changed[2] = "best test accuracy: 0.5247 at epoch 5"
        XCTAssertThrowsError(try OutputMatcher.match(expected, changed).get())
        var reworded = same
        reworded[0] = "Epoch 1/2 - train accuracy 0.2136 - loss 1.7477 - 3.4 s - 398,324 tok/s"
        XCTAssertThrowsError(try OutputMatcher.match(expected, reworded).get())
        // Without "...", output the README does not show is a mismatch.
        XCTAssertThrowsError(try OutputMatcher.match(expected, same + ["extra line"]).get())
        XCTAssertThrowsError(try OutputMatcher.match(expected, ["x"] + same).get())
        // A line the README marks as varying compares words only.
        XCTAssertNoThrow(try OutputMatcher.match(expected, changed, varies: ["best test"]).get())
    }

    func testMachineDependentPartsAreMasked() {
        XCTAssertEqual(OutputMatcher.skeleton("training: 2 threads; BLAS OpenBLAS 0.3.21, core Haswell (chosen by rnntrain: CPU has AVX2); peak memory: 70.6 MB"),
                       OutputMatcher.skeleton("training: 2 threads; BLAS OpenBLAS 0.3.30, core Cooperlake (OpenBLAS's choice); peak memory: 99.1 MB"))
        XCTAssertEqual(OutputMatcher.skeleton("training: 2 threads; kernels avx512 (4x64 register tiles; same bits as avx2 and portable); denormals"),
                       OutputMatcher.skeleton("training: 2 threads; kernels portable (4x16 SIMD4 tiles; same bits as avx512 and avx2); denormals"))
        XCTAssertNotEqual(OutputMatcher.skeleton("training: 2 threads"), OutputMatcher.skeleton("training: 2 thread"))
        XCTAssertEqual(OutputMatcher.numbers("epoch 5 - 2 threads - 3.4 s - 1,234 tok/s"), [5, 2])
    }
}

/// Runs the documents' commands through bash in a scratch folder that holds a copy of
/// `data/sample.csv` and has `rnntrain` (the release binary) on the PATH;
/// `REPO` names the repository for setup commands.
final class ExampleRunner {
    let scratch: String
    let environment: [String: String]

    init(binary: String, kernels: KernelFamily) throws {
        scratch = temporaryDirectory()
        let fm = FileManager.default
        try fm.createDirectory(atPath: scratch + "/bin", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: scratch + "/data", withIntermediateDirectories: true)
        try fm.createSymbolicLink(atPath: scratch + "/bin/rnntrain", withDestinationPath: binary)
        try fm.copyItem(atPath: repoRoot + "/data/sample.csv", toPath: scratch + "/data/sample.csv")
        try fm.createSymbolicLink(atPath: scratch + "/scripts", withDestinationPath: repoRoot + "/scripts")
        var env = ProcessInfo.processInfo.environment
        for k in ["OPENBLAS_CORETYPE", "RNNTRAIN_TIME_BLAS", "RNNTRAIN_README_UPDATE"] { env.removeValue(forKey: k) }
        env[EnvironmentSwitch.kernels.rawValue] = kernels.rawValue
        env["PATH"] = scratch + "/bin:" + (env["PATH"] ?? "/usr/bin:/bin")
        env["REPO"] = repoRoot
        // The "Scaling out" examples: mpirun as root (containers, CI) and on one core.
        env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        env["OMPI_MCA_rmaps_base_oversubscribe"] = "1"
        environment = env
    }

    func removeScratch() { try? FileManager.default.removeItem(atPath: scratch) }

    /// Runs `command`, stdout and stderr into one pipe (in the order
    /// written); sends SIGINT a quarter second after the line `interruptAfter`
    /// (timings masked) has been printed. Ends the command after 10 minutes.
    func run(_ command: String, interruptAfter: String? = nil) -> (status: Int32, lines: [String]) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = ["-c", command]
        p.currentDirectoryURL = URL(fileURLWithPath: scratch)
        p.environment = environment
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch { return (127, ["cannot start bash: \(error)"]) }
        let watchdog = DispatchWorkItem { if p.isRunning { p.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 600, execute: watchdog)
        var bytes: [UInt8] = [], checked = 0, trigger = interruptAfter
        let reader = pipe.fileHandleForReading
        while true {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            bytes += chunk
            while let t = trigger, let nl = bytes[checked...].firstIndex(of: 10) {
                let line = String(decoding: bytes[checked ..< nl], as: UTF8.self)
                checked = nl + 1
                if OutputMatcher.masked(line) == t {
                    // A moment later, inside the next step: a quarter of a
                    // second, well within an epoch of the README's runs
                    // (about 1 s on 2 cores with AVX-512, 3-4 s without).
                    let pid = p.processIdentifier
                    DispatchQueue.global().asyncAfter(deadline: .now() + 0.25) { _ = kill(pid, SIGINT) }
                    trigger = nil
                }
            }
        }
        p.waitUntilExit()
        watchdog.cancel()
        let text = String(decoding: bytes, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { ReadmeParser.trimmedRight(String($0)) }
        if lines.last == "" { lines.removeLast() }
        return (p.terminationStatus, lines)
    }
}
