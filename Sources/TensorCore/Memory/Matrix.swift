/// A non-owning row-major view of a `rows x cols` block of floats with a row
/// stride (`ld`, BLAS's leading dimension). Views are how every kernel and
/// GEMM call sees memory: a prefix of rows (`prefix(rows:)`) is the active part
/// of a time step, a column block (`columns(_:)`) is one gate.
public struct Matrix {
    public var base: UnsafeMutablePointer<Float>
    public var rows: Int
    public var cols: Int
    public var ld: Int

    @inline(__always)
    public init(_ base: UnsafeMutablePointer<Float>, rows: Int, cols: Int, ld: Int? = nil) {
        self.base = base
        self.rows = rows
        self.cols = cols
        self.ld = ld ?? cols
    }

    @inline(__always)
    public subscript(r: Int, c: Int) -> Float {
        get { base[r * ld + c] }
        nonmutating set { base[r * ld + c] = newValue }
    }

    @inline(__always)
    public func row(_ r: Int) -> UnsafeMutablePointer<Float> { base + r * ld }

    /// The first `n` rows.
    @inline(__always)
    public func prefix(rows n: Int) -> Matrix {
        Matrix(base, rows: n, cols: cols, ld: ld)
    }

    /// Rows `start ..< start + n`.
    @inline(__always)
    public func rows(_ start: Int, _ n: Int) -> Matrix {
        Matrix(base + start * ld, rows: n, cols: cols, ld: ld)
    }

    /// Columns `range` of every row (same stride).
    @inline(__always)
    public func columns(_ range: Range<Int>) -> Matrix {
        Matrix(base + range.lowerBound, rows: rows, cols: range.count, ld: ld)
    }

    public func fill(_ v: Float) {
        for r in 0 ..< rows { row(r).update(repeating: v, count: cols) }
    }

    public var isContiguous: Bool { ld == cols || rows <= 1 }
}
