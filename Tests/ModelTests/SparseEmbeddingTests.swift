import XCTest
import Foundation
import Corpus
import Model
import TensorCore

/// The embedding table updated sparsely (`--sparse-embedding`) or not at
/// all (`--freeze-embed`) through the real training path: Trainer,
/// workers, GradientPath, checkpoint.
final class SparseEmbeddingTests: XCTestCase {
    /// Token ids below 40 of a 50-row table: rows 40...49 never occur.
    func corpus() -> Corpus {
        var c = Corpus(classNames: ["a", "b", "c"], vocabularySize: 50)
        var rng = RNG(seed: 9)
        for _ in 0 ..< 300 {
            let len = 1 + rng.below(12)
            c.append(ids: (0 ..< len).map { _ in Int32(rng.below(40)) }, label: UInt8(rng.below(3)))
        }
        return c
    }

    func trainer(_ optimizer: OptimizerSpec, threads: Int = 2, clip: Float? = nil, corpus c: Corpus? = nil) -> Trainer {
        let net = SequenceNetwork(spec: ModelSpec(task: .classify, vocabularySize: 50, embedDim: 8, hiddenSize: 16, numClasses: 3), seed: 7)
        var o = TrainingOptions()
        var b = SentenceOptions()
        o.threads = threads
        b.batchSize = 32
        o.optimizer = optimizer
        o.clipNorm = clip
        b.mode = .bucketed(buckets: 3)
        b.maxLength = 12
        return Trainer(network: net, source: SentenceBatches(corpus: c ?? corpus(), trainRows: Array(0 ..< 250), testRows: Array(250 ..< 300), options: b), options: o)
    }

    func sparse(_ s: OptimizerSpec) -> OptimizerSpec { var s = s; s.sparseEmbedding = true; return s }

    /// Plain SGD gives identical weights, bit for bit, whether the table is
    /// updated whole or row by row (untouched rows have a zero gradient).
    func testSparseAndDenseSGDAreIdentical() {
        let sgd = OptimizerSpec(kind: .sgd, learningRate: 0.5)
        for threads in [1, 2] {
            let dense = trainer(sgd, threads: threads), rows = trainer(sparse(sgd), threads: threads)
            for e in 1 ... 2 { _ = dense.trainEpoch(e); _ = rows.trainEpoch(e) }
            XCTAssertEqual(rows.network.params.array, dense.network.params.array, "threads \(threads)")
        }
        // With clipping the norm sums the same squares in another order.
        let dense = trainer(sgd, clip: 0.1), rows = trainer(sparse(sgd), clip: 0.1)
        _ = dense.trainEpoch(1); _ = rows.trainEpoch(1)
        assertClose(rows.network.params.array, dense.network.params.array, abs: 1e-6, rel: 1e-5, "clipped")
    }

    /// Lazy Adam leaves rows that never occur, and their moments, exactly as
    /// they were; dense Adam with the same data moves no such row either
    /// (zero gradient from the start), but differs on rows that are touched
    /// now and then.
    func testLazyAdamTouchesOnlyOccurringRows() {
        let adam = OptimizerSpec(kind: .adam, learningRate: 0.01)
        let lazy = trainer(sparse(adam)), dense = trainer(adam)
        let before = lazy.network.params.array
        _ = lazy.trainEpoch(1); _ = dense.trainEpoch(1)
        let unseen = 40 * 8 ..< 50 * 8, seen = 0 ..< 40 * 8
        XCTAssertEqual(Array(lazy.network.params.array[unseen]), Array(before[unseen]))
        for (name, buffer) in lazy.optimizer.state { XCTAssertTrue(buffer.array[unseen].allSatisfy { $0 == 0 }, name) }
        XCTAssertNotEqual(Array(lazy.network.params.array[seen]), Array(before[seen]))
        XCTAssertNotEqual(Array(lazy.network.params.array[seen]), Array(dense.network.params.array[seen]))
        // The rest of the slab follows dense Adam until the embeddings differ.
        XCTAssertEqual(lazy.optimizer.step, dense.optimizer.step)
    }

