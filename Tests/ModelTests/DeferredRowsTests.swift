import XCTest
import Corpus
import Model
import TensorCore

/// Deferred zero-gradient updates of embedding rows (`DeferredRows`) give
/// the eager dense update bit for bit: in the kernel, and through the real
/// training path (Trainer, workers, GradientPath, evaluation in between).
final class DeferredRowsTests: XCTestCase {
    /// k Adam updates with a zero gradient, replayed at once, equal k eager
    /// updates of the same slab: changing learning rates and clip scales,
    /// AdamW's decay, widths below, at and past the 64-float block.
    func testReplayEqualsEagerZeroGradientUpdates() {
        for (width, decay) in [(1, Float(0)), (37, 0), (64, 0.01), (130, 0), (130, 0.05)] {
            var rng = RNG(seed: UInt64(width))
            let start = (0 ..< width).map { _ in rng.uniform(-1, 1) }
            var spec = OptimizerSpec(kind: .adam, learningRate: 0.01)
            spec.weightDecay = decay
            let eager = Adam(spec: spec, parameterCount: width), later = Adam(spec: spec, parameterCount: width)
            let pe = FloatBuffer(start), pl = FloatBuffer(start)
            // A first update with a real gradient gives the moments values.
            let g = FloatBuffer((0 ..< width).map { _ in rng.uniform(-1, 1) })
            for (o, p) in [(eager, pe), (later, pl)] { o.beginStep(); o.apply(params: p.base, grads: g.base, gradScale: 1, range: 0 ..< width) }
            let zero = FloatBuffer(count: width)
            var steps: [SIMD4<Float>] = []
            for k in 0 ..< 9 {
                let lr = Float(0.01) / Float(k + 1), scale = k % 3 == 0 ? 1 : Float(0.25)
                eager.learningRate = lr; later.learningRate = lr
                eager.beginStep(); later.beginStep()
                eager.apply(params: pe.base, grads: zero.base, gradScale: scale, range: 0 ..< width)
                steps.append(later.zeroGradientScalars(gradScale: scale))
            }
            steps.withUnsafeBufferPointer { later.replayZeroGradient(params: pl.base, range: 0 ..< width, steps: $0) }
            XCTAssertEqual(pl.array.map(\.bitPattern), pe.array.map(\.bitPattern), "params, width \(width)")
            XCTAssertEqual(later.m.array.map(\.bitPattern), eager.m.array.map(\.bitPattern), "exp_avg, width \(width)")
            XCTAssertEqual(later.v.array.map(\.bitPattern), eager.v.array.map(\.bitPattern), "exp_avg_sq, width \(width)")
            XCTAssertNotEqual(pe.array, start, "the updates moved nothing")
        }
    }

