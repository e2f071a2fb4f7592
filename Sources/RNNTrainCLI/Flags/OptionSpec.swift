/// One command-line option, declared once: its name, the kind of value it
/// takes (with its range or choices), its default and its help. The parser
/// (`ParsedOptions.parse`), the typed getters (which check the range and
/// fall back to the default) and `--help` (`helpText`) all read it, so a
/// default is written in one place:
///
///     .int("--epochs", 1 ... 1_000_000, default: "10", help: "passes over the training rows")
///
/// `--name VALUE` or `--name=VALUE`; a `.flag` is a switch `--name`.
public struct OptionSpec: Sendable {
    public enum Kind: Sendable, Equatable {
        case flag
        /// A whole number in `min ... max`.
        case int(min: Int, max: Int)
        /// A finite number in `min ... max` (`min` itself excluded when `aboveMin`).
        case number(min: Double, max: Double, aboveMin: Bool)
        /// A seed: a whole number >= 0 (64 bits).
        case seed
        /// Any non-empty text (a path, a name).
        case text
        /// One of these words.
        case choice([String])
    }

    public var name: String
    /// The value's placeholder in --help (`N`, `PATH`); nil for a flag.
    public var valueName: String?
    public var help: String
    public var kind: Kind
    /// The value an absent option takes, written as a user would write it;
    /// nil: absent means not given (the getters return nil).
    public var defaultValue: String?
    /// --help's words for a default that is not a plain value ("the number
    /// of cores"), or for an option without one ("off").
    public var shownDefault: String?
    /// Earlier spellings, still accepted (and named in --help).
    public var aliases: [String] = []

    init(_ name: String, _ valueName: String?, kind: Kind, default value: String?, shown: String?, help: String) {
        precondition(name.hasPrefix("--"), "options start with --")
        self.name = name
        self.valueName = valueName
        self.kind = kind
        defaultValue = value
        shownDefault = shown
        self.help = help
    }

    public var isSwitch: Bool { kind == .flag }

    /// What --help prints after "(default: ".
    public var defaultText: String? { shownDefault ?? defaultValue }

    public static func flag(_ name: String, help: String) -> OptionSpec {
        OptionSpec(name, nil, kind: .flag, default: nil, shown: nil, help: help)
    }

    public static func int(_ name: String, _ valueName: String, _ range: ClosedRange<Int>,
                           default value: String? = nil, shown: String? = nil, help: String) -> OptionSpec {
        OptionSpec(name, valueName, kind: .int(min: range.lowerBound, max: range.upperBound), default: value, shown: shown, help: help)
    }

    /// A whole number `N` in `range`.
    public static func int(_ name: String, _ range: ClosedRange<Int> = 1 ... Int.max, default value: String? = nil,
                           shown: String? = nil, help: String) -> OptionSpec {
        .int(name, "N", range, default: value, shown: shown, help: help)
    }

    /// A number in `range`; `above` excludes the lower end.
    public static func number(_ name: String, _ valueName: String = "X", _ range: ClosedRange<Double>, above: Bool = false,
                              default value: String? = nil, shown: String? = nil, help: String) -> OptionSpec {
        OptionSpec(name, valueName, kind: .number(min: range.lowerBound, max: range.upperBound, aboveMin: above),
                   default: value, shown: shown, help: help)
    }

    public static func seed(_ name: String = "--seed", default value: String = "1", help: String) -> OptionSpec {
        OptionSpec(name, "N", kind: .seed, default: value, shown: nil, help: help)
    }

    public static func text(_ name: String, _ valueName: String, default value: String? = nil, shown: String? = nil,
                            help: String) -> OptionSpec {
        OptionSpec(name, valueName, kind: .text, default: value, shown: shown, help: help)
    }

    public static func choice(_ name: String, _ valueName: String, _ words: [String], default value: String? = nil,
                              shown: String? = nil, help: String) -> OptionSpec {
        OptionSpec(name, valueName, kind: .choice(words), default: value, shown: shown, help: help)
    }

    /// The same option with another default (a command's own, e.g.
    /// count-ones' `--cell lstm`), and optionally other words for it.
    public func defaulting(to value: String?, shown: String? = nil) -> OptionSpec {
        var s = self
        (s.defaultValue, s.shownDefault) = (value, shown)
        return s
    }

    /// The same default, described in other words.
    public func showing(_ shown: String) -> OptionSpec {
        var s = self
        s.shownDefault = shown
        return s
    }

    /// The same option described for another command.
    public func helping(_ help: String) -> OptionSpec {
        var s = self
        s.help = help
        return s
    }

    /// The same option, also accepted under an earlier name.
    public func aliased(_ old: String) -> OptionSpec {
        var s = self
        s.aliases.append(old)
        return s
    }
}

extension Array where Element == OptionSpec {
    /// These options with some declared anew for another command (its own
    /// default or meaning), in place.
    public func replacing(with own: [OptionSpec]) -> [OptionSpec] {
        let byName = Dictionary(own.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        return map { byName[$0.name] ?? $0 }
    }
}
