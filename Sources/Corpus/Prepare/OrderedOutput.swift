#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A mutex and a condition variable (pthread), for the few points where the
/// preparation workers meet: taking the next file, handing in its rows.
final class Monitor: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let cond = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(cond, nil)
    }

    deinit {
        pthread_cond_destroy(cond)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        cond.deallocate()
    }

    func locked<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Waits (with the lock held) until `condition` holds.
    func wait(until condition: () -> Bool) {
        while !condition() { pthread_cond_wait(cond, mutex) }
    }

    /// Wakes every waiter (call with the lock held).
    func broadcast() { pthread_cond_broadcast(cond) }
}

/// Writes the per-file outputs of parallel workers in file order: a worker
/// hands in file k's bytes, and every completed file that is next in line
/// goes to the writer. A worker may run at most `window` files ahead of the
/// oldest unwritten one, which bounds the bytes waiting in memory.
final class OrderedOutput: @unchecked Sendable {
    private let monitor = Monitor()
    private let writer: AtomicFileWriter
    private let window: Int
    private var next = 0
    private var pending: [Int: [UInt8]] = [:]
    private(set) var error: Error?

    init(writer: AtomicFileWriter, window: Int) {
        self.writer = writer
        self.window = max(window, 1)
    }

    /// Blocks until file `index` may be processed (it is within the window).
    func waitForTurn(_ index: Int) {
        monitor.locked {
            monitor.wait { index - next < window || error != nil }
        }
    }

    func submit(_ index: Int, _ bytes: [UInt8]) {
        monitor.locked {
            pending[index] = bytes
            while let b = pending.removeValue(forKey: next) {
                if error == nil {
                    do { try writer.write(b) } catch { self.error = error }
                }
                next += 1
            }
            monitor.broadcast()
        }
    }

    var failed: Bool { monitor.locked { error != nil } }
}
