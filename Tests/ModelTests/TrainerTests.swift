import XCTest
import Foundation
import Corpus
import Model
import TensorCore

/// The training loop's bookkeeping: gradient slabs reused across batches,
/// gradients summed over workers, Adam over split ranges.
final class TrainerTests: XCTestCase {
    func corpus(rows: Int = 300) -> Corpus { randomCorpus(rows: rows) }

    /// Only the embedding rows a batch touched are cleared before the next
    /// one; the next batch's gradient must still be exactly a fresh one's.
    func testGradientsDoNotCarryOverBetweenBatches() {
        let c = corpus()
        for task in Task.allCases {
            let net = SequenceNetwork(spec: ModelSpec(task: task, vocabularySize: 50, embedDim: 8, hiddenSize: 16, numClasses: 3), seed: 1)
            let reused = NetworkWorker(network: net, maxRows: 16, maxLength: 12)
            let fresh = NetworkWorker(network: net, maxRows: 16, maxLength: 12)
            let key = DropoutKey(seed: 1, step: 1)
            reused.batch.fill(corpus: c, rows: Array(0 ..< 16))
            reused.run(dropoutKey: key)
            reused.batch.fill(corpus: c, rows: Array(16 ..< 32))
            reused.run(dropoutKey: key)
            fresh.batch.fill(corpus: c, rows: Array(16 ..< 32))
            fresh.run(dropoutKey: key)
            XCTAssertEqual(reused.grads.array, fresh.grads.array, "\(task)")
        }
    }

    /// Without a fixed shard count (the library's `shards = nil`: one shard
    /// per thread) two threads train the same network as one up to float
    /// rounding in the gradient sum; with one, bit for bit (`ShardTests`).
    func testTwoWorkersMatchOne() {
        let c = corpus()
        func train(threads: Int, clip: Float?) -> [Float] {
            let net = SequenceNetwork(spec: ModelSpec(task: .seq2seq, vocabularySize: 50, embedDim: 8, hiddenSize: 16, numClasses: 3), seed: 2)
            var o = TrainingOptions()
            var b = SentenceOptions()
            o.threads = threads
            b.batchSize = 32
            o.optimizer = OptimizerSpec(kind: .adam, learningRate: 1e-2)
            o.clipNorm = clip
            b.mode = .bucketed(buckets: 3)
            b.maxLength = 12
            let t = Trainer(network: net, source: SentenceBatches(corpus: c, trainRows: Array(0 ..< 250), testRows: Array(250 ..< 300), options: b), options: o)
            _ = t.trainEpoch(1)
            return net.params.array
        }
        for clip in [nil, Float(0.5)] {
            let one = train(threads: 1, clip: clip), two = train(threads: 2, clip: clip)
            assertClose(two, one, abs: 2e-5, rel: 1e-3, "clip \(String(describing: clip))")
            XCTAssertEqual(train(threads: 2, clip: clip), two, "two workers are not reproducible")
        }
    }

    /// The gradient path on two workers' slabs: the update equals a plain
    /// SGD step (lr 1) with the summed gradient scaled to the clip norm,
    /// computed here in Double; and worker 0 then owns every touched row.
    func testGradientPathSumsClipsAndSteps() {
        let c = corpus()
        let net = SequenceNetwork(spec: ModelSpec(task: .classify, vocabularySize: 50, embedDim: 8, hiddenSize: 16, numClasses: 3), seed: 3)
        let workers = (0 ..< 2).map { _ in NetworkWorker(network: net, maxRows: 16, maxLength: 12) }
        for (w, rows) in [Array(0 ..< 16), Array(16 ..< 32)].enumerated() {
            workers[w].batch.fill(corpus: c, rows: rows)
            workers[w].run(dropoutKey: DropoutKey(seed: 1, step: 1))
        }
        let sum = zip(workers[0].grads.array, workers[1].grads.array).map { Double($0) + Double($1) }
        let norm = sum.reduce(0) { $0 + $1 * $1 }.squareRoot()
        XCTAssertGreaterThan(norm, 0.5, "the clip must bite for this test to mean anything")
        let before = net.params.array
        let path = GradientPath(network: net, workers: workers, optimizer: OptimizerSpec(kind: .sgd, learningRate: 1).make(parameterCount: sum.count),
                                clipNorm: 0.5)
        let reported = path.apply(activeWorkers: 2)
        XCTAssertEqual(Double(reported ?? 0), norm, accuracy: 1e-4 * norm)
        let expected = zip(before, sum).map { Float(Double($0) - $1 * 0.5 / (norm + 1e-6)) }
        assertClose(net.params.array, expected, abs: 1e-6, rel: 1e-5, "params")
        // Rows only worker 1 touched are cleared by worker 0 next time.
        workers[0].batch.fill(corpus: c, rows: Array(32 ..< 48))
        workers[0].run(dropoutKey: DropoutKey(seed: 1, step: 2))
        let fresh = NetworkWorker(network: net, maxRows: 16, maxLength: 12)
        fresh.batch.fill(corpus: c, rows: Array(32 ..< 48))
        fresh.run(dropoutKey: DropoutKey(seed: 1, step: 2))
        XCTAssertEqual(workers[0].grads.array, fresh.grads.array)
    }

