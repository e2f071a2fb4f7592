import XCTest
import Corpus
import Model
import TensorCore

/// The character language model: carried state across windows, truncated
/// gradients, resuming mid-epoch, and generation (greedy, temperature,
/// sampling statistics).
final class CharLMTests: XCTestCase {
    func charSpec(_ cell: CellKind = .lstm, layers: Int = 2, vocab: Int = 7, hidden: Int = 6, layerKeep: Float = 1) -> ModelSpec {
        var s = ModelSpec(task: .seq2seq, cell: cell, layers: layers, vocabularySize: vocab, embedDim: 5, hiddenSize: hidden,
                          numClasses: vocab, keepProb: 1)
        s.layerKeepProb = layerKeep
        return s
    }

    /// `streams` x `steps` of a stream text as `[T x B]` inputs and targets.
    func window(_ text: [Int32], streams: Int, from: Int, steps: Int) -> (x: [Int32], y: [Int32]) {
        let s = CharStreams(ids: text[...], streams: streams, steps: steps, partialLast: true)
        var x: [Int32] = [], y: [Int32] = []
        // The window starting at `from` is window from/steps.
        s.fill(window: from / steps, rows: 0 ..< streams, inputs: &x, targets: &y)
        return (x, y)
    }

    func run(_ w: NetworkWorker, _ xy: (x: [Int32], y: [Int32]), rows: Int, key: DropoutKey?, carried: StackState) -> Double {
        xy.x.withUnsafeBufferPointer { x in xy.y.withUnsafeBufferPointer { y in w.batch.fillUniform(rows: rows, ids: x, stepLabels: y) } }
        return w.run(dropoutKey: key, gradScale: 1, carried: carried).lossSum
    }

    func text(_ n: Int, vocab: Int = 7, seed: UInt64 = 3) -> [Int32] {
        var rng = RNG(seed: seed)
        return (0 ..< n).map { _ in Int32(rng.below(vocab)) }
    }

    /// Two windows with the state carried between them score exactly what
    /// the concatenated text scores as one sequence, and end in its state.
    func testCarriedStateEqualsOneLongSequence() {
        for cell in [CellKind.lstm, .gru] {
            let net = SequenceNetwork(spec: charSpec(cell), seed: 5)
            let ids = text(2 * 21)   // 2 streams of 21: 20 scored steps each
            let whole = NetworkWorker(network: net, maxRows: 2, maxLength: 20)
            let wholeState = StackState(stack: net.stack, rows: 2)
            let one = run(whole, window(ids, streams: 2, from: 0, steps: 20), rows: 2, key: nil, carried: wholeState)
            let parts = NetworkWorker(network: net, maxRows: 2, maxLength: 8)
            let state = StackState(stack: net.stack, rows: 2)
            var sum = 0.0
            for from in stride(from: 0, to: 20, by: 8) { sum += run(parts, window(ids, streams: 2, from: from, steps: 8), rows: 2, key: nil, carried: state) }
            XCTAssertEqual(sum, one, accuracy: 1e-4 * abs(one), "\(cell)")
            assertClose(state.h.array, wholeState.h.array, abs: 1e-5, rel: 1e-4, "\(cell) final h")
            if let c = state.c { assertClose(c.array, wholeState.c!.array, abs: 1e-5, rel: 1e-4, "\(cell) final c") }
            // Starting the second window from zero instead scores differently.
            let fresh = StackState(stack: net.stack, rows: 2)
            let first = run(parts, window(ids, streams: 2, from: 0, steps: 8), rows: 2, key: nil, carried: StackState(stack: net.stack, rows: 2))
            let cold = run(parts, window(ids, streams: 2, from: 8, steps: 8), rows: 2, key: nil, carried: fresh)
            let warmState = StackState(stack: net.stack, rows: 2)
            _ = run(parts, window(ids, streams: 2, from: 0, steps: 8), rows: 2, key: nil, carried: warmState)
            let warm = run(parts, window(ids, streams: 2, from: 8, steps: 8), rows: 2, key: nil, carried: warmState)
            XCTAssertGreaterThan(abs(cold - warm), 1e-4, "\(cell): the carried state must matter (first window \(first))")
        }
    }

