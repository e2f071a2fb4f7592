/// Small vector kernels shared by the layers: 64 floats at a time, the
/// remainder through `Vec64`'s partial loads.
public enum Kernels {
    /// Applies `body` to every 64-float block of `0 ..< count`, passing the
    /// offset and the block width (64, or less for the last block).
    @_transparent
    static func blocks(_ count: Int, _ body: (Int, Int) -> Void) {
        var i = 0
        while i + 64 <= count { body(i, 64); i += 64 }
        if i < count { body(i, count - i) }
    }

    @_transparent
    static func load(_ p: UnsafePointer<Float>, _ width: Int) -> Vec64 {
        width == 64 ? Vec64(p) : Vec64(p, count: width)
    }

    @_transparent
    static func store(_ v: Vec64, _ p: UnsafeMutablePointer<Float>, _ width: Int) {
        if width == 64 { v.store(p) } else { v.store(p, count: width) }
    }

    /// `sums[j] += Σ_r m[r, j]`: bias gradients as column sums, one
    /// 64-column block at a time with the running sum in registers.
    public static func addColumnSums(_ m: Matrix, into sums: UnsafeMutablePointer<Float>) {
        blocks(m.cols) { j, w in
            var acc = load(sums + j, w)
            if w == 64 {
                for r in 0 ..< m.rows { acc += Vec64(m.row(r) + j) }
            } else {
                for r in 0 ..< m.rows { acc += Vec64(m.row(r) + j, count: w) }
            }
            store(acc, sums + j, w)
        }
    }

    /// `y[i] += x[i]` for `count` elements.
    public static func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        blocks(count) { i, w in store(load(y + i, w) + load(x + i, w), y + i, w) }
    }

    /// `dst.row(rows[i]) += src.row(i)` for every row i of `src`, in order
    /// (rows may repeat: each sums in the order of `src`). One call for the
    /// whole scatter, so a row of 192 floats costs no call of its own.
    public static func addRows(_ src: Matrix, into dst: Matrix, at rows: UnsafeBufferPointer<Int32>) {
        precondition(src.cols == dst.cols && rows.count >= src.rows, "row widths differ, or too few row indices")
        for i in 0 ..< src.rows { addRow(src.row(i), into: dst.row(Int(rows[i])), count: src.cols) }
    }

    /// `dst.row(r) += src.row(r)` for each r in `rows` (two tables of the
    /// same shape, the rows some batch touched).
    public static func addRows(_ rows: UnsafeBufferPointer<Int32>, of src: Matrix, into dst: Matrix) {
        precondition(src.cols == dst.cols, "row widths differ")
        for r in rows { addRow(src.row(Int(r)), into: dst.row(Int(r)), count: src.cols) }
    }

    /// `y[i] += x[i]`, inlined into the row loops above (`add` is a call).
    @inline(__always)
    static func addRow(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count c: Int) {
        let full = c / 64 * 64
        var j = 0
        while j < full { (Vec64(y + j) + Vec64(x + j)).store(y + j); j += 64 }
        if j < c { add(x + j, into: y + j, count: c - j) }
    }

    /// `y[i] = x[i] * m[i]` (element-wise product; `y` may be `x`).
    public static func multiply(_ x: UnsafePointer<Float>, _ m: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        blocks(count) { i, w in store(load(x + i, w) * load(m + i, w), y + i, w) }
    }

    /// `y[i] *= a`.
    public static func scale(_ y: UnsafeMutablePointer<Float>, by a: Float, count: Int) {
        blocks(count) { i, w in store(load(y + i, w) * a, y + i, w) }
    }

    /// Σ x[i]^2, accumulated per 4096-element chunk in Double for a stable norm.
    public static func sumOfSquares(_ x: UnsafePointer<Float>, count: Int) -> Double {
        var total = 0.0
        var start = 0
        while start < count {
            let n = Swift.min(4096, count - start)
            var acc = Vec64(0)
            blocks(n) { i, w in
                let v = load(x + start + i, w)
                acc = acc.adding(v, times: v)
            }
            total += Double(acc.sum())
            start += n
        }
        return total
    }
}
