import XCTest
import Corpus
import Model
import TensorCore

/// Checkpoints: safetensors bytes, round trips, refusals, hostile headers.
final class CheckpointTests: XCTestCase {
    func temporaryPath(_ name: String) -> String {
        var template = Array("/tmp/rnntrain-ckpt-XXXXXX".utf8CString)
        let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        return String(cString: p!) + "/" + name
    }

    func testSafetensorsLayout() throws {
        let bytes = try Safetensors.encode([("a", .init(shape: [2], values: [1, -2]))], metadata: ["k": "v"])
        let headerLength = bytes[0 ..< 8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        XCTAssertEqual((8 + headerLength) % 8, 0, "data is not 8-byte aligned")
        let header = String(decoding: bytes[8 ..< 8 + headerLength], as: UTF8.self)
        XCTAssertTrue(header.hasPrefix(#"{"__metadata__":{"k":"v"},"a":{"data_offsets":[0,8],"dtype":"F32","shape":[2]}}"#), header)
        XCTAssertEqual(Array(bytes.suffix(8)), [0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0])   // 1.0, -2.0 little-endian
        let back = try bytes.withUnsafeBytes { try Safetensors.decode($0, fileName: "x") }
        XCTAssertEqual(back.tensors["a"], .init(shape: [2], values: [1, -2]))
        XCTAssertEqual(back.metadata, ["k": "v"])
    }

    func testRoundTripRestoresWeightsAndAdamState() throws {
        let net = tinyNetwork(.seq2seq)
        let adam = Adam(parameterCount: net.layout.totalCount, learningRate: 0.01)
        let w = lossAndGrads(net, tinyCorpus(), rows: [0, 1, 2, 3, 4]).worker
        adam.update(net.params, w.grads)
        let path = temporaryPath("m.safetensors")
        var settings = RunSettings()
        settings.seed = 9
        let record = RunRecord(model: net.spec, optimizer: adam.spec, settings: settings, progress: RunProgress(epoch: 3, optimizerStep: adam.step))
        try Checkpoint(network: net, optimizer: adam, record: record).write(to: path)
        let other = tinyNetwork(.seq2seq, seed: 77)
        let otherAdam = Adam(parameterCount: other.layout.totalCount, learningRate: 0.01)
        let c = try Checkpoint.read(path: path)
        try c.restore(into: other, optimizer: otherAdam, path: path)
        XCTAssertEqual(other.params.array, net.params.array)
        XCTAssertEqual(otherAdam.m.array, adam.m.array)
        XCTAssertEqual(otherAdam.v.array, adam.v.array)
        XCTAssertEqual(otherAdam.step, 1)
        XCTAssertEqual(try c.record(path: path), record)
        XCTAssertEqual(Set(c.tensors.keys.filter { !$0.hasPrefix("optimizer.") }),
                       ["embedding.weight", "gru.weight_ih_l0", "gru.weight_hh_l0", "gru.bias_ih_l0", "gru.bias_hh_l0",
                        "h0", "fc.weight", "fc.bias"])
        XCTAssertEqual(c.tensors["gru.weight_ih_l0"]?.shape, [15, 3])   // PyTorch's [3H, E]
    }

    func testDifferentArchitectureIsRefused() throws {
        let path = temporaryPath("m.safetensors")
        let net = tinyNetwork(.classify, hidden: 5)
        try Checkpoint(network: net, optimizer: nil, record: RunRecord(model: net.spec, optimizer: OptimizerSpec(),
                                                                       settings: RunSettings(), progress: RunProgress(epoch: 1))).write(to: path)
        let c = try Checkpoint.read(path: path)
        XCTAssertThrowsError(try c.restore(into: tinyNetwork(.seq2seq, hidden: 6), optimizer: nil, path: path)) {
            XCTAssertEqual("\($0)", "\(path): checkpoint does not match this run (checkpoint vs run: task classify vs seq2seq, "
                + "pooling last vs per_step, hidden 5 vs 6); resume with the same architecture and data")
        }
    }

    func testHostileHeadersAreClearErrors() {
        func decode(_ bytes: [UInt8]) -> String {
            do { _ = try bytes.withUnsafeBytes { try Safetensors.decode($0, fileName: "f") }; return "ok" } catch { return "\(error)" }
        }
        var huge = [UInt8](repeating: 0, count: 8)
        huge[7] = 0x10   // claims 2^60 bytes of header
        XCTAssertTrue(decode(huge + Array("{}".utf8)).hasPrefix("f: not a safetensors file ("))
        // A text file: its first 8 bytes read as a header length far beyond its size.
        XCTAssertTrue(decode(Array("post_id,label,as_numbers\n1,0,4 5\n".utf8)).hasPrefix("f: not a safetensors file ("))
        XCTAssertTrue(decode([2, 0, 0, 0, 0, 0, 0, 0] + Array("[]".utf8)).hasPrefix("f: not a safetensors file ("))
        let json = Array(#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#.utf8)
        var lengthBytes = [UInt8](repeating: 0, count: 8)
        lengthBytes[0] = UInt8(json.count)
        XCTAssertEqual(decode(lengthBytes + json + [0, 0, 0, 0]),
                       "f: not a valid safetensors file: tensor a: bytes 0..<16 do not fit its shape [4] or the 4 data bytes")
        XCTAssertEqual(decode([1, 2, 3]), "f: not a valid safetensors file: shorter than its 8-byte header length")
    }

    /// A charlm checkpoint has no test set: its progress keeps validation
    /// figures, and one that holds them as `testAccuracy` (the earlier
    /// layout) is read as validation; a classify checkpoint's test stays test.
    func testCharLMCheckpointProgressIsValidation() throws {
        let spec = ModelSpec(task: .seq2seq, vocabularySize: 6, embedDim: 4, hiddenSize: 5, numClasses: 6)
        let net = SequenceNetwork(spec: spec, seed: 1)
        func reread(charLM: Bool) throws -> RunProgress {
            var settings = RunSettings()
            if charLM { settings.charLM = CharLMSettings(characters: "abcdef", steps: 10, validationFraction: 0.1) }
            var progress = RunProgress(epoch: 2, optimizerStep: 7)
            progress.testAccuracy = 0.25
            let record = RunRecord(model: spec, optimizer: OptimizerSpec(), settings: settings, progress: progress)
            let path = NSTemporaryDirectory() + "/rnntrain-layout-\(getpid())-\(charLM).safetensors"
            defer { unlink(path) }
            try Checkpoint(network: net, optimizer: nil, record: record).write(to: path)
            return try Checkpoint.read(path: path).record(path: path).progress
        }
        let charLM = try reread(charLM: true)
        XCTAssertEqual(charLM.valAccuracy, 0.25)
        XCTAssertNil(charLM.testAccuracy)
        let classify = try reread(charLM: false)
        XCTAssertEqual(classify.testAccuracy, 0.25)
        XCTAssertNil(classify.valAccuracy)
    }
}
