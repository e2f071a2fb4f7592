import TensorCore

/// The mean of each row's outputs over its real steps ("LSTM followed by
/// mean pooling"): feature_b = (1/len_b) Σ_{t < len_b} out[t, b].
public final class MeanPoolHead: Head {
    public var scoresSteps: Bool { false }
    init() {}

    public func items(_ batch: PackedBatch) -> Int { batch.batchSize }

    public func forward(top: Matrix, batch: PackedBatch, scratch: Matrix) -> Matrix {
        let b = batch.batchSize, f = top.cols
        let out = scratch.prefix(rows: b)
        out.fill(0)
        for t in 0 ..< batch.steps {
            for r in 0 ..< batch.active[t] { Kernels.add(top.row(batch.offsets[t] + r), into: out.row(r), count: f) }
        }
        for r in 0 ..< b { Kernels.scale(out.row(r), by: 1 / Float(batch.lengths[r]), count: f) }
        return out
    }

    /// dTop[t, b] = dFeature_b / len_b for every real step.
    public func backward(dFeatures: Matrix, top: Matrix, batch: PackedBatch, dTop: Matrix) {
        let f = dTop.cols
        for t in 0 ..< batch.steps {
            for r in 0 ..< batch.active[t] {
                let scale = 1 / Float(batch.lengths[r])
                let d = dTop.row(batch.offsets[t] + r), g = dFeatures.row(r)
                for j in 0 ..< f { d[j] = g[j] * scale }
            }
        }
    }
}

/// The element-wise maximum of each row's outputs over its real steps. The
/// gradient goes to the step that held the maximum (the first on ties).
public final class MaxPoolHead: Head {
    public var scoresSteps: Bool { false }
    /// Packed index of the maximum of each row and feature. `[B x F]`
    private var argmax: [Int32]
    private let width: Int

    init(maxRows: Int, width: Int) {
        self.width = width
        argmax = [Int32](repeating: 0, count: maxRows * width)
    }

    public func items(_ batch: PackedBatch) -> Int { batch.batchSize }

    public func forward(top: Matrix, batch: PackedBatch, scratch: Matrix) -> Matrix {
        let b = batch.batchSize, f = top.cols
        let out = scratch.prefix(rows: b)
        for r in 0 ..< b {
            out.row(r).update(from: top.row(r), count: f)        // step 0: packed index r
            for j in 0 ..< f { argmax[r * width + j] = Int32(r) }
        }
        for t in 1 ..< max(batch.steps, 1) {
            for r in 0 ..< batch.active[t] {
                let i = batch.offsets[t] + r
                let x = top.row(i), m = out.row(r)
                for j in 0 ..< f where x[j] > m[j] {
                    m[j] = x[j]
                    argmax[r * width + j] = Int32(i)
                }
            }
        }
        return out
    }

    public func backward(dFeatures: Matrix, top: Matrix, batch: PackedBatch, dTop: Matrix) {
        dTop.fill(0)
        for r in 0 ..< batch.batchSize {
            let g = dFeatures.row(r)
            for j in 0 ..< dTop.cols { dTop.row(Int(argmax[r * width + j]))[j] += g[j] }
        }
    }
}