    /// Without clipping the workers' gradients are summed and stepped in one
    /// parallel pass, each thread over its own slab ranges; with a clip that
    /// never bites the stages run one after another. Same bits: the summed
    /// gradient, the weights after Adam, and the rows worker 0 clears next
    /// (3 workers; rows of 50 floats straddle the ranges' cuts).
    func testSumFusedWithStepEqualsStagedPath() {
        let c = corpus()
        func run(clip: Float?) -> (params: [Float], grads: [Float], next: [Float]) {
            let net = SequenceNetwork(spec: ModelSpec(task: .classify, vocabularySize: 50, embedDim: 50, hiddenSize: 16, numClasses: 3), seed: 3)
            let workers = (0 ..< 3).map { _ in NetworkWorker(network: net, maxRows: 16, maxLength: 12) }
            let path = GradientPath(network: net, workers: workers, optimizer: OptimizerSpec(kind: .adam, learningRate: 1e-2)
                .make(parameterCount: net.params.count), clipNorm: clip)
            var grads: [Float] = []
            for step in 0 ..< 3 {
                for w in 0 ..< 3 {
                    workers[w].batch.fill(corpus: c, rows: Array(48 * step + 16 * w ..< 48 * step + 16 * (w + 1)))
                    workers[w].run(dropoutKey: DropoutKey(seed: 1, step: UInt64(step + 1)))
                }
                path.apply(activeWorkers: step == 2 ? 2 : 3)
                grads += path.gradient.array
            }
            workers[0].batch.fill(corpus: c, rows: Array(200 ..< 216))
            workers[0].run(dropoutKey: DropoutKey(seed: 1, step: 4))
            return (net.params.array, grads, workers[0].grads.array)
        }
        let fused = run(clip: nil), staged = run(clip: 1e30)
        XCTAssertEqual(fused.grads, staged.grads, "summed gradients")
        XCTAssertEqual(fused.params, staged.params, "weights after three steps")
        XCTAssertEqual(fused.next, staged.next, "the next batch's gradient (rows of workers 1 and 2 cleared)")
    }

    /// Adam over two ranges equals one whole-slab update.
    func testAdamOverRangesEqualsWholeUpdate() {
        let n = 200
        var rng = RNG(seed: 8)
        let g = FloatBuffer((0 ..< n).map { _ in rng.uniform(-1, 1) })
        let p1 = FloatBuffer((0 ..< n).map { Float($0) * 0.01 }), p2 = FloatBuffer(p1.array)
        let whole = Adam(parameterCount: n, learningRate: 0.1), split = Adam(parameterCount: n, learningRate: 0.1)
        for _ in 0 ..< 3 {
            whole.update(p1, g)
            split.beginStep()
            split.apply(params: p2.base, grads: g.base, gradScale: 1, range: 0 ..< 128)
            split.apply(params: p2.base, grads: g.base, gradScale: 1, range: 128 ..< n)
        }
        XCTAssertEqual(p2.array, p1.array)
    }

    /// An epoch interrupted after some batches, saved with its running sums
    /// and resumed in a fresh trainer from the checkpoint, ends exactly like
    /// the uninterrupted epoch: same weights, same train and test figures.
    func testInterruptedEpochResumedFromCheckpointMatchesUninterrupted() throws {
        let c = corpus()
        func make() -> Trainer {
            let net = SequenceNetwork(spec: ModelSpec(task: .classify, vocabularySize: 50, embedDim: 8, hiddenSize: 16, numClasses: 3), seed: 5)
            var o = TrainingOptions()
            var b = SentenceOptions()
            o.threads = 2
            b.batchSize = 16
            o.optimizer = OptimizerSpec(kind: .adam, learningRate: 1e-2)
            b.mode = .bucketed(buckets: 3)
            b.maxLength = 12
            return Trainer(network: net, source: SentenceBatches(corpus: c, trainRows: Array(0 ..< 250), testRows: Array(250 ..< 300), options: b), options: o)
        }
        let whole = make()
        _ = whole.trainEpoch(1)
        let expected = whole.trainEpoch(2)

        let first = make()
        _ = first.trainEpoch(1)
        var asked = 0
        let cut = first.trainEpoch(2, shouldStop: { asked += 1; return asked > 5 })
        XCTAssertTrue(cut.interrupted)
        XCTAssertEqual(cut.tally.batchesDone, 5)
        XCTAssertTrue(cut.testAccuracy.isNaN, "an interrupted epoch must not be evaluated")
        let second = make()
        let tally = try carryOver(first, epochsDone: 1, partial: cut.tally, into: second)
        XCTAssertEqual(tally, cut.tally)
        let resumed = second.trainEpoch(2, resuming: tally)
        XCTAssertFalse(resumed.interrupted)
        XCTAssertEqual(second.network.params.array, whole.network.params.array)
        XCTAssertEqual(resumed.trainLoss, expected.trainLoss)
        XCTAssertEqual(resumed.trainAccuracy, expected.trainAccuracy)
        XCTAssertEqual(resumed.testAccuracy, expected.testAccuracy)
        XCTAssertEqual(resumed.tokens, expected.tokens)
    }

