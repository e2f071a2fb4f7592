import XCTest
import Corpus
import Model
import TensorCore

/// The first layer's input projection computed once per distinct token
/// (`TokenInput`, the default) against the plain path, one embedding row and
/// one projection per position, through the real worker: every cell, two
/// layers, both directions, layer norm, per-step heads. Both compute the same
/// sums in another order, so they agree to float rounding.
final class TokenInputTests: XCTestCase {
    /// Zipf-like ids (small ids repeat often, as in text), lengths 1...14.
    func corpus(vocabulary v: Int) -> Corpus {
        var c = Corpus(classNames: ["a", "b", "c"], vocabularySize: v)
        var rng = RNG(seed: 21)
        for _ in 0 ..< 40 {
            let len = 1 + rng.below(14)
            let ids = (0 ..< len).map { _ in Int32(min(rng.below(v), rng.below(v), rng.below(v))) }
            c.append(ids: ids, label: UInt8(rng.below(3)), stepLabels: ids.map { UInt8($0 % 3) })
        }
        return c
    }

    /// Loss and gradient slab of one training pass over rows 0..<40.
    func run(_ spec: ModelSpec, corpus: Corpus, distinct: Bool) -> (loss: Double, grads: [Float], tokens: Int) {
        let net = SequenceNetwork(spec: spec, seed: 5)
        let worker = NetworkWorker(network: net, maxRows: 40, maxLength: 14)
        worker.projectsDistinctTokens = distinct
        worker.batch.fill(corpus: corpus, rows: 0 ..< 40)
        let outcome = worker.run(dropoutKey: DropoutKey(seed: 3, step: 1))
        return (outcome.lossSum, worker.grads.array, worker.batch.tokenCount)
    }

    func specs() -> [(String, ModelSpec)] {
        var out: [(String, ModelSpec)] = []
        for cell in CellKind.allCases {
            out.append(("\(cell)", ModelSpec(cell: cell, vocabularySize: 30, embedDim: 6, hiddenSize: 8, numClasses: 3)))
        }
        var deep = ModelSpec(cell: .lstm, layers: 2, bidirectional: true, vocabularySize: 30, embedDim: 6, hiddenSize: 8, numClasses: 3)
        deep.layerKeepProb = 0.7
        out.append(("2-layer bidirectional lstm, dropout between", deep))
        for cell in [CellKind.gru, .lstm] {
            var norm = ModelSpec(cell: cell, bidirectional: true, vocabularySize: 30, embedDim: 6, hiddenSize: 8, numClasses: 3)
            norm.layerNorm = true
            out.append(("bidirectional layer-norm \(cell)", norm))
        }
        out.append(("seq2seq bidirectional gru",
                    ModelSpec(task: .seq2seq, bidirectional: true, vocabularySize: 30, embedDim: 6, hiddenSize: 8, numClasses: 3)))
        return out
    }

    func testDistinctTokenPathMatchesThePlainPath() {
        let c = corpus(vocabulary: 30)
        for (name, spec) in specs() {
            let fast = run(spec, corpus: c, distinct: true), plain = run(spec, corpus: c, distinct: false)
            XCTAssertEqual(fast.loss, plain.loss, accuracy: 1e-9 * Double(fast.tokens) + 1e-5, name)
            XCTAssertTrue(fast.grads.contains { $0 != 0 }, name)
            assertClose(fast.grads, plain.grads, abs: 2e-6, rel: 1e-4, name)
        }
    }

    /// The batch really repeats tokens (so the sums per token are
    /// exercised), and every position reads its own token's row.
    func testSlotsPointAtEachPositionsToken() {
        let c = corpus(vocabulary: 30)
        let batch = PackedBatch()
        batch.fill(corpus: c, rows: 0 ..< 40)
        let table = FloatBuffer((0 ..< 30 * 2).map { Float($0) })
        let t = TokenInput(vocabularySize: 30, dim: 2, maxTokens: batch.tokenCount, maxWidth: 4)
        batch.tokenIDs.withUnsafeBufferPointer { t.fill(ids: $0, table: table.base) }
        XCTAssertLessThan(t.count * 3, batch.tokenCount)
        XCTAssertEqual(Set(t.ids).count, t.count)
        for (i, id) in batch.tokenIDs.enumerated() {
            let slot = Int(t.slots[i])
            XCTAssertEqual(t.ids[slot], id)
            XCTAssertEqual(t.rows[slot, 1], Float(Int(id) * 2 + 1))
        }
    }
}
