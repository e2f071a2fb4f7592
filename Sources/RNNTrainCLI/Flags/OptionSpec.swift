/// One command-line option: `--name VALUE` (or `--name=VALUE`), or a switch
/// `--name` when `valueName` is nil. `help` and `defaultText` feed
/// `--help`, so every option is listed with its default.
public struct OptionSpec: Sendable {
    public var name: String
    public var valueName: String?
    public var help: String
    public var defaultText: String?

    public init(_ name: String, _ valueName: String? = nil, help: String, default defaultText: String? = nil) {
        precondition(name.hasPrefix("--"), "options start with --")
        self.name = name
        self.valueName = valueName
        self.help = help
        self.defaultText = defaultText
    }

    public var isSwitch: Bool { valueName == nil }
}

/// A usage mistake: exit status 64 (EX_USAGE) and a one-line message.
public struct UsageError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
