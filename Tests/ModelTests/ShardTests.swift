import XCTest
import Corpus
import Model
import TensorCore

/// A fixed shard count (`ShardLayout`) fixes every sum of a batch: the
/// gradient (by the shard tree), the clipping norm, the sparse rows and the
/// epoch's losses, so any thread count trains the same bits. (Across MPI
/// ranks: `MPITests`.)
final class ShardTests: XCTestCase {

    /// The tree's pairs: stride 1, 2, 4 ...; a block of a power-of-two
    /// size starting at a multiple of it is a whole subtree.
    func testTreeOrder() {
        func pairs(_ n: Int) -> [[Int]] {
            var p: [[Int]] = []
            ShardTree.forEachAdd(count: n) { p.append([$0, $1]) }
            return p
        }
        XCTAssertEqual(pairs(1), [])
        XCTAssertEqual(pairs(8), [[0, 1], [2, 3], [4, 5], [6, 7], [0, 2], [4, 6], [0, 4]])
        XCTAssertEqual(pairs(6), [[0, 1], [2, 3], [4, 5], [0, 2], [0, 4]])
        // 8 shards on 2 ranks: each rank's tree over 4, then the tree over 2 ranks.
        let twoRanks = pairs(4) + pairs(4).map { $0.map { $0 + 4 } } + pairs(2).map { $0.map { $0 * 4 } }
        XCTAssertEqual(Set(twoRanks.map { "\($0)" }), Set(pairs(8).map { "\($0)" }))
    }

    /// Which shard counts the ranks can split into whole subtrees.
    func testLayoutOverRanks() {
        XCTAssertNil(ShardLayout.problem(shards: 8, ranks: 2))
        XCTAssertNil(ShardLayout.problem(shards: 12, ranks: 3))
        XCTAssertNotNil(ShardLayout.problem(shards: 8, ranks: 3))
        XCTAssertNotNil(ShardLayout.problem(shards: 12, ranks: 2), "6 shards per rank are no subtree")
        let l = ShardLayout(shards: 8, ranks: 2, rank: 1, threads: 3)
        XCTAssertEqual(l.first, 4)
        XCTAssertEqual(l.active(6).local, 2)
        XCTAssertEqual(l.active(6).ranks, 2)
        XCTAssertEqual(l.active(3).local, 0)
        XCTAssertEqual(l.active(3).ranks, 1)
    }

    struct Run: Equatable {
        var params: [Float]
        var figures: [Double]
    }

    func train(_ task: Task, threads: Int, shards: Int?, batch: Int = 32, clip: Float? = nil, sparse: Bool = false) -> Run {
        let c = randomCorpus(seed: 5)
        let net = SequenceNetwork(spec: ModelSpec(task: task, vocabularySize: 50, embedDim: 8, hiddenSize: 16, numClasses: 3), seed: 2)
        var o = TrainingOptions()
        var b = SentenceOptions()
        (o.threads, o.shards, o.clipNorm) = (threads, shards, clip)
        b.batchSize = batch
        o.optimizer = OptimizerSpec(kind: .adam, learningRate: 1e-2)
        if sparse { o.optimizer.sparseEmbedding = true }
        b.mode = .bucketed(buckets: 3)
        b.maxLength = 12
        let t = Trainer(network: net, source: SentenceBatches(corpus: c, trainRows: Array(0 ..< 250), testRows: Array(250 ..< 300), options: b), options: o)
        var figures: [Double] = []
        for e in 1 ... 2 {
            let s = t.trainEpoch(e)
            figures += [s.trainLoss, s.trainAccuracy, s.testLoss, s.testAccuracy]
        }
        return Run(params: net.params.array, figures: figures)
    }

    /// 8 shards on 1, 2 and 3 threads: the same weights and epoch figures,
    /// bit for bit; with clipping, a sparse embedding update, seq2seq, and
    /// batches of fewer rows than shards.
    func testFixedShardsTrainTheSameBitsOnAnyThreads() {
        let cases: [(Task, Int, Float?, Bool)] = [(.classify, 32, nil, false), (.classify, 32, 0.5, false), (.classify, 32, 0.5, true),
                                                  (.seq2seq, 32, 0.5, false), (.classify, 6, nil, false)]
        for (task, batch, clip, sparse) in cases {
            let name = "\(task) batch \(batch) clip \(String(describing: clip)) sparse \(sparse)"
            let one = train(task, threads: 1, shards: 8, batch: batch, clip: clip, sparse: sparse)
            XCTAssertEqual(train(task, threads: 2, shards: 8, batch: batch, clip: clip, sparse: sparse), one, name)
            XCTAssertEqual(train(task, threads: 3, shards: 8, batch: batch, clip: clip, sparse: sparse), one, name)
        }
    }

    /// One shard per thread (no fixed count) is the split of each thread
    /// count: 2 threads equal 2 fixed shards, and 1 thread differs from it
    /// only by rounding.
    func testOneShardPerThreadIsTheFixedCountOfThatManyThreads() {
        let split = train(.classify, threads: 2, shards: nil, clip: 0.5)
        XCTAssertEqual(split, train(.classify, threads: 1, shards: 2, clip: 0.5))
        let one = train(.classify, threads: 1, shards: nil, clip: 0.5)
        XCTAssertNotEqual(one.params, split.params, "1 and 2 shards round differently (else this test proves nothing)")
        assertClose(one.params, split.params, abs: 2e-5, rel: 1e-3, "1 vs 2 shards")
    }

    /// charlm: 4 shares of 6 streams (one shard holds one stream, so the
    /// shares differ) on 1, 2 and 3 threads; and more shards than streams.
    func testCharLMFixedShardsOnAnyThreads() {
        var rng = RNG(seed: 11)
        let ids = (0 ..< 600).map { _ in Int32(rng.below(7)) }
        func run(threads: Int, shards: Int) -> Run {
            var spec = ModelSpec(task: .seq2seq, cell: .lstm, layers: 2, vocabularySize: 7, embedDim: 5, hiddenSize: 6, numClasses: 7, keepProb: 1)
            spec.layerKeepProb = 0.8
            let net = SequenceNetwork(spec: spec, seed: 3)
            var o = TrainingOptions(), w = WindowOptions()
            (w.streams, w.steps, o.threads, o.shards, o.seed, o.clipNorm) = (6, 10, threads, shards, 7, 0.5)
            o.optimizer = OptimizerSpec(kind: .adam, learningRate: 1e-2)
            let t = Trainer(network: net, source: TextWindows(train: ids[0 ..< 500], validation: ids[500...], options: w), options: o)
            let s = t.trainEpoch(1)
            return Run(params: net.params.array, figures: [s.trainLoss, s.trainAccuracy, s.valLoss, s.valAccuracy])
        }
        for shards in [4, 8] {
            let one = run(threads: 1, shards: shards)
            XCTAssertEqual(run(threads: 2, shards: shards), one, "\(shards) shards")
            XCTAssertEqual(run(threads: 3, shards: shards), one, "\(shards) shards")
        }
    }
}
