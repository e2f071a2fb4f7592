import XCTest
import Foundation
import Corpus
import Model
import RNNTrainCLI

/// `--embeddings`, `--freeze-embed` and `--sparse-embedding` through the CLI.
final class EmbeddingCommandTests: XCTestCase {
    /// Vectors for words of the synthetic vocabulary ("the" is id 4, "and"
    /// id 6), one cased ("I" for "i", id 5), one unknown word; dimension 8.
    let vectors = """
    4 8
    the 0.5 -0.25 0.125 1 2 3 4 5
    I 1 1 1 1 -1 -1 -1 -1
    zzzunknown 9 9 9 9 9 9 9 9
    and 0.1 0.2 0.3 0.4 0.5 0.6 0.7 0.8

    """

    func testPretrainedFrozenRowsLandOnTheirIDsAndStayBitIdentical() throws {
        let dir = temporaryDirectory()
        writeFile(dir + "/v.vec", vectors)
        let r = cli(["classify", "--epochs", "1", "--embed", "8", "--hidden", "8", "--embeddings", dir + "/v.vec", "--freeze-embed",
                     "--save", dir + "/m.safetensors"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.err.contains("matched 3 of 10,000 vocabulary words (2 exact, 1 by lowercase)"), r.err)
        let words = SyntheticCorpus.vocabulary()
        XCTAssertEqual([words[4], words[5], words[6]], ["the", "i", "and"])
        let saved = try Checkpoint.read(path: dir + "/m.safetensors")
        let table = try XCTUnwrap(saved.tensors["embedding.weight"]).values
        XCTAssertEqual(Array(table[32 ..< 40]), [0.5, -0.25, 0.125, 1, 2, 3, 4, 5])
        XCTAssertEqual(Array(table[40 ..< 48]), [1, 1, 1, 1, -1, -1, -1, -1])
        XCTAssertEqual(Array(table[48 ..< 56]), [Float("0.1")!, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8])
        // Frozen: the whole table equals the untrained one with the vectors in.
        let net = SequenceNetwork(spec: try saved.record(path: "m").model, seed: 1)
        var expected = try XCTUnwrap(net.tensor("embedding.weight"))
        expected.replaceSubrange(32 ..< 56, with: Array(table[32 ..< 56]))
        XCTAssertEqual(table.map(\.bitPattern), expected.map(\.bitPattern))
        XCTAssertTrue(try saved.record(path: "m").optimizer.isEmbeddingFrozen)
        // The classifier learned, and predict reads the model as any other.
        XCTAssertNotEqual(saved.tensors["fc.weight"]?.values, net.tensor("fc.weight"))
        let p = cli(["predict", "--model", dir + "/m.safetensors", "the cat and i"])
        XCTAssertEqual(p.status, 0, p.err)
    }

    func testBadVectorFileIsAnErrorWithItsLineAndNothingIsSaved() {
        let dir = temporaryDirectory()
        writeFile(dir + "/v.vec", "the 1 2 3 4 5 6 7 8\nand 1 2 3\n")
        let r = cli(["classify", "--epochs", "1", "--embed", "8", "--embeddings", dir + "/v.vec", "--save", dir + "/m.safetensors"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains(dir + "/v.vec:2: expected a word and 8 numbers, found 4 fields"), r.err)
        XCTAssertFalse(fileExists(dir + "/m.safetensors"))
        let noVocab = cli(["classify", "--data", repoRoot + "/data/sample.csv", "--embeddings", dir + "/v.vec"])
        XCTAssertEqual(noVocab.status, RNNTrain.ExitCode.usage)
    }

    func testSparseEmbeddingIsRecordedAndRefusedWhereItHasNoMeaning() throws {
        let dir = temporaryDirectory()
        let r = cli(["classify", "--epochs", "1", "--lr", "1e-3", "--sparse-embedding", "--quiet", "--save", dir + "/m.safetensors"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(try Checkpoint.read(path: dir + "/m.safetensors").record(path: "m").optimizer.sparseEmbedding, true)
        // A resumed run keeps the checkpoint's sparse update; a dense checkpoint
        // resumed with --sparse-embedding is refused.
        let resumed = cli(["classify", "--epochs", "2", "--lr", "1e-3", "--quiet", "--resume", dir + "/m.safetensors", "--save", dir + "/m2.safetensors"])
        XCTAssertEqual(resumed.status, 0, resumed.err)
        XCTAssertEqual(try Checkpoint.read(path: dir + "/m2.safetensors").record(path: "m2").optimizer.sparseEmbedding, true)
        XCTAssertEqual(cli(["classify", "--epochs", "1", "--lr", "1e-3", "--quiet", "--save", dir + "/d.safetensors"]).status, 0)
        let sparseOnDense = cli(["classify", "--epochs", "2", "--lr", "1e-3", "--sparse-embedding", "--resume", dir + "/d.safetensors"])
        XCTAssertEqual(sparseOnDense.status, 1, sparseOnDense.err)
        XCTAssertEqual(cli(["classify", "--sparse-embedding", "--optimizer", "rmsprop"]).status, RNNTrain.ExitCode.usage)
        XCTAssertEqual(cli(["classify", "--sparse-embedding", "--optimizer", "sgd", "--momentum", "0.9"]).status, RNNTrain.ExitCode.usage)
    }
}

/// `synth --vocab-size`: the same Zipf law over more ids, for large-vocabulary runs.
final class SynthVocabularySizeTests: XCTestCase {
    func testLargeVocabularyUsesIdsAboveTenThousand() throws {
        let dir = temporaryDirectory()
        let r = cli(["synth", "--rows", "3000", "--seed", "1", "--vocab-size", "100000", "--out", dir + "/big.csv",
                     "--vocab-out", dir + "/vocab.txt"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(try Vocabulary.load(path: dir + "/vocab.txt").count, 100_000)
        let corpus = try CorpusCSV.load(path: dir + "/big.csv", options: CSVLoadOptions(vocabularySize: 100_000)).corpus
        let top = try XCTUnwrap(corpus.tokenIDs.max())
        XCTAssertGreaterThan(top, 10_000)
        XCTAssertLessThan(top, 100_000)
        XCTAssertEqual(cli(["synth", "--rows", "10", "--vocab-size", "100", "--out", dir + "/small.csv"]).status, RNNTrain.ExitCode.usage)
    }
}

/// The vectors fuzz target's invariants on its kept inputs (seeds and
/// regressions): the same outcome fed whole or in two pieces.
final class VectorFuzzInputTests: XCTestCase {
    func testVectorInputs() throws {
        let vocabulary = Vocabulary(tokens: ["<UNK>", "<#>", "the", "paris", "cat", ". . .", "a\u{A0}b"])
        var count = 0
        for kind in ["seeds", "regressions"] {
            let dir = repoRoot + "/Tests/Fuzz/\(kind)/vectors"
            for name in (try? FileManager.default.contentsOfDirectory(atPath: dir))?.sorted() ?? [] {
                let bytes = Array(try XCTUnwrap(FileManager.default.contents(atPath: dir + "/" + name)))
                var outcomes: [String] = []
                for cut in [0, bytes.count / 2] {
                    let table = UnsafeMutableBufferPointer<Float>.allocate(capacity: vocabulary.count * 4)
                    table.initialize(repeating: 0)
                    defer { table.deallocate() }
                    let p = PretrainedVectors(fileName: name, dim: 4, vocabulary: vocabulary, table: table.baseAddress!)
                    do {
                        try bytes.withUnsafeBytes {
                            try p.consume(UnsafeRawBufferPointer(rebasing: $0[..<cut]))
                            try p.consume(UnsafeRawBufferPointer(rebasing: $0[cut...]))
                        }
                        outcomes.append("\(try p.finish()) \(Array(table))")
                    } catch {
                        XCTAssertTrue("\(error)".hasPrefix(name + ":"), "\(error)")
                        outcomes.append("\(error)")
                    }
                }
                XCTAssertEqual(outcomes[0], outcomes[1], name)
                count += 1
            }
        }
        XCTAssertGreaterThanOrEqual(count, 2)
    }
}
