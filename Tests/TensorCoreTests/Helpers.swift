import XCTest
import TensorCore

/// Asserts |a - b| <= abs + rel * |b| element-wise, reporting the first
/// offending index at the caller's file and line.
func assertClose(_ a: [Float], _ b: [Float], abs: Float = 1e-5, rel: Float = 1e-4,
                 _ what: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "\(what): sizes differ", file: file, line: line)
    for i in 0 ..< min(a.count, b.count) where !(Swift.abs(a[i] - b[i]) <= abs + rel * Swift.abs(b[i])) {
        XCTFail("\(what)[\(i)]: \(a[i]) vs \(b[i])", file: file, line: line)
        return
    }
}

/// A buffer of reproducible values in [-1, 1).
func randomBuffer(_ count: Int, seed: UInt64) -> FloatBuffer {
    var rng = RNG(seed: seed)
    let b = FloatBuffer(count: count)
    for i in 0 ..< count { b[i] = rng.uniform(-1, 1) }
    return b
}
