import Corpus
import TensorCore
#if canImport(Glibc)
import Glibc
#endif

/// Multinomial logistic regression on bag-of-token-ids counts, the
/// baseline a recurrent model must beat: row i's features are how often
/// each id occurs in it, so its logits are `b + sum over its tokens t of
/// W[t]`, a sparse dot product (length x K adds, no V-wide vector).
///
/// Trained by L-BFGS on scikit-learn's objective for
/// `LogisticRegression(C=c)` (multinomial, L2, bias not penalised),
///
///     C * sum_i CE(softmax(x_i W + b), y_i) + 1/2 ||W||^2,
///
/// divided by C * n (the same minimiser; the gradient's scale stays near 1).
/// Weights in Double. The rows are cut into a fixed number of chunks, so
/// the figures do not depend on the thread count.
public final class BagOfIDsRegression {
    public let vocabularySize: Int, classes: Int
    /// W [V x K] row-major (one id's K weights side by side), then b [K].
    public private(set) var params: [Double]
    /// L-BFGS iterations of a run's baseline (scikit-learn's default `max_iter` is 100).
    public static let defaultIterations = 100
    /// Rows per loss-and-gradient chunk are `rows / chunks`, rounded up.
    static let chunks = 64

    public init(vocabularySize: Int, classes: Int) {
        self.vocabularySize = vocabularySize
        self.classes = classes
        params = [Double](repeating: 0, count: (vocabularySize + 1) * classes)
    }

    /// Fits the weights to `rows` of `corpus`; returns L-BFGS's iterations and the final objective.
    @discardableResult
    public func train(_ corpus: Corpus, rows: [Int], c: Double = 1, iterations: Int = defaultIterations, threads: Int = 1) -> (iterations: Int, objective: Double) {
        guard !rows.isEmpty else { return (0, 0) }
        var d = [Double](repeating: 0, count: rows.count * classes)   // [n x K] softmax - one-hot
        let lambda = 1 / (c * Double(rows.count))
        let result = LBFGS(maxIterations: iterations).minimize(&params) { theta, g in
            objective(theta, corpus, rows, lambda: lambda, threads: threads, d: &d, gradient: &g)
        }
        return (result.iterations, result.value * c * Double(rows.count))
    }

    /// Mean cross-entropy over `rows` plus lambda/2 ||W||^2, and its gradient.
    /// Forward in parallel chunks (softmax minus one-hot into `d`), then the
    /// scatter `gW[t] += d_i` in row order.
    func objective(_ theta: [Double], _ corpus: Corpus, _ rows: [Int], lambda: Double, threads: Int,
                   d: inout [Double], gradient g: inout [Double]) -> Double {
        let k = classes, n = rows.count, per = (n + Self.chunks - 1) / Self.chunks
        var losses = [Double](repeating: 0, count: Self.chunks)
        theta.withUnsafeBufferPointer { w in
            d.withUnsafeMutableBufferPointer { dp in
                losses.withUnsafeMutableBufferPointer { lp in
                    let (w, dp, lp) = (w, dp, lp)
                    let team = max(1, min(threads, Self.chunks))
                    WorkerPool.run(team) { worker in
                        var chunk = worker
                        while chunk < Self.chunks {
                            var loss = 0.0
                            for i in min(n, chunk * per) ..< min(n, (chunk + 1) * per) {
                                loss += rowForward(corpus, rows[i], w, into: dp.baseAddress! + i * k)
                            }
                            lp[chunk] = loss
                            chunk += team
                        }
                    }
                }
            }
        }
        var penalty = 0.0
        g.withUnsafeMutableBufferPointer { g in
            d.withUnsafeBufferPointer { d in
                corpus.tokenIDs.withUnsafeBufferPointer { ids in
                    corpus.offsets.withUnsafeBufferPointer { off in
                        let bias = vocabularySize * k
                        for j in 0 ..< g.count { g[j] = 0 }
                        for (i, r) in rows.enumerated() {
                            for p in off[r] ..< off[r + 1] { for j in 0 ..< k { g[Int(ids[p]) * k + j] += d[i * k + j] } }
                            for j in 0 ..< k { g[bias + j] += d[i * k + j] }
                        }
                        for j in 0 ..< bias {
                            g[j] = g[j] / Double(n) + lambda * theta[j]
                            penalty += theta[j] * theta[j]
                        }
                        for j in bias ..< bias + k { g[j] /= Double(n) }
                    }
                }
            }
        }
        return losses.reduce(0, +) / Double(n) + lambda / 2 * penalty
    }

    /// Row `r`'s cross-entropy; writes softmax - one-hot (K values) to `out`.
    func rowForward(_ corpus: Corpus, _ r: Int, _ w: UnsafeBufferPointer<Double>, into out: UnsafeMutablePointer<Double>) -> Double {
        let k = classes
        logits(corpus, r, w, into: out)
        var top = -Double.infinity
        for j in 0 ..< k { top = max(top, out[j]) }
        var sum = 0.0
        for j in 0 ..< k { out[j] = exp(out[j] - top); sum += out[j] }
        let y = Int(corpus.labels[r])
        let loss = -log(out[y] / sum)
        for j in 0 ..< k { out[j] /= sum }
        out[y] -= 1
        return loss
    }

    /// `b + sum over row r's tokens t of W[t]` into `out` (K values).
    func logits(_ corpus: Corpus, _ r: Int, _ w: UnsafeBufferPointer<Double>, into out: UnsafeMutablePointer<Double>) {
        let k = classes, bias = vocabularySize * k
        for j in 0 ..< k { out[j] = w[bias + j] }
        for t in corpus.tokens(r) {
            let base = Int(t) * k
            for j in 0 ..< k { out[j] += w[base + j] }
        }
    }

    /// The class of highest logit for row `r` (the lowest index on a tie).
    public func predict(_ corpus: Corpus, row r: Int) -> Int {
        var z = [Double](repeating: 0, count: classes)
        params.withUnsafeBufferPointer { w in z.withUnsafeMutableBufferPointer { logits(corpus, r, w, into: $0.baseAddress!) } }
        var best = 0
        for j in 1 ..< classes where z[j] > z[best] { best = j }
        return best
    }

    /// The share of `rows` predicted right (NaN without rows).
    public func accuracy(_ corpus: Corpus, rows: [Int]) -> Double {
        guard !rows.isEmpty else { return .nan }
        let right = rows.reduce(0) { $0 + (predict(corpus, row: $1) == Int(corpus.labels[$1]) ? 1 : 0) }
        return Double(right) / Double(rows.count)
    }
}
