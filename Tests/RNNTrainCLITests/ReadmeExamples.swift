import Foundation

/// The README's command examples, read from its fenced blocks, so that a
/// test can run them and compare what they print with what the README says.
///
/// In a block, a line `$ COMMAND` (continued by a trailing `\`) is a command;
/// the lines after it, up to the next `$` line, are its output as printed
/// (stdout and stderr interleaved, as a terminal shows them). Inside them:
/// - `...` stands for any number of lines;
/// - `^C` sends SIGINT once the line before it has been printed;
/// - `(exit N)`, alone or after two spaces at the end of a line, is the
///   expected exit status (otherwise 0, or non-zero when an `error:` line is
///   expected).
/// HTML comments before a block steer the check without showing on the page:
/// `<!-- readme-check: skip REASON -->` leaves the next block alone,
/// `<!-- readme-check: setup COMMAND -->` runs a command first (its output
/// is not compared), `<!-- readme-check: varies TEXT -->` compares only the
/// words, not the numbers, of the next block's lines that contain TEXT.
struct ReadmeExample {
    /// 1-based line of the `$` line in the README.
    var line: Int
    var command: String
    var expected: [ExpectedLine] = []
    var exitStatus: Int32?
    /// Setup commands to run (in order) before this example.
    var setup: [String] = []
    var varies: [String] = []

    struct ExpectedLine {
        enum Kind { case text, ellipsis, interrupt }
        var kind: Kind
        var text: String
        /// 0-based index into the README's lines (for reports and updates).
        var index: Int
        /// The `(exit N)` suffix cut from the README line, kept for updates.
        var suffix: String = ""
    }

    var expectsError: Bool { expected.contains { $0.kind == .text && $0.text.hasPrefix("error:") } }
}

enum ReadmeParser {
    static func examples(in text: String) -> [ReadmeExample] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var out: [ReadmeExample] = []
        var pendingSetup: [String] = [], varies: [String] = [], skip = false
        var inBlock = false
        var i = 0
        while i < lines.count {
            let line = lines[i]
            if line.hasPrefix("```") {
                inBlock.toggle()
                if !inBlock { skip = false; varies = [] }
                i += 1
                continue
            }
            if !inBlock {
                if let d = directive(line) {
                    switch d.name {
                    case "skip": skip = true
                    case "setup": pendingSetup.append(d.argument)
                    case "varies": varies.append(d.argument)
                    default: break
                    }
                }
                i += 1
                continue
            }
            guard !skip, line.hasPrefix("$ ") else { i += 1; continue }
            var example = ReadmeExample(line: i + 1, command: "", setup: pendingSetup, varies: varies)
            pendingSetup = []
            var command = String(line.dropFirst(2))
            while command.hasSuffix("\\"), i + 1 < lines.count {
                i += 1
                command = trimmedRight(String(command.dropLast())) + " " + lines[i].trimmingCharacters(in: .whitespaces)
            }
            example.command = command
            i += 1
            while i < lines.count, !lines[i].hasPrefix("$ "), !lines[i].hasPrefix("```") {
                add(lines[i], index: i, to: &example)
                i += 1
            }
            out.append(example)
        }
        return out
    }

    static func add(_ raw: String, index: Int, to example: inout ReadmeExample) {
        var line = trimmedRight(raw)
        if let (text, status, suffix) = exitSuffix(line) {
            example.exitStatus = status
            if text.trimmingCharacters(in: .whitespaces).isEmpty { return }
            line = text
            example.expected.append(.init(kind: .text, text: line, index: index, suffix: suffix))
            return
        }
        switch line {
        case "...": example.expected.append(.init(kind: .ellipsis, text: line, index: index))
        case "^C": example.expected.append(.init(kind: .interrupt, text: line, index: index))
        default: example.expected.append(.init(kind: .text, text: line, index: index))
        }
    }

    /// `text   (exit 64)` -> ("text", 64, "   (exit 64)").
    static func exitSuffix(_ line: String) -> (String, Int32, String)? {
        guard line.hasSuffix(")"), let open = line.range(of: "(exit ", options: .backwards) else { return nil }
        let number = line[open.upperBound ..< line.index(before: line.endIndex)]
        guard let status = Int32(number) else { return nil }
        let before = line[..<open.lowerBound]
        let text = trimmedRight(String(before))
        guard text.isEmpty || before.hasSuffix("  ") else { return nil }
        return (text, status, String(line[line.index(line.startIndex, offsetBy: text.count)...]))
    }

    /// `<!-- readme-check: NAME ARGUMENT -->`
    static func directive(_ line: String) -> (name: String, argument: String)? {
        let t = line.trimmingCharacters(in: .whitespaces)
        let prefix = "<!-- readme-check: ", suffix = " -->"
        guard t.hasPrefix(prefix), t.hasSuffix(suffix) else { return nil }
        let body = t.dropFirst(prefix.count).dropLast(suffix.count)
        let name = body.prefix { $0 != " " }
        return (String(name), body.dropFirst(name.count).trimmingCharacters(in: .whitespaces))
    }

    static func trimmedRight(_ s: String) -> String {
        var s = Substring(s)
        while let last = s.last, last == " " || last == "\t" || last == "\r" { s = s.dropLast() }
        return String(s)
    }
}