    /// The vector square root the Adam kernels use is the correctly rounded
    /// one, lane by lane, including zeros, denormals, infinity and NaN.
    func testVectorSquareRootMatchesScalar() {
        var rng = RNG(seed: 3)
        var xs: [Float] = [0, -0.0, 1, 4, .leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude, .infinity, -1, .nan]
        while xs.count < 64 * 8 { xs.append(Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()) & 0x7fff_ffff)) }
        xs.withUnsafeBufferPointer { x in
            for b in stride(from: 0, to: x.count, by: 64) {
                let r = Vec64(x.baseAddress! + b).squareRoot()
                let out = UnsafeMutablePointer<Float>.allocate(capacity: 64)
                defer { out.deallocate() }
                r.store(out)
                for i in 0 ..< 64 {
                    let want = x[b + i].squareRoot()
                    if want.isNaN { XCTAssertTrue(out[i].isNaN, "sqrt(\(x[b + i]))") } else {
                        XCTAssertEqual(out[i].bitPattern, want.bitPattern, "sqrt(\(x[b + i]))")
                    }
                }
            }
        }
    }

    /// Zipf-like ids over 50 rows: rows above 30 come up rarely, 45...49 never.
    func corpus() -> Corpus {
        var c = Corpus(classNames: ["a", "b", "c"], vocabularySize: 50)
        var rng = RNG(seed: 11)
        for _ in 0 ..< 300 {
            let len = 1 + rng.below(12)
            c.append(ids: (0 ..< len).map { _ in Int32(rng.below(rng.below(45) + 1)) }, label: UInt8(rng.below(3)))
        }
        return c
    }

    func trainer(deferring: Bool, clip: Float?) -> Trainer {
        let net = SequenceNetwork(spec: ModelSpec(task: .classify, vocabularySize: 50, embedDim: 8, hiddenSize: 16, numClasses: 3), seed: 7)
        var o = TrainingOptions()
        o.threads = 2
        o.batchSize = 16
        o.optimizer = OptimizerSpec(kind: .adam, learningRate: 0.01)
        o.clipNorm = clip
        o.mode = .bucketed(buckets: 3)
        o.maxLength = 12
        let t = Trainer(network: net, corpus: corpus(), trainRows: Array(0 ..< 250), testRows: Array(250 ..< 300), options: o)
        XCTAssertEqual(t.gradientPath.deferUntouchedRows(deferring), deferring)
        return t
    }

    /// Training with deferred rows gives the eager run's losses, evaluation
    /// between steps, parameters and moments, bit for bit; before they are
    /// brought up to date some rows do lag (so the deferral was exercised).
    func testDeferredTrainingIsBitIdentical() {
        for clip: Float? in [nil, 0.05] {
            let eager = trainer(deferring: false, clip: clip), deferred = trainer(deferring: true, clip: clip)
            let batches = eager.batches(epoch: 1)
            var lagged = false
            for rows in batches.prefix(8) {
                let a = eager.trainStep(rows), b = deferred.trainStep(rows)
                XCTAssertEqual(b.lossSum.bitPattern, a.lossSum.bitPattern, "loss of a step, clip \(String(describing: clip))")
                lagged = lagged || deferred.network.params.array != eager.network.params.array
            }
            XCTAssertTrue(lagged, "no row was ever deferred")
            let mid = (eager.evaluate(rows: eager.testRows), deferred.evaluate(rows: deferred.testRows))
            XCTAssertEqual(mid.1.loss.bitPattern, mid.0.loss.bitPattern, "evaluation between steps")
            for e in 1 ... 2 {
                let a = eager.trainEpoch(e), b = deferred.trainEpoch(e)
                XCTAssertEqual(b.trainLoss.bitPattern, a.trainLoss.bitPattern, "epoch \(e)")
                XCTAssertEqual(b.testLoss.bitPattern, a.testLoss.bitPattern, "epoch \(e)")
            }
            XCTAssertEqual(deferred.network.params.array.map(\.bitPattern), eager.network.params.array.map(\.bitPattern))
            for (s, t) in zip(deferred.optimizer.state, eager.optimizer.state) {
                XCTAssertEqual(s.buffer.array.map(\.bitPattern), t.buffer.array.map(\.bitPattern), s.name)
            }
        }
    }

    /// Only dense updates by an optimizer that can replay are deferred.
    func testDeferralNeedsADenseReplayingUpdate() {
        let net = SequenceNetwork(spec: ModelSpec(task: .classify, vocabularySize: 50, embedDim: 8, hiddenSize: 16, numClasses: 3), seed: 7)
        var sparse = OptimizerSpec(kind: .adam, learningRate: 0.01)
        sparse.sparseEmbedding = true
        for (spec, want) in [(OptimizerSpec(kind: .adam), true), (OptimizerSpec(kind: .rmsprop), false), (sparse, false)] {
            var o = TrainingOptions()
            o.optimizer = spec
            let t = Trainer(network: net, corpus: corpus(), trainRows: Array(0 ..< 250), testRows: [], options: o)
            XCTAssertEqual(t.gradientPath.deferUntouchedRows(), want, spec.fullDescription)
        }
    }
}
