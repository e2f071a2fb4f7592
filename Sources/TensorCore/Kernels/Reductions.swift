/// Small vector kernels shared by the layers.
public enum Kernels {
    /// `sums[j] += Σ_r m[r, j]`: bias gradients as column sums.
    @inline(__always)
    public static func addColumnSums(_ m: Matrix, into sums: UnsafeMutablePointer<Float>) {
        let n = m.cols
        for r in 0 ..< m.rows {
            let p = m.row(r)
            var j = 0
            while j < n {
                let c = Swift.min(vecWidth, n - j)
                vstore(vload(sums + j, c) + vload(p + j, c), sums + j, c)
                j += vecWidth
            }
        }
    }

    /// `y[i] += x[i]` for `count` elements.
    @inline(__always)
    public static func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i < count {
            let c = Swift.min(vecWidth, count - i)
            vstore(vload(y + i, c) + vload(x + i, c), y + i, c)
            i += vecWidth
        }
    }

    /// `y[i] *= a`.
    @inline(__always)
    public static func scale(_ y: UnsafeMutablePointer<Float>, by a: Float, count: Int) {
        var i = 0
        while i < count {
            let c = Swift.min(vecWidth, count - i)
            vstore(vload(y + i, c) * a, y + i, c)
            i += vecWidth
        }
    }

    /// Σ x[i]^2 accumulated in Double for a stable global norm.
    public static func sumOfSquares(_ x: UnsafePointer<Float>, count: Int) -> Double {
        var total = 0.0
        var i = 0
        while i < count {
            let c = Swift.min(vecWidth * 64, count - i)
            var acc = Vec()
            var k = 0
            while k < c {
                let w = Swift.min(vecWidth, c - k)
                let v = vload(x + i + k, w)
                acc += v * v
                k += vecWidth
            }
            total += Double(acc.sum())
            i += c
        }
        return total
    }
}