/// Compares printed lines with the README's: timings, rates, memory, the
/// BLAS core and version and the kernel family are masked; the remaining
/// words and numbers must be equal. Every kernel family computes the same
/// bits on every CPU, so a figure that differs is a changed behaviour.
enum OutputMatcher {
    struct Mismatch: Equatable {
        /// 0-based README line index (nil: the problem is at the end).
        var index: Int?
        var message: String
    }

    /// Indices into `actual` of the lines matched by each expected text line
    /// (in order), or the first mismatch.
    static func match(_ expected: [ReadmeExample.ExpectedLine], _ actual: [String],
                      varies: [String] = [], checkNumbers: Bool = true) -> Result<[Int: Int], MismatchError> {
        var pos = 0, free = false, matched: [Int: Int] = [:]
        for e in expected {
            switch e.kind {
            case .ellipsis: free = true; continue
            case .interrupt: continue
            case .text: break
            }
            let target = skeleton(e.text), loose = !checkNumbers || varies.contains { e.text.contains($0) }
            var j = pos
            if free {
                // After "...": the line with the same words whose figures are
                // closest (so "Epoch 2/2" is not taken for "Epoch 1/2").
                let candidates = (pos ..< actual.count).filter { skeleton(actual[$0]) == target }
                j = candidates.min { distance(e.text, actual[$0]) < distance(e.text, actual[$1]) } ?? actual.count
            }
            guard j < actual.count, skeleton(actual[j]) == target else {
                let got = pos < actual.count ? "got:      \(actual[pos])" : "got:      (end of output)"
                return .failure(MismatchError(index: e.index, message: "expected: \(e.text)\n\(got)"))
            }
            if !loose, let problem = compareNumbers(e.text, actual[j]) {
                return .failure(MismatchError(index: e.index, message: "\(problem)\nexpected: \(e.text)\ngot:      \(actual[j])"))
            }
            matched[e.index] = j
            pos = j + 1
            free = false
        }
        if !free, pos < actual.count {
            return .failure(MismatchError(index: expected.last?.index,
                                          message: "more output than the README shows, from: \(actual[pos])"))
        }
        return .success(matched)
    }

    struct MismatchError: Error {
        var index: Int?
        var message: String
    }

    /// Timings, rates and the like replaced by fixed words.
    static func masked(_ line: String) -> String {
        var s = ReadmeParser.trimmedRight(line)
        for (pattern, template) in masks {
            s = pattern.stringByReplacingMatches(in: s, range: NSRange(s.startIndex..., in: s), withTemplate: template)
        }
        return s
    }

    /// The masked line with every number replaced by `#`.
    static func skeleton(_ line: String) -> String {
        let s = masked(line)
        return number.stringByReplacingMatches(in: s, range: NSRange(s.startIndex..., in: s), withTemplate: "#")
    }

    static func numbers(_ line: String) -> [Double] {
        let s = masked(line)
        return number.matches(in: s, range: NSRange(s.startIndex..., in: s)).compactMap { m in
            Range(m.range, in: s).flatMap { Double(s[$0].filter { $0 != "," }) }
        }
    }

    /// How many figures differ beyond the tolerance (the first one counts most).
    static func distance(_ expected: String, _ actual: String) -> Int {
        zip(numbers(expected), numbers(actual)).enumerated().reduce(0) { sum, p in
            sum + (close(p.element.0, p.element.1) ? 0 : (p.offset == 0 ? 1000 : 1))
        }
    }

    static func close(_ x: Double, _ y: Double) -> Bool { abs(x - y) <= max(0.02, 0.02 * max(abs(x), abs(y))) }

    static func compareNumbers(_ expected: String, _ actual: String) -> String? {
        let a = numbers(expected), b = numbers(actual)
        guard a.count == b.count else { return "different count of numbers" }
        for (x, y) in zip(a, b) where x != y {
            return "number \(y) where the README has \(x)"
        }
        return nil
    }

    // A decimal number, with thousands separators and an exponent.
    static let number = try! NSRegularExpression(pattern: #"\d[\d,]*(?:\.\d+)?(?:[eE][-+]?\d+)?"#)
    static let masks: [(NSRegularExpression, String)] = [
        // 12,345 tok/s, 45.2 MB/s, 110 GFLOP/s
        (#"\d[\d,]*(?:\.\d+)? ([A-Za-z]+/s)\b"#, "<rate> $1"),
        // 3.4 s, in 0.07 s (seconds only: "2 threads" is not a time)
        (#"(?<![\w.])\d[\d,]*(?:\.\d+)? s\b"#, "<time> s"),
        (#"peak memory: [\d.]+ MB"#, "peak memory: <mem> MB"),
        (#"core \S+ \([^)]*\)"#, "core <core>"),
        (#"OpenBLAS \d+(?:\.\d+)*"#, "OpenBLAS <version>"),
        (#"kernels \S+ \([^)]*\)"#, "kernels <family>"),
    ].map { (try! NSRegularExpression(pattern: $0.0), $0.1) }
}
