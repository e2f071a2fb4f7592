import XCTest
import Dispatch
import Corpus
import Model
import TensorCore

/// Flush-to-zero and denormals-are-zero: on in the trainer's worker threads,
/// and the numbers of a long-sequence batch (where gradients decay through
/// hundreds of steps into denormals) agree with the IEEE path.
final class DenormalTests: XCTestCase {
    override func tearDown() {
        // The test thread's mode is left as the CLI sets it.
        FloatingPointMode.enableFlushToZero()
    }

    static func longCorpus(rows: Int) -> Corpus {
        SyntheticCorpus.generate(rows: rows, seed: 3, lengths: 120 ... 240).corpus
    }

    static func network() -> SequenceNetwork {
        SequenceNetwork(spec: ModelSpec(task: .classify, vocabularySize: SyntheticCorpus.vocabularySize,
                                        embedDim: 64, hiddenSize: 64, numClasses: 6), seed: 5)
    }

    /// Adam's second moment is fed g^2; a gradient below 1e-19 makes it a
    /// denormal unless the thread that ran the update flushes to zero. The
    /// update of two workers runs on two threads, one of them the pool's.
    func testTrainerWorkerThreadsFlushDenormalsToZero() {
        FloatingPointMode.disableFlushToZero()
        let c = Self.longCorpus(rows: 96)
        var o = TrainingOptions()
        var b = SentenceOptions()
        o.threads = 2
        b.batchSize = 32
        b.maxLength = 240
        b.mode = .bucketed(buckets: 1)
        let t = Trainer(network: Self.network(), source: SentenceBatches(corpus: c, trainRows: Array(0 ..< 96), testRows: [], options: b), options: o)
        _ = t.trainEpoch(1)
        var subnormal = 0, nonzero = 0
        for buffer in t.optimizer.state.map(\.buffer) + [t.network.params] {
            for i in 0 ..< buffer.count {
                subnormal += buffer[i].isSubnormal ? 1 : 0
                nonzero += buffer[i] != 0 ? 1 : 0
            }
        }
        XCTAssertGreaterThan(nonzero, 0)
        XCTAssertEqual(subnormal, 0, "denormals written by a thread without flush-to-zero")
    }

    /// Losses and gradients of a batch of lengths up to 240, with and without
    /// flush-to-zero, agree (loss to 1e-4).
    func testLongSequenceLossMatchesTheIEEEPath() {
        let c = Self.longCorpus(rows: 48)
        let net = Self.network()
        func pass() -> (loss: Double, grads: [Float]) {
            let w = NetworkWorker(network: net, maxRows: 48, maxLength: 240)
            w.batch.fill(corpus: c, rows: Array(0 ..< 48))
            let o = w.run(dropoutKey: .init(seed: 9, step: 1), gradScale: 1)
            return (o.lossSum / 48, w.grads.array)
        }
        FloatingPointMode.disableFlushToZero()
        let plain = pass()
        FloatingPointMode.enableFlushToZero()
        let flushed = pass()
        XCTAssertEqual(flushed.loss, plain.loss, accuracy: 1e-4)
        assertClose(flushed.grads, plain.grads, abs: 1e-6, rel: 1e-3, "gradients")
        let denormalsPlain = plain.grads.filter(\.isSubnormal).count
        XCTAssertEqual(flushed.grads.filter(\.isSubnormal).count, 0)
        // The batch is long enough to reach the denormal range at all.
        XCTAssertGreaterThan(denormalsPlain, 0)
    }
}
