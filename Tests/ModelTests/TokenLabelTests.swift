import XCTest
import Corpus
import Model
import TensorCore

/// `PackedBatch.tokenLabels`: packed like the token ids, from the corpus's
/// per-step labels or the row label repeated.
final class TokenLabelTests: XCTestCase {
    func testStepLabelsArePackedLikeTokens() {
        var corpus = Corpus(classNames: ["a", "b", "c"], vocabularySize: 20)
        corpus.append(ids: [1, 2], label: 0)                              // before any step labels: repeated
        corpus.append(ids: [3, 4, 5], label: 1, stepLabels: [2, 0, 1] as [UInt8])
        corpus.append(ids: [6], label: 2)
        let batch = PackedBatch()
        batch.fill(corpus: corpus, rows: [0, 1, 2])
        // Rows sorted longest first: 1 (len 3), 0 (len 2), 2 (len 1); time-major.
        XCTAssertEqual(batch.tokenIDs, [3, 1, 6, 4, 2, 5])
        XCTAssertEqual(batch.tokenLabels, [2, 0, 2, 0, 0, 1])
    }

    func testWithoutStepLabelsTheRowLabelRepeats() {
        var corpus = Corpus(classNames: ["a", "b"], vocabularySize: 20)
        corpus.append(ids: [1], label: 1)
        corpus.append(ids: [2, 3], label: 0)
        let batch = PackedBatch()
        batch.fill(corpus: corpus, rows: [0, 1])
        XCTAssertEqual(batch.tokenIDs, [2, 1, 3])
        XCTAssertEqual(batch.tokenLabels, [0, 1, 0])
    }

    /// seq2seq learns per-step labels that differ from the row label (each
    /// step's label is its token's parity, the row label is noise): only a
    /// loss that reads the per-step labels can reach high accuracy.
    func testSeq2SeqTrainsOnStepLabels() {
        var corpus = Corpus(classNames: ["even", "odd"], vocabularySize: 10)
        var rng = RNG(seed: 3)
        for _ in 0 ..< 400 {
            let ids = (0 ..< 1 + rng.below(8)).map { _ in Int32(rng.below(10)) }
            corpus.append(ids: ids, label: UInt8(rng.below(2)), stepLabels: ids.map { UInt8($0 % 2) })
        }
        var spec = ModelSpec(task: .seq2seq, vocabularySize: 10, embedDim: 8, hiddenSize: 16, numClasses: 2)
        spec.keepProb = 1
        var options = TrainingOptions()
        var b = SentenceOptions()
        options.optimizer = OptimizerSpec(kind: .adam, learningRate: 2e-2)
        b.batchSize = 32
        b.maxLength = 8
        let trainer = Trainer(network: SequenceNetwork(spec: spec, seed: 1), source: SentenceBatches(corpus: corpus, trainRows: Array(0 ..< 300),
                              testRows: Array(300 ..< 400), options: b), options: options)
        var last = trainer.trainEpoch(1)
        for epoch in 2 ... 6 { last = trainer.trainEpoch(epoch) }
        XCTAssertGreaterThan(last.testAccuracy, 0.97)
    }
}