    /// The gradient of the second window's loss is the derivative with the
    /// carried state held fixed (finite differences, with dropout between
    /// layers): nothing flows back into the first window. Recomputing the
    /// state under the perturbation instead gives another derivative, so
    /// the check can tell the two apart.
    func testNoGradientAcrossTheWindowBoundary() {
        let net = SequenceNetwork(spec: charSpec(.lstm, layerKeep: 0.8), seed: 6)
        let ids = text(2 * 13, seed: 8)
        let w = NetworkWorker(network: net, maxRows: 2, maxLength: 6)
        let key = DropoutKey(seed: 4, step: 2)
        let first = window(ids, streams: 2, from: 0, steps: 6), second = window(ids, streams: 2, from: 6, steps: 6)
        let boundary = StackState(stack: net.stack, rows: 2)
        _ = run(w, first, rows: 2, key: key, carried: boundary)
        let saved = (boundary.h.array, boundary.c!.array)
        func fixedStart() -> StackState {
            let s = StackState(stack: net.stack, rows: 2)
            s.h.base.update(from: saved.0, count: saved.0.count)
            s.c!.base.update(from: saved.1, count: saved.1.count)
            return s
        }
        _ = run(w, second, rows: 2, key: key, carried: fixedStart())
        let analytic = w.grads.array
        let p = net.params.base
        var crossed = 0.0
        for name in ["lstm.weight_hh_l0", "lstm.weight_ih_l1", "embedding.weight", "fc.weight"] {
            let spec = net.layout.spec(name)!
            var rng = RNG(seed: 12)
            let v = (0 ..< spec.count).map { _ in Float(rng.below(2) * 2 - 1) }
            let before = Array(UnsafeBufferPointer(start: p + spec.offset, count: spec.count))
            func loss(_ t: Float, recompute: Bool) -> Double {
                for i in 0 ..< spec.count { p[spec.offset + i] = before[i] + t * v[i] }
                let start = recompute ? StackState(stack: net.stack, rows: 2) : fixedStart()
                if recompute { _ = run(w, first, rows: 2, key: key, carried: start) }
                return run(w, second, rows: 2, key: key, carried: start)
            }
            let eps: Float = 1e-3
            let fixed = (loss(eps, recompute: false) - loss(-eps, recompute: false)) / Double(2 * eps)
            let through = (loss(eps, recompute: true) - loss(-eps, recompute: true)) / Double(2 * eps)
            for i in 0 ..< spec.count { p[spec.offset + i] = before[i] }
            let projected = (0 ..< spec.count).reduce(0.0) { $0 + Double(analytic[spec.offset + $1] * v[$1]) }
            XCTAssertEqual(fixed, projected, accuracy: 2e-3 + 1e-2 * abs(projected), name)
            crossed = max(crossed, abs(through - projected))
        }
        XCTAssertGreaterThan(crossed, 1e-2, "recomputing the carried state changes the derivative")
        // A character that occurs only in the first window gets no gradient.
        let late = Set(second.x), early = Set(first.x).subtracting(late)
        let emb = net.layout.spec("embedding.weight")!
        for id in early { XCTAssertEqual(analytic[emb.offset + Int(id) * 5 ..< emb.offset + Int(id) * 5 + 5].map(abs).max(), 0) }
    }

    func makeTrainer(_ net: SequenceNetwork, _ ids: [Int32], threads: Int = 2) -> Trainer {
        var o = TrainingOptions(), w = WindowOptions()
        w.streams = 4; w.steps = 10; o.threads = threads; o.seed = 7
        o.optimizer = OptimizerSpec(kind: .adam, learningRate: 1e-2)
        return Trainer(network: net, source: TextWindows(train: ids[0 ..< 400], validation: ids[400...], options: w), options: o)
    }

