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

/// Where dropout masks come from: `(seed, step)`; masks are drawn per
/// corpus row from `RNG.derived(seed, dropout, step, row)` (the head's input)
/// or `RNG.derived(seed, dropout, step, row, layer + 1)` (between layers).
public struct DropoutKey: Sendable {
    public var seed: UInt64
    public var step: UInt64
    public init(seed: UInt64, step: UInt64) { self.seed = seed; self.step = step }
}

extension Dropout {
    /// Fills the masks of a packed batch's items: one row per batch row
    /// (`perStep == false`, mask `[B x F]`) or one per real token in time order
    /// (`perStep == true`, mask `[N x F]` in packed order). `layer` selects the
    /// between-layers stream (nil: the head's input).
    public func fillMasks(_ mask: Matrix, batch: PackedBatch, key: DropoutKey, perStep: Bool, layer: Int? = nil) {
        let f = mask.cols
        for r in 0 ..< batch.batchSize {
            let row = UInt64(batch.rows[r])
            var rng = layer.map { RNG.derived(seed: key.seed, RandomStream.dropout, key.step, row, UInt64($0 + 1)) }
                ?? RNG.derived(seed: key.seed, RandomStream.dropout, key.step, row)
            if !perStep {
                fillMask(mask.row(r), count: f, rng: &rng)
            } else {
                for t in 0 ..< batch.lengths[r] { fillMask(mask.row(batch.offsets[t] + r), count: f, rng: &rng) }
            }
        }
    }
}
