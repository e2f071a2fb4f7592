/// The parsed options of one command. Typed getters validate values and
/// ranges and name the option in their errors:
/// `option --epochs expects a whole number >= 1, got 'ten'`.
public struct ParsedOptions {
    public private(set) var values: [String: String] = [:]
    public private(set) var switches: Set<String> = []
    public private(set) var positional: [String] = []

    public func has(_ name: String) -> Bool { values[name] != nil || switches.contains(name) }
    public func flag(_ name: String) -> Bool { switches.contains(name) }
    public func string(_ name: String) -> String? { values[name] }

    /// Gives the options in `defaults` these values where the user gave none
    /// (a command's own defaults for shared options, e.g. count-ones' LSTM).
    public mutating func fillDefaults(_ defaults: [String: String]) {
        for (name, value) in defaults where values[name] == nil { values[name] = value }
    }

    public func int(_ name: String, default d: Int, min lo: Int = .min, max hi: Int = .max) throws -> Int {
        guard let text = values[name] else { return d }
        guard let v = Int(text) else { throw UsageError("option \(name) expects \(Self.range("a whole number", lo, hi)), got '\(text)'") }
        guard v >= lo && v <= hi else { throw UsageError("option \(name) expects \(Self.range("a whole number", lo, hi)), got \(v)") }
        return v
    }

    public func double(_ name: String, default d: Double, min lo: Double = -.infinity, max hi: Double = .infinity,
                       exclusiveMin: Bool = false) throws -> Double {
        guard let text = values[name] else { return d }
        let what = exclusiveMin ? "a number > \(Self.plain(lo))" + (hi.isFinite ? " and <= \(Self.plain(hi))" : "")
                                : Self.range("a number", lo, hi)
        guard let v = Double(text), v.isFinite else { throw UsageError("option \(name) expects \(what), got '\(text)'") }
        guard (exclusiveMin ? v > lo : v >= lo) && v <= hi else { throw UsageError("option \(name) expects \(what), got \(text)") }
        return v
    }

    public func seed(_ name: String, default d: UInt64) throws -> UInt64 {
        guard let text = values[name] else { return d }
        guard let v = UInt64(text) else { throw UsageError("option \(name) expects a whole number >= 0, got '\(text)'") }
        return v
    }

    static func range<T: Comparable & CustomStringConvertible>(_ what: String, _ lo: T, _ hi: T) -> String
        where T: Numeric {
        let hasLo = "\(lo)" != "\(Int.min)" && "\(lo)" != "-inf"
        let hasHi = "\(hi)" != "\(Int.max)" && "\(hi)" != "inf"
        switch (hasLo, hasHi) {
        case (true, true): return "\(what) from \(plain(lo)) to \(plain(hi))"
        case (true, false): return "\(what) >= \(plain(lo))"
        case (false, true): return "\(what) <= \(plain(hi))"
        default: return what
        }
    }

    static func plain<T: CustomStringConvertible>(_ v: T) -> String {
        let s = "\(v)"
        return s.hasSuffix(".0") ? String(s.dropLast(2)) : s
    }

    /// Parses `arguments` against `specs`. `--` ends options; a lone `-` is
    /// positional (stdin). Unknown options get a "Did you mean" suggestion.
    public static func parse(_ arguments: [String], specs: [OptionSpec], allowPositional: Bool = false) throws -> ParsedOptions {
        var result = ParsedOptions()
        let byName = Dictionary(specs.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var i = 0
        var optionsEnded = false
        while i < arguments.count {
            let arg = arguments[i]
            i += 1
            if optionsEnded || !arg.hasPrefix("-") || arg == "-" {
                guard allowPositional else { throw UsageError("unexpected argument '\(arg)'") }
                result.positional.append(arg)
                continue
            }
            if arg == "--" { optionsEnded = true; continue }
            var name = arg
            var inline: String?
            if let eq = arg.firstIndex(of: "=") {
                name = String(arg[..<eq])
                inline = String(arg[arg.index(after: eq)...])
            }
            guard let spec = byName[name] else {
                var message = "unknown option \(name)"
                if let s = suggestion(for: name, among: specs.map(\.name) + ["--help"]) { message += ". Did you mean \(s)?" }
                throw UsageError(message)
            }
            if spec.isSwitch {
                if inline != nil { throw UsageError("option \(name) takes no value") }
                result.switches.insert(name)
                continue
            }
            let value: String
            if let inline {
                value = inline
            } else if i < arguments.count, !(arguments[i].hasPrefix("--") && arguments[i].count > 2) {
                value = arguments[i]
                i += 1
            } else {
                throw UsageError("option \(name) expects a value (\(spec.valueName!))")
            }
            if value.isEmpty { throw UsageError("option \(name) expects a value (\(spec.valueName!)), got an empty string") }
            result.values[name] = value
        }
        return result
    }
}

/// The closest candidate to a mistyped option, if it is close enough to be a
/// typo (edit distance at most 2, or a third of the length).
public func suggestion(for word: String, among candidates: [String]) -> String? {
    var best: (String, Int)?
    for c in candidates {
        let d = editDistance(word, c)
        if d <= max(2, c.count / 3), best == nil || d < best!.1 { best = (c, d) }
    }
    return best?.0
}

/// Damerau-Levenshtein distance (with adjacent transpositions) over characters.
public func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a), y = Array(b)
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var d = [[Int]](repeating: [Int](repeating: 0, count: y.count + 1), count: x.count + 1)
    for i in 0 ... x.count { d[i][0] = i }
    for j in 0 ... y.count { d[0][j] = j }
    for i in 1 ... x.count {
        for j in 1 ... y.count {
            let cost = x[i - 1] == y[j - 1] ? 0 : 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] {
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
            }
        }
    }
    return d[x.count][y.count]
}

/// `--help` text: usage line, summary and every option with its default.
public func helpText(usage: String, summary: String, specs: [OptionSpec], footer: String = "") -> String {
    var lines = ["usage: \(usage)", "", summary, "", "options:"]
    let labels = specs.map { $0.name + ($0.valueName.map { " \($0)" } ?? "") }
    let width = (labels.map(\.count).max() ?? 0) + 2
    for (spec, label) in zip(specs, labels) {
        var line = "  " + label + String(repeating: " ", count: width - label.count) + spec.help
        if let d = spec.defaultText { line += " (default: \(d))" }
        lines.append(line)
    }
    lines.append("  --help" + String(repeating: " ", count: max(width - 6, 1)) + "show this help")
    if !footer.isEmpty { lines += ["", footer] }
    return lines.joined(separator: "\n") + "\n"
}
