import XCTest
import Corpus
import Model

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
}
