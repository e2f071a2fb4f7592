import XCTest
import Corpus
import Model
import TensorCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The pooling heads against PyTorch on a padded batch (lengths 5, 3, 3, 1;
/// a bidirectional top layer, H = 3): pooled features and the gradient for
/// every real step's output. The literals in GoldenHeadValues.swift come
/// from scripts/golden_heads.py, whose formulas are repeated here.
final class GoldenHeadTests: XCTestCase {
    func testLastMeanAndMaxMatchPyTorch() throws {
        let lengths = [5, 3, 3, 1], t = 5, h = 3, f = 2 * h, b = lengths.count
        let corpus = Corpus(paddedRows: lengths.map { Array(repeating: 1, count: $0) }, lengths: lengths,
                            labels: Array(repeating: 0, count: b), numClasses: 2, vocabularySize: 2)
        let batch = PackedBatch()
        batch.fill(corpus: corpus, rows: Array(0 ..< b))   // already longest first: batch row = row
        let n = batch.tokenCount
        var order: [(packed: Int, row: Int, step: Int)] = []    // [b][t < len_b]
        for r in 0 ..< b { for s in 0 ..< lengths[r] { order.append((batch.offsets[s] + r, r, s)) } }
        let top = FloatBuffer(count: n * f)
        for o in order { for k in 0 ..< f { top[o.packed * f + k] = Float(sin(0.37 * Double(o.row * t * f + o.step * f + k) + 0.2)) } }
        for (name, pooling) in [("last", Pooling.last), ("mean", .mean), ("max", .max)] {
            var spec = ModelSpec(vocabularySize: 2, embedDim: 2, hiddenSize: h, numClasses: 2)
            spec.bidirectional = true
            spec.pooling = pooling
            let head = HeadFactory.make(spec, maxRows: b)
            let scratch = FloatBuffer(count: b * f), dFeatures = FloatBuffer(count: b * f), dTop = FloatBuffer(count: n * f)
            let pooled = head.forward(top: top.matrix(rows: n, cols: f), batch: batch, scratch: scratch.matrix(rows: b, cols: f))
            let golden = try XCTUnwrap(goldenHeads[name])
            assertClose((0 ..< b).flatMap { r in (0 ..< f).map { pooled[r, $0] } }, golden.pooled.map(Float.init), abs: 1e-6, rel: 1e-5, "\(name) pooled")
            for r in 0 ..< b { for k in 0 ..< f { dFeatures[r * f + k] = Float(cos(0.5 * Double(r * f + k) + 0.1)) } }
            head.backward(dFeatures: dFeatures.matrix(rows: b, cols: f), top: top.matrix(rows: n, cols: f), batch: batch,
                          dTop: dTop.matrix(rows: n, cols: f))
            assertClose(order.flatMap { o in (0 ..< f).map { dTop[o.packed * f + $0] } }, golden.dTop.map(Float.init),
                        abs: 1e-6, rel: 1e-5, "\(name) dTop")
        }
    }
}