    /// An epoch stopped after 4 windows, saved (weights, optimizer, tally,
    /// carried state) and resumed in a new process-like setting ends with
    /// the same weights and figures as one never stopped.
    func testResumingMidEpochEqualsAnUninterruptedEpoch() throws {
        let ids = text(480, seed: 9)
        let spec = charSpec(.lstm, layerKeep: 0.7)
        let whole = makeTrainer(SequenceNetwork(spec: spec, seed: 2), ids)
        _ = whole.trainEpoch(1)
        let expected = whole.trainEpoch(2)

        let a = makeTrainer(SequenceNetwork(spec: spec, seed: 2), ids)
        _ = a.trainEpoch(1)
        var calls = 0
        let stopped = a.trainEpoch(2, shouldStop: { calls += 1; return calls > 4 })
        XCTAssertTrue(stopped.interrupted)
        XCTAssertEqual(stopped.tally.batchesDone, 4)
        var record = RunRecord(model: spec, optimizer: a.optimizer.spec, settings: RunSettings(), progress: RunProgress(epoch: 1, optimizerStep: a.optimizer.step))
        record.progress.partial = stopped.tally
        var checkpoint = try Checkpoint(network: a.network, optimizer: a.optimizer, record: record)
        checkpoint.tensors.merge(a.windows.stateTensors()) { _, n in n }
        let path = NSTemporaryDirectory() + "charlm-resume-\(getpid()).safetensors"
        try checkpoint.write(to: path)
        defer { unlink(path) }

        let loaded = try Checkpoint.read(path: path)
        let b = makeTrainer(SequenceNetwork(spec: spec, seed: 99), ids)
        try loaded.restore(into: b.network, optimizer: b.optimizer, path: path)
        XCTAssertTrue(b.windows.restoreState(loaded.tensors))
        let resumed = b.trainEpoch(2, resuming: try loaded.record(path: path).progress.partial!)
        XCTAssertEqual(b.network.params.array, whole.network.params.array, "same weights")
        XCTAssertEqual(resumed.trainLoss, expected.trainLoss)
        XCTAssertEqual(resumed.valLoss, expected.valLoss)
        XCTAssertEqual(resumed.tally.tokens, expected.tally.tokens)
    }

    /// Two workers over the streams (one shard per thread: no fixed shard
    /// count) give the one-worker result up to the order of the gradient
    /// sums; with a fixed count, bit for bit (`ShardTests`).
    func testTwoWorkersEqualOne() {
        let ids = text(480, seed: 10)
        let one = makeTrainer(SequenceNetwork(spec: charSpec(), seed: 3), ids, threads: 1).trainEpoch(1)
        let two = makeTrainer(SequenceNetwork(spec: charSpec(), seed: 3), ids, threads: 2).trainEpoch(1)
        XCTAssertEqual(one.trainLoss, two.trainLoss, accuracy: 1e-5)
        XCTAssertEqual(one.valLoss, two.valLoss, accuracy: 1e-4)
    }

    /// A network trained to memorize a short text writes it back greedily
    /// from its first character, and sampling at a temperature near 0 gives
    /// the same text.
    func testGreedyGenerationReproducesAMemorizedText() throws {
        let phrase = "hello, world! say hello.\n"
        let chars = try Array(phrase.utf8).withUnsafeBytes { try CharText.parse($0, fileName: "t") }
        let ids = Array(repeating: chars.ids, count: 40).flatMap { $0 }
        var spec = charSpec(.lstm, layers: 1, vocab: chars.vocabulary.count, hidden: 32)
        spec.embedDim = 8
        let net = SequenceNetwork(spec: spec, seed: 1)
        var o = TrainingOptions(), w = WindowOptions()
        w.streams = 8; w.steps = 25; o.threads = 1
        o.optimizer = OptimizerSpec(kind: .adam, learningRate: 2e-2)
        let trainer = Trainer(network: net, source: TextWindows(train: ids[...], validation: nil, options: w), options: o)
        var loss = 9.0
        for epoch in 1 ... 60 where loss > 0.02 { loss = trainer.trainEpoch(epoch).trainLoss }
        XCTAssertLessThan(loss, 0.05)
        func generate(temperature: Float) -> String {
            let g = CharGenerator(network: net)
            var id = chars.ids[0], out = String(chars.vocabulary.scalars[Int(id)])
            var rng = RNG(seed: 1)
            for _ in 0 ..< 3 * phrase.count - 1 {
                g.feed(id)
                id = g.sample(temperature: temperature, rng: &rng)
                out.unicodeScalars.append(chars.vocabulary.scalars[Int(id)])
            }
            return out
        }
        XCTAssertEqual(generate(temperature: 0), phrase + phrase + phrase)
        XCTAssertEqual(generate(temperature: 1e-4), phrase + phrase + phrase)
    }

