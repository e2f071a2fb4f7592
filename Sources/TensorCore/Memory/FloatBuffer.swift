/// A fixed-size, 64-byte-aligned, zero-initialised array of `Float`.
///
/// Parameter slabs, gradient slabs and workspaces are `FloatBuffer`s: they are
/// allocated once (for the largest batch) and reused, so the training loop
/// never allocates. Reference semantics on purpose: views into a buffer stay
/// valid as long as the buffer lives.
public final class FloatBuffer: @unchecked Sendable {
    public let count: Int
    public let base: UnsafeMutablePointer<Float>

    public init(count: Int) {
        precondition(count >= 0, "negative buffer size")
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(count, 1) * 4, alignment: 64)
        base = raw.bindMemory(to: Float.self, capacity: Swift.max(count, 1))
        base.initialize(repeating: 0, count: Swift.max(count, 1))
    }

    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { base.update(from: $0.baseAddress!, count: values.count) }
    }

    deinit { UnsafeMutableRawPointer(base).deallocate() }

    @inline(__always)
    public subscript(i: Int) -> Float {
        get { base[i] }
        set { base[i] = newValue }
    }

    public func zero() { base.update(repeating: 0, count: count) }

    public var array: [Float] { Array(UnsafeBufferPointer(start: base, count: count)) }

    /// A row-major matrix view of `rows x cols` elements starting at `offset`.
    public func matrix(offset: Int = 0, rows: Int, cols: Int) -> Matrix {
        precondition(offset + rows * cols <= count, "view past the end of the buffer")
        return Matrix(base + offset, rows: rows, cols: cols)
    }
}
