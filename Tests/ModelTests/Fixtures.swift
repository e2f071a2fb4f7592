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

/// `rows` random rows of lengths 1 ..< 13 over 50 ids, 3 classes.
func randomCorpus(rows: Int = 300, seed: UInt64 = 4) -> Corpus {
    var c = Corpus(classNames: ["a", "b", "c"], vocabularySize: 50)
    var rng = RNG(seed: seed)
    for _ in 0 ..< rows {
        let len = 1 + rng.below(12)
        c.append(ids: (0 ..< len).map { _ in Int32(rng.below(50)) }, label: UInt8(rng.below(3)))
    }
    return c
}

/// The tiny corpus's model: vocabulary 12, embedding 3, 4 classes.
func tinySpec(_ task: Task, keep: Float = 1, hidden: Int = 5) -> ModelSpec {
    ModelSpec(task: task, vocabularySize: 12, embedDim: 3, hiddenSize: hidden, numClasses: 4, keepProb: keep)
}

func tinyNetwork(_ task: Task, keep: Float = 1, seed: UInt64 = 42, hidden: Int = 5) -> SequenceNetwork {
    tinyNetwork(tinySpec(task, keep: keep, hidden: hidden), seed: seed)
}

/// A network of `spec` with non-zero learned start states, so their
/// gradient paths are exercised.
func tinyNetwork(_ spec: ModelSpec, seed: UInt64 = 42) -> SequenceNetwork {
    let net = SequenceNetwork(spec: spec, seed: seed)
    for name in ["h0", "c0"] {
        guard let count = net.layout.spec(name)?.count else { continue }
        net.setTensor(name, (0 ..< count).map { Float($0 % 7) * 0.1 - 0.2 + (name == "c0" ? 0.05 : 0) })
    }
    return net
}

/// Runs a training pass (loss sum, gradient of the loss sum) on `rows`.
func lossAndGrads(_ net: SequenceNetwork, _ corpus: Corpus, rows: [Int], key: DropoutKey? = .init(seed: 9, step: 1)) -> (loss: Double, grads: [Float], worker: NetworkWorker) {
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

/// Every architecture this build can make, on the tiny corpus: each cell
/// (and its layer-norm form), 1 and 2 layers (dropout between them), one and
/// two directions, each pooling and per-step.
func tinySpecs(keep: Float = 1, layerKeep: Float = 1) -> [ModelSpec] {
    var specs: [ModelSpec] = []
    for cell in CellKind.allCases {
        for layerNorm in [false, true] {
            for layers in [1, 2] {
                for bidirectional in [false, true] {
                    for pooling in Pooling.allCases {
                        var s = tinySpec(pooling == .perStep ? .seq2seq : .classify, keep: keep)
                        s.cell = cell
                        s.layerNorm = layerNorm
                        s.layers = layers
                        s.bidirectional = bidirectional
                        s.pooling = pooling
                        s.layerKeepProb = layers > 1 ? layerKeep : 1
                        if s.problem == nil { specs.append(s) }
                    }
                }
            }
        }
    }
    return specs
}

/// "lstm 2x bi mean".
func describe(_ s: ModelSpec) -> String {
    "\(s.cell.rawValue)\(s.layerNorm ? "+ln" : "") \(s.layers)x\(s.bidirectional ? " bi" : "") \(s.pooling.rawValue)"
}
