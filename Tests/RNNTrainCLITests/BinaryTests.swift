import XCTest
import Foundation

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

    func testPicksAVX512KernelsWithoutTheUserExportingAnything() throws {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        guard cpuinfo.contains(" avx512f"), cpuinfo.contains(" avx512bw"), cpuinfo.contains(" avx512vl") else {
            throw XCTSkip("CPU without AVX-512")
        }
        let (status, out, _) = try run(["--version"])
        XCTAssertEqual(status, 0)
        XCTAssertFalse(out.contains("core Haswell"), out)
        // A user's own choice is respected.
        let forced = try run(["--version"], environment: ["OPENBLAS_CORETYPE": "Haswell"])
        XCTAssertTrue(forced.1.contains("core Haswell"), forced.1)
    }
}
