import TensorCore

/// Inverted dropout: each unit is kept with probability `keepProb` and then
/// scaled by 1/keepProb, so evaluation needs no rescaling (TensorFlow's
/// `tf.nn.dropout(x, keep_prob)`).
///
/// The mask of a sequence depends only on (seed, step, corpus row), drawn from
/// its own random stream, so it is the same whichever worker or batch position
/// the row lands in: results do not depend on how a batch is split.
public struct Dropout: Sendable {
    public let keepProb: Float

    public init(keepProb: Float) {
        precondition(keepProb > 0 && keepProb <= 1, "keep probability must be in (0, 1]")
        self.keepProb = keepProb
    }

    /// Fills `mask` (`count` floats) with 0 or 1/keepProb from `rng`, 16 random
    /// bits per unit.
    public func fillMask(_ mask: UnsafeMutablePointer<Float>, count: Int, rng: inout RNG) {
        let threshold = UInt64((Double(keepProb) * 65_536).rounded())
        let scale = 1 / keepProb
        var i = 0
        while i < count {
            var bits = rng.next()
            let c = Swift.min(4, count - i)
            for k in 0 ..< c {
                mask[i + k] = (bits & 0xFFFF) < threshold ? scale : 0
                bits >>= 16
            }
            i += 4
        }
    }

    /// y = x * mask, element-wise over a `rows x cols` block.
    public static func apply(_ x: Matrix, mask: Matrix, into y: Matrix) {
        for r in 0 ..< x.rows { Kernels.multiply(x.row(r), mask.row(r), into: y.row(r), count: x.cols) }
    }
}
