#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Temporary files that an interrupt must not leave behind. Writers register
/// their temporary path while it exists; a signal handler that ends the
/// process calls `unlinkAll()`, which only uses async-signal-safe calls
/// (`unlink` on C strings prepared in advance).
public enum PendingTempFiles {
    static let capacity = 16
    /// Fixed slots of C strings (nil when free), allocated once.
    static let slots: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> = {
        let p = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: capacity)
        p.initialize(repeating: nil, count: capacity)
        return p
    }()

    /// Registers `path`; returns its slot for `remove`, or nil when all are taken.
    @discardableResult
    public static func add(_ path: String) -> Int? {
        for i in 0 ..< capacity where slots[i] == nil {
            slots[i] = strdup(path)
            return i
        }
        return nil
    }

    public static func remove(_ slot: Int?) {
        guard let slot, let p = slots[slot] else { return }
        slots[slot] = nil
        free(p)
    }

    /// Removes every registered file. Safe to call from a signal handler.
    public static func unlinkAll() {
        for i in 0 ..< capacity {
            if let p = slots[i] { unlink(p) }
        }
    }
}
