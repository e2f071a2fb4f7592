#if canImport(Glibc)
import Glibc
#endif

/// Ctrl-C (SIGINT) and SIGTERM during training: the first asks the run to
/// stop after the current batch (and save, when `--save` is given); a second
/// one exits at once with status 130.
enum Interruption {
    /// Signals received since `install`. Written by the signal handler only.
    nonisolated(unsafe) static var count: Int32 = 0

    static func install() {
        count = 0
        let handler: @convention(c) (Int32) -> Void = { _ in
            Interruption.count += 1
            if Interruption.count >= 2 { _exit(130) }
        }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
    }

    static func uninstall() {
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }

    static var requested: Bool { count > 0 }
}
