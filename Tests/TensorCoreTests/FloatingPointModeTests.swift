import XCTest
import TensorCore

/// MXCSR's flush-to-zero and denormals-are-zero bits, per thread.
final class FloatingPointModeTests: XCTestCase {
    override func tearDown() { FloatingPointMode.enableFlushToZero() }

    /// Products through memory, so the compiler cannot fold them.
    func product(_ a: Float, _ b: Float) -> Float {
        let buf = FloatBuffer([a, b, 0])
        buf.base[2] = buf.base[0] * buf.base[1]
        return buf[2]
    }

    func testFlushToZeroAndDenormalsAreZero() throws {
        let tiny = Float.leastNormalMagnitude
        FloatingPointMode.disableFlushToZero()
        XCTAssertFalse(FloatingPointMode.flushesToZero)
        XCTAssertTrue(product(tiny, 0.25).isSubnormal)               // IEEE: a denormal result
        XCTAssertEqual(product(tiny / 4, 4), tiny)                    // and denormal inputs count
        guard FloatingPointMode.enableFlushToZero() else { throw XCTSkip("no flush-to-zero mode on this CPU") }
        XCTAssertTrue(FloatingPointMode.flushesToZero)
        XCTAssertEqual(product(tiny, 0.25), 0)                        // FTZ: results flushed
        XCTAssertEqual(product(Float(bitPattern: 0x0010_0000), 1e30), 0)  // DAZ: inputs read as zero
    }

    /// Every kernel family (OpenBLAS's sgemm too) obeys the calling thread's mode.
    func testProductsReadDenormalInputsAsZeroWhenFlushing() throws {
        let a = FloatBuffer([Float.leastNormalMagnitude / 8]), b = FloatBuffer([1e30]), c = FloatBuffer(count: 1)
        for family in KernelFamily.supported {
            FloatingPointMode.disableFlushToZero()
            KernelFamily.using(family) { gemm(a.matrix(rows: 1, cols: 1), b.matrix(rows: 1, cols: 1), into: c.matrix(rows: 1, cols: 1)) }
            XCTAssertGreaterThan(c[0], 0, "\(family)")
            guard FloatingPointMode.enableFlushToZero() else { throw XCTSkip("no flush-to-zero mode on this CPU") }
            KernelFamily.using(family) { gemm(a.matrix(rows: 1, cols: 1), b.matrix(rows: 1, cols: 1), into: c.matrix(rows: 1, cols: 1)) }
            XCTAssertEqual(c[0], 0, "\(family)")
        }
    }
}
