import XCTest
import Foundation
import TensorCore

/// The team of threads behind data-parallel loops: every index runs once,
/// index k on the same thread every time, with flush-to-zero on; a nested
/// call runs in order on the calling thread.
final class WorkerPoolTests: XCTestCase {
    func testEveryIndexRunsOnceOnItsOwnThread() {
        final class Record: @unchecked Sendable {
            let lock = NSLock()
            var calls: [Int: Int] = [:]
            var threads: [Int: Set<UInt>] = [:]
            var flushing = true
        }
        let r = Record()
        for round in 0 ..< 200 {
            let n = round % 7 == 0 ? 3 : 4
            WorkerPool.run(n) { k in
                let me = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(bitPattern: UInt(pthread_self()))))
                var x = 0.0
                for i in 0 ..< 1000 * (k + 1) { x += Double(i) } // unequal work
                r.lock.lock()
                r.calls[k, default: 0] += 1
                r.threads[k, default: []].insert(me)
                r.flushing = r.flushing && FloatingPointMode.flushesToZero
                r.lock.unlock()
                XCTAssertGreaterThan(x, 0)
            }
        }
        XCTAssertEqual(r.calls[0], 200)
        XCTAssertEqual(r.calls[3], 200 - 29)
        for k in 0 ..< 4 { XCTAssertEqual(r.threads[k]?.count, 1, "index \(k) moved between threads") }
        XCTAssertEqual(Set(r.threads.values.map { $0.first! }).count, 4, "two indices shared a thread")
        XCTAssertEqual(r.threads[0]?.first, UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(bitPattern: UInt(pthread_self())))),
                       "index 0 runs on the calling thread")
        if FloatingPointMode.enableFlushToZero() { XCTAssertTrue(r.flushing) }
    }

    func testNestedCallRunsInOrderOnTheCallingThread() {
        final class Log: @unchecked Sendable {
            let lock = NSLock()
            var inner: [[Int]] = [[], []]
        }
        let log = Log()
        WorkerPool.run(2) { k in
            var seen: [Int] = []
            WorkerPool.run(3) { j in seen.append(j) } // not thread-safe: must run inline
            log.lock.lock()
            log.inner[k] = seen
            log.lock.unlock()
        }
        XCTAssertEqual(log.inner, [[0, 1, 2], [0, 1, 2]])
    }

    /// Helpers sleep after a while without work and wake for the next job.
    func testHelpersWakeAfterSleeping() {
        // One slot per index, written through a pointer: mutating a shared
        // Swift array from two threads would race on the array itself.
        let parts = UnsafeMutableBufferPointer<Int>.allocate(capacity: 2)
        defer { parts.deallocate() }
        parts.initialize(repeating: 0)
        for _ in 0 ..< 3 {
            WorkerPool.run(2) { k in parts[k] += k + 1 }
            usleep(20000) // longer than the helpers spin
        }
        XCTAssertEqual(Array(parts), [3, 6])
    }
}