    /// A frozen table is bit-identical after training, sparse or dense,
    /// while the rest of the network learns.
    func testFrozenEmbeddingStaysBitIdentical() {
        for sparseRows in [false, true] {
            var spec = OptimizerSpec(kind: .adam, learningRate: 0.01)
            spec.freezeEmbedding = true
            spec.sparseEmbedding = sparseRows ? true : nil
            let t = trainer(spec)
            let before = t.network.params.array
            _ = t.trainEpoch(1)
            let table = 0 ..< 50 * 8
            XCTAssertEqual(Array(t.network.params.array[table]), Array(before[table]))
            XCTAssertNotEqual(Array(t.network.params.array[table.upperBound...]), Array(before[table.upperBound...]))
        }
    }

    /// A sparse run saved and resumed in a fresh trainer continues exactly
    /// (the lazy moments are the named Adam state); the record says sparse,
    /// and a dense run refuses the checkpoint.
    func testSparseRunResumesExactlyAndRecordsItsUpdate() throws {
        let spec = sparse(OptimizerSpec(kind: .adam, learningRate: 0.01))
        let whole = trainer(spec)
        for e in 1 ... 2 { _ = whole.trainEpoch(e) }
        let first = trainer(spec)
        _ = first.trainEpoch(1)
        let path = NSTemporaryDirectory() + "/rnntrain-sparse-\(getpid()).safetensors"
        defer { unlink(path) }
        let record = RunRecord(model: first.network.spec, optimizer: first.optimizer.spec, settings: RunSettings(),
                               progress: RunProgress(epoch: 1, optimizerStep: first.optimizer.step))
        try Checkpoint(network: first.network, optimizer: first.optimizer, record: record).write(to: path)
        let saved = try Checkpoint.read(path: path)
        XCTAssertEqual(try saved.record(path: path).optimizer.sparseEmbedding, true)
        let second = trainer(spec)
        try saved.restore(into: second.network, optimizer: second.optimizer, path: path)
        _ = second.trainEpoch(2)
        XCTAssertEqual(second.network.params.array, whole.network.params.array)
        let dense = trainer(OptimizerSpec(kind: .adam, learningRate: 0.01))
        XCTAssertThrowsError(try saved.restore(into: dense.network, optimizer: dense.optimizer, path: path)) { e in
            XCTAssertTrue("\(e)".contains("embedding update Adam lr 0.01, sparse embedding (lazy Adam) vs Adam lr 0.01"), "\(e)")
        }
    }

    /// Optimizers without a row-wise rule are refused before training.
    func testSparseProblems() {
        XCTAssertNil(OptimizerSpec(kind: .adam).sparseProblem)
        XCTAssertNil(OptimizerSpec(kind: .sgd).sparseProblem)
        var momentum = OptimizerSpec(kind: .sgd)
        momentum.momentum = 0.9
        XCTAssertNotNil(momentum.sparseProblem)
        XCTAssertNotNil(OptimizerSpec(kind: .rmsprop).sparseProblem)
    }

    /// Records written before the option existed (no key) read as dense.
    func testOldRecordsReadAsDense() throws {
        let json = #"{"kind":"adam","learningRate":0.001,"beta1":0.9,"beta2":0.999,"epsilon":1e-8,"alpha":0.99,"momentum":0,"centered":false,"nesterov":false}"#
        let spec = try JSONDecoder().decode(OptimizerSpec.self, from: Data(json.utf8))
        XCTAssertFalse(spec.isSparseEmbedding)
        XCTAssertFalse(spec.isEmbeddingFrozen)
        XCTAssertFalse(String(decoding: try JSONEncoder().encode(OptimizerSpec()), as: UTF8.self).contains("Embedding"))
    }
}
