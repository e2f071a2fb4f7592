import TensorCore

/// What happens to the gradients of one batch, in stages:
///
///     1. sum     the workers' slabs into worker 0's, in worker order
///     2. reduce  across processes (a hook; nothing in one process)
///     3. clip    by the global norm of the summed gradient
///     4. step    the optimizer, over disjoint slab ranges in parallel
///
/// Stage 1 adds only what is non-zero: the dense tensors after the
/// embedding table and the embedding rows each worker touched (a batch
/// touches a few thousand of V rows), so it stays cheap; stages 3 and 4
/// run over the whole slab, split across the threads.
public final class GradientPath: @unchecked Sendable {
    public let network: SequenceNetwork
    public let workers: [NetworkWorker]
    public let optimizer: any Optimizer
    public let clipNorm: Float?
    /// Cross-process reduction of the summed gradient (stage 2): called with
    /// the slab and the embedding rows it holds; nil in one process.
    public var reduce: ((FloatBuffer, [Int32]) -> Void)?
    /// The slab range each thread owns in stages 3 and 4.
    private let ranges: [Range<Int>]
    private let normParts: UnsafeMutableBufferPointer<Double>

    public init(network: SequenceNetwork, workers: [NetworkWorker], optimizer: any Optimizer, clipNorm: Float?) {
        self.network = network
        self.workers = workers
        self.optimizer = optimizer
        self.clipNorm = clipNorm
        let total = network.params.count, n = workers.count
        ranges = (0 ..< n).map { k in (total * k / n) / 64 * 64 ..< (k == n - 1 ? total : (total * (k + 1) / n) / 64 * 64) }
        normParts = .allocate(capacity: n)
        normParts.initialize(repeating: 0)
    }

    deinit { normParts.deallocate() }

    /// The summed gradient after `apply`: worker 0's slab.
    public var gradient: FloatBuffer { workers[0].grads }

    /// Runs the four stages after the first `active` workers ran a batch.
    /// Returns the gradient norm before clipping (nil when not clipping).
    @discardableResult
    public func apply(activeWorkers active: Int) -> Float? {
        sum(active)
        reduce?(gradient, workers[0].touched.rows)
        var scale: Float = 1, norm: Float?
        if let clipNorm {
            runParallel(workers.count) { k in
                let r = self.ranges[k]
                self.normParts[k] = Kernels.sumOfSquares(self.gradient.base + r.lowerBound, count: r.count)
            }
            norm = Float(normParts.reduce(0, +).squareRoot())
            scale = GradientClipping.scale(norm: norm!, maxNorm: clipNorm)
        }
        optimizer.beginStep()
        runParallel(workers.count) { k in
            self.optimizer.apply(params: self.network.params.base, grads: self.gradient.base, gradScale: scale, range: self.ranges[k])
        }
        return norm
    }

    /// Stage 1: slab_0 += slab_w for w = 1 ..< active, dense part and touched
    /// embedding rows; worker 0 then owns (and later clears) the union of rows.
    private func sum(_ active: Int) {
        let emb = network.embedding
        let g0 = workers[0].grads.base, tableEnd = emb.offset + emb.vocabularySize * emb.dim
        for w in 1 ..< max(active, 1) {
            let gw = workers[w].grads.base
            Kernels.add(gw + tableEnd, into: g0 + tableEnd, count: network.params.count - tableEnd)
            for r in workers[w].touched.rows {
                let o = emb.offset + Int(r) * emb.dim
                Kernels.add(gw + o, into: g0 + o, count: emb.dim)
            }
            workers[0].touched.add(workers[w].touched.rows)
        }
    }
}

/// Runs `body(0 ..< n)` on up to n threads (inline when n is 1). Worker
/// threads flush denormals to zero (MXCSR is per thread; the calling thread
/// sets it where the program starts).
func runParallel(_ n: Int, _ body: (Int) -> Void) {
    if n == 1 { body(0); return }
    DispatchQueue.concurrentPerform(iterations: n) { FloatingPointMode.enableFlushToZero(); body($0) }
}

import Dispatch