    /// On an untrained network (no character near-certain) sampling at a
    /// temperature near 0 follows the greedy path, and at 1 it does not.
    func testTemperatureTowardsZeroIsGreedy() {
        let net = SequenceNetwork(spec: charSpec(.gru, vocab: 11, hidden: 16), seed: 21)
        func path(_ t: Float) -> [Int32] {
            let g = CharGenerator(network: net)
            var rng = RNG(seed: 5), id: Int32 = 3, out: [Int32] = []
            for _ in 0 ..< 200 { g.feed(id); id = g.sample(temperature: t, rng: &rng); out.append(id) }
            return out
        }
        let greedy = path(0)
        XCTAssertEqual(path(1e-5), greedy)
        XCTAssertNotEqual(path(1), greedy)
    }

    /// The next-character distribution equals softmax(logits / T) of the
    /// batch path (a NetworkWorker over the whole prime), and 40,000 draws
    /// match it within sampling error (5 standard deviations), with and
    /// without top-k.
    func testSampledFrequenciesMatchTheSoftmax() {
        let net = SequenceNetwork(spec: charSpec(.lstm, vocab: 9, hidden: 8), seed: 13)
        let prime: [Int32] = [1, 4, 4, 2, 8, 0]
        let w = NetworkWorker(network: net, maxRows: 1, maxLength: prime.count)
        prime.withUnsafeBufferPointer { w.batch.fillUniform(rows: 1, ids: $0) }
        w.run(dropoutKey: nil, carried: StackState(stack: net.stack, rows: 1))
        let z = UnsafeBufferPointer(start: w.logits(item: prime.count - 1), count: 9)
        let g = CharGenerator(network: net, chunk: 4)   // the prime in two chunks
        prime.withUnsafeBufferPointer { g.feed($0) }
        for (t, k) in [(Float(1), nil), (0.7, 4)] as [(Float, Int?)] {
            let top = k.map { Set(z.indices.sorted { z[$0] > z[$1] }.prefix($0)) } ?? Set(z.indices)
            let e = z.indices.map { top.contains($0) ? exp(Double(z[$0]) / Double(t)) : 0 }
            let expected = e.map { $0 / e.reduce(0, +) }
            let p = Array(g.distribution(temperature: t, topK: k))
            for j in 0 ..< 9 { XCTAssertEqual(Double(p[j]), expected[j], accuracy: 1e-5) }
            var counts = [Int](repeating: 0, count: 9), rng = RNG(seed: 77)
            let n = 40_000
            for _ in 0 ..< n { counts[Int(g.sample(temperature: t, topK: k, rng: &rng))] += 1 }
            for j in 0 ..< 9 {
                let sd = (expected[j] * (1 - expected[j]) / Double(n)).squareRoot()
                XCTAssertEqual(Double(counts[j]) / Double(n), expected[j], accuracy: 5 * sd + 1e-9, "T \(t) top-k \(String(describing: k)) char \(j)")
            }
        }
    }

    /// ptb_iterator's cut: streams of count/streams characters, (L-1)/T
    /// whole windows, targets one character on; the partial form scores
    /// every character after a stream's first.
    func testStreamsCutTheTextLikePTBIterator() {
        let ids = (0 ..< 103).map { Int32($0) }
        let s = CharStreams(ids: ids[...], streams: 4, steps: 7)
        XCTAssertEqual(s.streamLength, 25)
        XCTAssertEqual(s.windows, 3)
        var x: [Int32] = [], y: [Int32] = []
        s.fill(window: 1, rows: 1 ..< 3, inputs: &x, targets: &y)
        XCTAssertEqual(x, [32, 57, 33, 58, 34, 59, 35, 60, 36, 61, 37, 62, 38, 63])
        XCTAssertEqual(y, x.map { $0 + 1 })
        let v = CharStreams(ids: ids[...], streams: 4, steps: 7, partialLast: true)
        XCTAssertEqual(v.windows, 4)
        XCTAssertEqual(v.length(ofWindow: 3), 3)
        XCTAssertEqual(v.scoredCount, 4 * 24)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Trainer {
    /// The text windows of a charlm trainer.
    var windows: TextWindows { source as! TextWindows }
}
