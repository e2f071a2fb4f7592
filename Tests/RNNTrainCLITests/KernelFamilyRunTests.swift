import XCTest
import Foundation
import TensorCore
import RNNTrainCLI

/// Whole runs under every kernel family this CPU runs print the same
/// figures (timings and rates aside) and save the same checkpoint bytes:
/// the families differ only in speed. On an AVX-512 machine this also runs
/// the AVX2 and portable code that other machines run by default, which is
/// how one CI machine vouches for the others.
final class KernelFamilyRunTests: XCTestCase {
    static let dir = temporaryDirectory()
    var families: [KernelFamily] { KernelFamily.supported.filter { $0 != .blas } }

    /// Output lines with what may differ between runs masked: times, rates,
    /// memory, the kernel family's name.
    func figures(_ text: String) -> [String] {
        let masks = [(#"\d[\d,]*(?:\.\d+)? ([A-Za-z]+/s)\b"#, "<rate> $1"),
                     (#"(?<![\w.])\d[\d,]*(?:\.\d+)? (s|ms|MB)\b"#, "<n> $1"),
                     (#"kernels \S+ \([^)]*\)"#, "kernels <family>")]
        return text.split(separator: "\n").map { line in
            var s = String(line)
            for (p, t) in masks {
                s = try! NSRegularExpression(pattern: p).stringByReplacingMatches(in: s, range: NSRange(s.startIndex..., in: s), withTemplate: t)
            }
            return s
        }
    }

    /// Runs `arguments` (with `--save` to a file per family) under each
    /// family; every run's figures and checkpoint bytes must equal the
    /// first's. Returns the checkpoint paths.
    @discardableResult
    func assertSameBits(_ name: String, _ arguments: [String], file: StaticString = #filePath, line: UInt = #line) -> [String] {
        var first: (family: KernelFamily, out: [String], err: [String], bytes: Data)?
        var paths: [String] = []
        for family in families {
            let folder = "\(Self.dir)/\(family)"                  // one name in every folder: the printed path is the same
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let path = "\(folder)/\(name).safetensors"
            let r = cli(arguments + ["--kernels", family.rawValue, "--save", path])
            XCTAssertEqual(r.status, 0, "\(name) under \(family): \(r.err)", file: file, line: line)
            guard let bytes = FileManager.default.contents(atPath: path).flatMap(Self.comparable) else {
                XCTFail("\(name) under \(family) saved nothing", file: file, line: line)
                return paths
            }
            paths.append(path)
            XCTAssertTrue(r.err.contains("kernels \(family.rawValue) ("), "the summary names the family:\n\(r.err)", file: file, line: line)
            let run = (family, figures(r.out), figures(r.err), bytes)
            guard let f = first else { first = run; continue }
            let mask = { (lines: [String]) in lines.map { $0.replacingOccurrences(of: "/\(family)/", with: "/\(f.family)/") } }
            XCTAssertEqual(mask(run.1), f.out, "\(name): stdout under \(family) differs from \(f.family)", file: file, line: line)
            XCTAssertEqual(mask(run.2), f.err, "\(name): stderr under \(family) differs from \(f.family)", file: file, line: line)
            XCTAssertTrue(run.3 == f.bytes, "\(name): the checkpoint under \(family) differs from \(f.family)", file: file, line: line)
            XCTAssertGreaterThan(run.3.count, 1_000, file: file, line: line)
        }
        XCTAssertNotNil(first)
        return paths
    }

    /// A checkpoint's bytes with the two fields that may differ between
    /// runs taken out of its run record: the seconds the run took and the
    /// command line (the `--save` path). The tensors' bytes and every other
    /// metadata field stay as written.
    static func comparable(_ data: Data) -> Data? {
        guard data.count > 8 else { return nil }
        let n = Int(data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        guard 8 + n <= data.count,
              var header = (try? JSONSerialization.jsonObject(with: data.subdata(in: 8 ..< 8 + n))) as? [String: Any],
              var meta = header["__metadata__"] as? [String: String],
              let runText = meta["run"], var run = (try? JSONSerialization.jsonObject(with: Data(runText.utf8))) as? [String: Any]
        else { return nil }
        if var settings = run["settings"] as? [String: Any] { settings["command"] = nil; run["settings"] = settings }
        if var progress = run["progress"] as? [String: Any], var window = progress["stepWindow"] as? [String: Any] {
            window["seconds"] = nil
            progress["stepWindow"] = window
            run["progress"] = progress
        }
        guard let runData = try? JSONSerialization.data(withJSONObject: run, options: [.sortedKeys]) else { return nil }
        meta["run"] = String(decoding: runData, as: UTF8.self)
        header["__metadata__"] = meta
        guard let headerData = try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]) else { return nil }
        return headerData + data.subdata(in: 8 + n ..< data.count)
    }

    static let small = ["--synth-rows", "1500", "--epochs", "2", "--batch-size", "64", "--embed", "16", "--hidden", "24",
                        "--lr", "3e-3", "--threads", "2"]

    func testClassifyGRU() {
        assertSameBits("gru", ["classify", "--bucketed"] + Self.small)
    }

    func testBidirectionalLayerNormLSTMWithMeanPooling() {
        assertSameBits("bilstm", ["classify", "--cell", "lstm", "--layer-norm", "--bidirectional", "--pool", "mean",
                                  "--layers", "2"] + Self.small)
    }

    func testSeq2seq() {
        assertSameBits("seq2seq", ["seq2seq"] + Self.small)
    }

    /// charlm over 20 windows of a small text, sampling after each epoch;
    /// then `generate` and `eval`-free inference (one character at a
    /// time, packed weights held) from each family's model under each family.
    func testCharLMAndGeneration() throws {
        var text = ""
        var rng = RNG(seed: 9)
        let words = ["to", "be", "or", "not", "that", "is", "the", "question", "whether", "tis", "nobler"]
        while text.utf8.count < 20 * 4 * 25 + 8 { text += words[rng.below(words.count)] + (rng.below(7) == 0 ? ".\n" : " ") }
        let path = Self.dir + "/text.txt"
        writeFile(path, text)
        let paths = assertSameBits("charlm", ["charlm", "--text", path, "--batch-size", "4", "--window", "25", "--epochs", "1",
                                              "--hidden", "32", "--layers", "2", "--lr", "1e-2", "--sample-length", "60",
                                              "--val-fraction", "0"])
        guard let model = paths.first else { return }
        let outputs = families.map { f in
            cli(["generate", "--model", model, "--prime", "to be", "--length", "120", "--temperature", "0.9", "--seed", "5",
                 "--kernels", f.rawValue])
        }
        for (f, o) in zip(families, outputs) {
            XCTAssertEqual(o.status, 0, "\(f): \(o.err)")
            XCTAssertEqual(o.out, outputs[0].out, "generate under \(f) differs from \(families[0])")
        }
    }

    /// Asking for a family by an unknown name, or one this CPU lacks, is a usage error.
    func testUnknownOrMissingFamiliesAreUsageErrors() {
        let bad = cli(["classify", "--synth-rows", "200", "--epochs", "1", "--kernels", "avx1024"])
        XCTAssertEqual(bad.status, RNNTrain.ExitCode.usage)
        XCTAssertTrue(bad.err.contains("unknown kernel family 'avx1024'"), bad.err)
        for f in KernelFamily.allCases where !f.isSupported {
            let r = cli(["classify", "--synth-rows", "200", "--epochs", "1", "--kernels", f.rawValue])
            XCTAssertEqual(r.status, RNNTrain.ExitCode.usage, r.err)
        }
        XCTAssertTrue(cli(["classify", "--help"]).out.contains("--kernels FAMILY"))
    }
}
