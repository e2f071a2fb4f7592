import TensorCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Softmax cross-entropy over rows of logits, with accuracy.
public enum SoftmaxCrossEntropy {
    /// For each row r of `logits [M x K]` with target `labels[r]`: adds
    /// -log softmax(logits_r)[label] to the returned loss sum and counts a
    /// correct prediction when the arg-max (first on ties) is the label. When
    /// `dLogits` is given, writes `(softmax - onehot) * gradScale` into it.
    ///
    /// With `weights` (one per class, PyTorch's `CrossEntropyLoss(weight=)`),
    /// row r's loss and gradient are multiplied by `weights[label]`, and
    /// `weightSum` adds those weights up: the weighted mean is `lossSum /
    /// weightSum` (so pass `gradScale = 1 / weightSum` of the whole batch).
    public static func forwardBackward(logits: Matrix, labels: (Int) -> Int, dLogits: Matrix?, gradScale: Float,
                                       weights: [Float]? = nil) -> (lossSum: Double, correct: Int, weightSum: Double) {
        let k = logits.cols
        var lossSum = 0.0, weightSum = 0.0
        var correct = 0
        for r in 0 ..< logits.rows {
            let z = logits.row(r)
            let y = labels(r)
            var best = 0
            var m = z[0]
            for j in 1 ..< k where z[j] > m { m = z[j]; best = j }
            if best == y { correct += 1 }
            var sum: Float = 0
            for j in 0 ..< k { sum += expf(z[j] - m) }
            let logSum = logf(sum)
            let w = weights?[y] ?? 1
            lossSum += Double(w) * Double(logSum - (z[y] - m))
            weightSum += Double(w)
            if let dLogits {
                let d = dLogits.row(r)
                let inv = 1 / sum, scale = gradScale * w
                for j in 0 ..< k { d[j] = expf(z[j] - m) * inv * scale }
                d[y] -= scale
            }
        }
        return (lossSum, correct, weightSum)
    }

    /// Softmax of one row of `k` logits into `p` (for prediction).
    public static func softmax(_ z: UnsafePointer<Float>, count k: Int, into p: UnsafeMutablePointer<Float>) {
        var m = z[0]
        for j in 1 ..< k { m = max(m, z[j]) }
        var s: Float = 0
        for j in 0 ..< k { p[j] = expf(z[j] - m); s += p[j] }
        for j in 0 ..< k { p[j] /= s }
    }
}
