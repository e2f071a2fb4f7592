import XCTest
import RNNTrainCLI
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs the CLI in-process and captures its streams.
func cli(_ args: [String]) -> (status: Int32, out: String, err: String) {
    let c = CapturedConsole()
    let status = RNNTrain.run(args, console: c.console)
    return (status, c.stdout, c.stderr)
}

/// The repository root, found from this file's location.
let repoRoot: String = {
    var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)    // Tests/RNNTrainCLITests/Support.swift
    return parts.joined(separator: "/")
}()

/// A fresh temporary folder.
func temporaryDirectory() -> String {
    var template = Array("/tmp/rnntrain-test-XXXXXX".utf8CString)
    let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    return String(cString: p!)
}

func writeFile(_ path: String, _ text: String) {
    let f = fopen(path, "w")!
    fputs(text, f)
    fclose(f)
}

func fileExists(_ path: String) -> Bool { access(path, F_OK) == 0 }

/// Parses "Epoch i/n - train acc X - val acc V - test acc Y - loss L - val loss W ..."
/// lines; a figure the line lacks is NaN.
func epochLines(_ out: String) -> [(epoch: Int, train: Double, test: Double, val: Double, valLoss: Double)] {
    out.split(separator: "\n").filter { $0.hasPrefix("Epoch ") }.map { line in
        let fields = line.components(separatedBy: " - ")
        func value(_ prefix: String) -> Double {
            guard let f = fields.first(where: { $0.hasPrefix(prefix) }) else { return .nan }
            return Double(f.split(separator: " ").last!)!
        }
        let epoch = Int(line.dropFirst(6).prefix { $0 != "/" })!
        return (epoch, value("train acc"), value("test acc"), value("val acc"), value("val loss"))
    }
}

extension StringProtocol {
    func components(separatedBy sep: String) -> [String] {
        var out: [String] = []
        var rest = Substring(self)
        while let r = rest.range(of: sep) {
            out.append(String(rest[..<r.lowerBound]))
            rest = rest[r.upperBound...]
        }
        out.append(String(rest))
        return out
    }
}

extension Substring {
    func range(of needle: String) -> Range<Substring.Index>? {
        guard !needle.isEmpty, needle.count <= count else { return nil }
        var i = startIndex
        while i < endIndex {
            if self[i...].hasPrefix(needle) { return i ..< index(i, offsetBy: needle.count) }
            i = index(after: i)
        }
        return nil
    }
}
