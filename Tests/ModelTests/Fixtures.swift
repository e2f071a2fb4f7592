import XCTest
import Corpus
import Model
import TensorCore

/// A tiny mixed-length corpus: lengths 4, 2, 5, 1, 3 (unsorted on purpose),
/// vocabulary 12, 4 classes.
func tinyCorpus(padding: Int32 = 0) -> Corpus {
    let rows: [[Int32]] = [[3, 7, 1, 9], [11, 2], [5, 5, 8, 0, 4], [6], [10, 1, 3]]
    let padded = rows.map { $0 + Array(repeating: padding, count: 5 - $0.count) }
    return Corpus(paddedRows: padded, lengths: rows.map(\.count), labels: [2, 0, 3, 1, 2],
                  numClasses: 4, vocabularySize: 12)
}

func tinyNetwork(_ task: Task, keep: Float = 1, seed: UInt64 = 42, hidden: Int = 5) -> SequenceNetwork {
    let net = SequenceNetwork(config: ModelConfig(task: task, vocabularySize: 12, embedDim: 3, hiddenSize: hidden,
                                                  numClasses: 4, keepProb: keep), seed: seed)
    // A non-zero initial state, so its gradient path is exercised.
    let h0 = (0 ..< hidden).map { Float($0) * 0.1 - 0.2 }
    net.setTensor("init_state", h0)
    return net
}

/// Runs a training pass (loss sum, gradient of the loss sum) on `rows`.
func lossAndGrads(_ net: SequenceNetwork, _ corpus: Corpus, rows: [Int], key: NetworkWorker.DropoutKey? = .init(seed: 9, step: 1)) -> (loss: Double, grads: [Float], worker: NetworkWorker) {
    let w = NetworkWorker(network: net, maxRows: 8, maxLength: 6)
    w.batch.fill(corpus: corpus, rows: rows)
    let o = w.run(dropoutKey: key ?? .init(seed: 0, step: 0), gradScale: 1)
    return (o.lossSum, w.grads.array, w)
}

func assertClose(_ a: [Float], _ b: [Float], abs: Float, rel: Float, _ what: String = "",
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "\(what): sizes differ", file: file, line: line)
    for i in 0 ..< min(a.count, b.count) where !(Swift.abs(a[i] - b[i]) <= abs + rel * Swift.abs(b[i])) {
        XCTFail("\(what)[\(i)]: \(a[i]) vs \(b[i])", file: file, line: line)
        return
    }
}
