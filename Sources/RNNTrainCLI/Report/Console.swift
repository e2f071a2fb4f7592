#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a command writes: results to `out` (stdout), diagnostics, summaries
/// and progress to `err` (stderr). Tests pass a capturing console.
public final class Console: @unchecked Sendable {
    public let out: (String) -> Void
    public let err: (String) -> Void
    /// Whether `err` is an interactive terminal (progress bars only then).
    public let errIsTerminal: Bool

    public init(out: @escaping (String) -> Void, err: @escaping (String) -> Void, errIsTerminal: Bool = false) {
        self.out = out
        self.err = err
        self.errIsTerminal = errIsTerminal
    }

    /// The process's stdout and stderr, flushed after every write so lines
    /// reach logs and pipes as they happen.
    public static let standard = Console(
        out: { s in fputs(s, stdout); fflush(stdout) },
        err: { s in fputs(s, stderr); fflush(stderr) },
        errIsTerminal: isatty(2) == 1 && String(cString: getenv("TERM") ?? strdup("dumb")) != "dumb")

    public func line(_ s: String) { out(s + "\n") }
    public func note(_ s: String) { err(s + "\n") }
}

/// Captures both streams in memory (tests, and `bench` to run commands quietly).
public final class CapturedConsole: @unchecked Sendable {
    public private(set) var stdout = ""
    public private(set) var stderr = ""
    public init() {}
    public lazy var console = Console(out: { [unowned self] in self.stdout += $0 },
                                      err: { [unowned self] in self.stderr += $0 })
}
