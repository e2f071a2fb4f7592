#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Corpus

/// Ctrl-C (SIGINT) and SIGTERM. During training the first signal asks the run
/// to stop after the current batch (and save, when `--save` is given); a
/// second one exits at once with status 130. Commands that cannot stop
/// half-way (`prepare`) install the immediate mode: the first signal exits.
/// Either way a temporary file being written is removed first, so an
/// interrupt never leaves litter next to the outputs.
enum Interruption {
    /// Signals received since `install`. Written by the signal handler only.
    nonisolated(unsafe) static var count: Int32 = 0
    nonisolated(unsafe) static var exitOnFirst = false

    static func install(immediate: Bool = false) {
        count = 0
        exitOnFirst = immediate
        let handler: @convention(c) (Int32) -> Void = { _ in
            Interruption.count += 1
            if Interruption.count >= 2 || Interruption.exitOnFirst {
                PendingTempFiles.unlinkAll()
                let message: StaticString = "\ninterrupted\n"
                _ = write(2, message.utf8Start, message.utf8CodeUnitCount)
                _exit(130)
            }
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
