/// The parsed options of one command, and typed getters that read each
/// option's declaration (`OptionSpec`): the value given, checked against
/// the option's range or choices, else a recorded value (a resumed run's),
/// else the declared default. Errors name the option:
/// `option --epochs expects a whole number from 1 to 1000000, got 'ten'`.
public struct ParsedOptions {
    /// The arguments as given (the command line a checkpoint records).
    public private(set) var arguments: [String] = []
    /// The command's options by name.
    public private(set) var specs: [String: OptionSpec] = [:]
    public private(set) var values: [String: String] = [:]
    public private(set) var switches: Set<String> = []
    public private(set) var positional: [String] = []

    /// Whether the user gave the option (under its name or an alias).
    public func has(_ name: String) -> Bool { values[name] != nil || switches.contains(name) }
    public func flag(_ name: String) -> Bool { switches.contains(name) }
    /// The text the user gave, or the declared default (nil: neither).
    public func string(_ name: String) -> String? { values[name] ?? specs[name]?.defaultValue }

    func spec(_ name: String) -> OptionSpec {
        guard let s = specs[name] else { preconditionFailure("\(name) is not an option of this command") }
        return s
    }

    /// The value given, else `recorded`, else the declared default; nil when
    /// none of them (an option the command does not take is never given).
    public func optionalInt(_ name: String, recorded: Int? = nil) throws -> Int? {
        guard specs[name] != nil else { return recorded }
        guard case .int(let lo, let hi) = spec(name).kind else { preconditionFailure("\(name) is not a whole number") }
        let what = Self.range("a whole number", lo, hi)
        if let text = values[name] {
            guard let v = Int(text) else { throw UsageError("option \(name) expects \(what), got '\(text)'") }
            guard v >= lo && v <= hi else { throw UsageError("option \(name) expects \(what), got \(v)") }
            return v
        }
        return recorded ?? spec(name).defaultValue.map { Int($0)! }
    }

    public func int(_ name: String, recorded: Int? = nil) throws -> Int {
        guard let v = try optionalInt(name, recorded: recorded) else { preconditionFailure("\(name) has no default") }
        return v
    }

    public func optionalDouble(_ name: String, recorded: Double? = nil) throws -> Double? {
        guard specs[name] != nil else { return recorded }
        guard case .number(let lo, let hi, let above) = spec(name).kind else { preconditionFailure("\(name) is not a number") }
        if let text = values[name] {
            let what = above ? "a number > \(Self.plain(lo))" + (hi.isFinite ? " and <= \(Self.plain(hi))" : "") : Self.range("a number", lo, hi)
            guard let v = Double(text), v.isFinite else { throw UsageError("option \(name) expects \(what), got '\(text)'") }
            guard (above ? v > lo : v >= lo) && v <= hi else { throw UsageError("option \(name) expects \(what), got \(text)") }
            return v
        }
        return recorded ?? spec(name).defaultValue.map { Double($0)! }
    }

    public func double(_ name: String, recorded: Double? = nil) throws -> Double {
        guard let v = try optionalDouble(name, recorded: recorded) else { preconditionFailure("\(name) has no default") }
        return v
    }

    public func seed(_ name: String = "--seed", recorded: UInt64? = nil) throws -> UInt64 {
        guard spec(name).kind == .seed else { preconditionFailure("\(name) is not a seed") }
        if let text = values[name] {
            guard let v = UInt64(text) else { throw UsageError("option \(name) expects a whole number >= 0, got '\(text)'") }
            return v
        }
        guard let v = recorded ?? spec(name).defaultValue.flatMap({ UInt64($0) }) else { preconditionFailure("\(name) has no default") }
        return v
    }

    /// One of the option's words: given (checked), else `recorded`, else the default.
    public func choice(_ name: String, recorded: String? = nil) throws -> String? {
        guard specs[name] != nil else { return recorded }
        guard case .choice(let words) = spec(name).kind else { preconditionFailure("\(name) is not a choice") }
        guard let v = values[name] else { return recorded ?? spec(name).defaultValue }
        guard words.contains(v) else {
            throw UsageError("option \(name) expects \(words.joined(separator: ", ")), got '\(v)'"
                + (suggestion(for: v, among: words).map { ". Did you mean \($0)?" } ?? ""))
        }
        return v
    }

    /// `choice` as the enum whose raw values are the option's words.
    public func choice<E: RawRepresentable>(_ name: String, as type: E.Type, recorded: E? = nil) throws -> E? where E.RawValue == String {
        try choice(name, recorded: recorded?.rawValue).map { E(rawValue: $0)! }
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
    /// `elsewhere` names the commands that do take an option unknown here.
    public static func parse(_ arguments: [String], specs: [OptionSpec], allowPositional: Bool = false,
                             elsewhere: (String) -> String? = { _ in nil }) throws -> ParsedOptions {
        var result = ParsedOptions()
        result.arguments = arguments
        result.specs = Dictionary(specs.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var byName = result.specs
        for spec in specs { for old in spec.aliases { byName[old] = spec } }
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
                if let others = elsewhere(name) { throw UsageError("option \(name) applies to \(others)") }
                var message = "unknown option \(name)"
                if let s = suggestion(for: name, among: specs.map(\.name) + ["--help"]) { message += ". Did you mean \(s)?" }
                throw UsageError(message)
            }
            if spec.isSwitch {
                if inline != nil { throw UsageError("option \(name) takes no value") }
                result.switches.insert(spec.name)
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
            result.values[spec.name] = value
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
        let also = spec.aliases.isEmpty ? nil : "also " + spec.aliases.joined(separator: ", ") + ", its earlier name"
        let notes = [spec.defaultText.map { "default: \($0)" }, also].compactMap { $0 }
        if !notes.isEmpty { line += " (" + notes.joined(separator: "; ") + ")" }
        lines.append(line)
    }
    lines.append("  --help" + String(repeating: " ", count: max(width - 6, 1)) + "show this help")
    if !footer.isEmpty { lines += ["", footer] }
    return lines.joined(separator: "\n") + "\n"
}