    /// A step limit inside an epoch stops it with the step-limit reason
    /// (no evaluation); a trainer without the limit, restored from the
    /// checkpoint of that point, ends the epoch exactly like a run never
    /// stopped.
    func testStepLimitStopsWithItsReasonAndResumesBitForBit() throws {
        let c = corpus()
        func make(limit: Int?) -> Trainer {
            let net = SequenceNetwork(spec: ModelSpec(task: .classify, vocabularySize: 50, embedDim: 8, hiddenSize: 16, numClasses: 3), seed: 6)
            var o = TrainingOptions(), b = SentenceOptions()
            (o.threads, o.stepLimit, o.optimizer) = (2, limit, OptimizerSpec(kind: .adam, learningRate: 1e-2))
            (b.batchSize, b.mode, b.maxLength) = (16, .bucketed(buckets: 3), 12)
            return Trainer(network: net, source: SentenceBatches(corpus: c, trainRows: Array(0 ..< 250), testRows: Array(250 ..< 300),
                                                                 options: b), options: o)
        }
        let whole = make(limit: nil)
        let perEpoch = whole.source.batchCount(epoch: 1)
        XCTAssertEqual(whole.trainEpoch(1).stop, .finished)
        let expected = whole.trainEpoch(2)

        let limited = make(limit: perEpoch + 3)
        _ = limited.trainEpoch(1)
        let cut = limited.trainEpoch(2)
        XCTAssertEqual(cut.stop, .stepLimit)
        XCTAssertTrue(cut.interrupted)
        XCTAssertNil(cut.nonFiniteBatch)
        XCTAssertEqual(cut.tally.batchesDone, 3)
        XCTAssertEqual(limited.optimizer.step, perEpoch + 3)
        XCTAssertTrue(cut.testAccuracy.isNaN, "a stopped epoch is not evaluated")
        let more = make(limit: nil)
        let resumed = more.trainEpoch(2, resuming: try carryOver(limited, epochsDone: 1, partial: cut.tally, into: more))
        XCTAssertEqual(resumed.stop, .finished)
        XCTAssertEqual(more.network.params.array, whole.network.params.array)
        XCTAssertEqual(resumed.trainLoss, expected.trainLoss)
        XCTAssertEqual(resumed.testAccuracy, expected.testAccuracy)
    }

    /// Saves `from` mid-epoch (weights, optimizer, `partial`) to a
    /// checkpoint and restores it into `to`; returns the tally read back.
    func carryOver(_ from: Trainer, epochsDone: Int, partial: EpochTally, into to: Trainer) throws -> EpochTally {
        let path = NSTemporaryDirectory() + "/rnntrain-carry-over-\(getpid()).safetensors"
        defer { unlink(path) }
        var progress = RunProgress(epoch: epochsDone, optimizerStep: from.optimizer.step)
        progress.partial = partial
        let record = RunRecord(model: from.network.spec, optimizer: from.optimizer.spec, settings: RunSettings(), progress: progress)
        try Checkpoint(network: from.network, optimizer: from.optimizer, record: record).write(to: path)
        let saved = try Checkpoint.read(path: path)
        try saved.restore(into: to.network, optimizer: to.optimizer, path: path)
        return try XCTUnwrap(saved.record(path: path).progress.partial)
    }

    func testEpochTallyRejectsGarbage() {
        XCTAssertNil(EpochTally(encoded: "batches=3 loss_sum=x"))
        XCTAssertNil(EpochTally(encoded: "batches=-1 loss_sum=1 correct=1 scored=1 tokens=1 padded=1 seconds=1"))
        var t = EpochTally()
        t.batchesDone = 7; t.lossSum = 0.1 + 0.2; t.correct = 3; t.scored = 9; t.tokens = 40; t.padded = 50; t.seconds = 1.25
        XCTAssertEqual(EpochTally(encoded: t.encoded), t)
    }
}
