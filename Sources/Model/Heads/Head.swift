import TensorCore

/// Turns the top layer's packed outputs `[N x F]` (F = D*H) into the items
/// the classifier scores: one feature row per sequence (pooled heads) or the
/// output of every real step (`PerStepHead`). Padding never takes part:
/// batches are packed. One head per worker (it may keep scratch).
public protocol Head: AnyObject {
    /// True when every real step is an item (seq2seq), false when each row is.
    var scoresSteps: Bool { get }

    /// Items of `batch`: B or N.
    func items(_ batch: PackedBatch) -> Int

    /// The features `[M x F]` of the items: written into `scratch`, or a view
    /// of `top` itself when no pooling is needed.
    func forward(top: Matrix, batch: PackedBatch, scratch: Matrix) -> Matrix

    /// Writes dL/d(top) for every token (`dTop [N x F]`, all of it) from
    /// dL/d(features) (`[M x F]`).
    func backward(dFeatures: Matrix, top: Matrix, batch: PackedBatch, dTop: Matrix)

    /// The class label of item `i`.
    func label(_ i: Int, batch: PackedBatch) -> Int

    /// The step (0-based) item `i` stands for: its own for per-step items,
    /// the row's last for pooled ones.
    func step(_ i: Int, batch: PackedBatch) -> Int
}

/// The one place that maps a pooling to a head type.
public enum HeadFactory {
    public static func make(_ spec: ModelSpec, maxRows: Int) -> any Head {
        switch spec.pooling {
        case .last: return LastStepHead(hidden: spec.hiddenSize, directions: spec.directions)
        case .mean: return MeanPoolHead()
        case .max: return MaxPoolHead(maxRows: maxRows, width: spec.outputSize)
        case .perStep: return PerStepHead()
        }
    }
}

/// Pooled heads score one item per batch row, labelled with the row's class.
extension Head {
    public func label(_ i: Int, batch: PackedBatch) -> Int { batch.labels[i] }
    public func step(_ i: Int, batch: PackedBatch) -> Int { batch.lengths[i] - 1 }
}

/// Every real step is an item (seq2seq), labelled with its own label
/// (`PackedBatch.tokenLabels`: the corpus's per-step labels, else the row's
/// class at every step). Items are in packed order: item `offsets[t] + b`
/// is row b at step t.
public final class PerStepHead: Head {
    public var scoresSteps: Bool { true }
    /// Step of each packed token of the last forward. `[N]`
    private var steps: [Int32] = []
    public init() {}

    public func items(_ batch: PackedBatch) -> Int { batch.tokenCount }

    public func forward(top: Matrix, batch: PackedBatch, scratch: Matrix) -> Matrix {
        steps.removeAll(keepingCapacity: true)
        for t in 0 ..< batch.steps { steps.append(contentsOf: repeatElement(Int32(t), count: batch.active[t])) }
        return top
    }

    public func backward(dFeatures: Matrix, top: Matrix, batch: PackedBatch, dTop: Matrix) {
        guard dFeatures.base != dTop.base else { return }
        for i in 0 ..< batch.tokenCount { dTop.row(i).update(from: dFeatures.row(i), count: dTop.cols) }
    }

    public func label(_ i: Int, batch: PackedBatch) -> Int { batch.tokenLabels[i] }
    public func step(_ i: Int, batch: PackedBatch) -> Int { Int(steps[i]) }
}

/// The output at each row's last relevant step (PyTorch's `h_n` for the
/// top layer): the forward half at step length-1; for a bidirectional
/// stack the reverse half at step 0, where the reverse direction ends.
public final class LastStepHead: Head {
    let hidden: Int, directions: Int
    public var scoresSteps: Bool { false }

    init(hidden: Int, directions: Int) {
        self.hidden = hidden
        self.directions = directions
    }

    public func items(_ batch: PackedBatch) -> Int { batch.batchSize }

    public func forward(top: Matrix, batch: PackedBatch, scratch: Matrix) -> Matrix {
        let h = hidden
        for r in 0 ..< batch.batchSize {
            scratch.row(r).update(from: top.row(batch.lastIndex[r]), count: h)
            if directions == 2 { (scratch.row(r) + h).update(from: top.row(r) + h, count: h) }   // step 0: packed index r
        }
        return scratch.prefix(rows: batch.batchSize)
    }

    public func backward(dFeatures: Matrix, top: Matrix, batch: PackedBatch, dTop: Matrix) {
        let h = hidden
        dTop.fill(0)
        for r in 0 ..< batch.batchSize {
            dTop.row(batch.lastIndex[r]).update(from: dFeatures.row(r), count: h)
            if directions == 2 { Kernels.add(dFeatures.row(r) + h, into: dTop.row(r) + h, count: h) }
        }
    }
}
