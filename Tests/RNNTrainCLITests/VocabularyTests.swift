import XCTest
import Corpus
import Model
import RNNTrainCLI
#if canImport(Glibc)
import Glibc
#endif

/// Vocabularies that cannot be mixed: the checkpoint records the vocabulary's
/// fingerprint and size; eval and predict refuse another one, and data whose
/// texts were tokenized with another one; prepare --vocab tokenizes new text
/// with the model's.
final class VocabularyTests: XCTestCase {
    /// Two classes of review files; `words` picks the vocabulary's content.
    func writeReviews(_ dir: String, _ words: [String]) {
        for c in ["neg", "pos"] {
            mkdir(dir + "/" + c, 0o755)
            for k in 0 ..< 12 {
                let w = c == "pos" ? words[0] : words[1]
                writeFile(dir + "/\(c)/\(k).txt", "the \(words[2 + k % 3]) was \(w) and \(words[2 + (k + 1) % 3]) was fine today.\n")
            }
        }
    }

    func testAModelRefusesAnotherVocabularyAndItsData() throws {
        let dir = temporaryDirectory()
        mkdir(dir + "/a", 0o755); mkdir(dir + "/b", 0o755); mkdir(dir + "/new", 0o755)
        writeReviews(dir + "/a", ["great", "awful", "food", "room", "staff"])
        writeReviews(dir + "/b", ["superb", "bad", "tea", "bed", "view"])
        writeReviews(dir + "/new", ["great", "awful", "staff", "food", "room"])
        for s in ["a", "b"] {
            let p = cli(["prepare", "--text-dir", dir + "/" + s, "--out", dir + "/\(s).csv", "--vocab-out", dir + "/\(s)-vocab.txt"])
            XCTAssertEqual(p.status, 0, p.err)
        }
        let model = dir + "/m.safetensors"
        let train = cli(["classify", "--data", dir + "/a.csv", "--vocab", dir + "/a-vocab.txt", "--epochs", "1", "--embed", "4",
                         "--hidden", "4", "--val-fraction", "0", "--test-fraction", "0", "--save", model])
        XCTAssertEqual(train.status, 0, train.err)
        let record = try Checkpoint.read(path: model).record(path: model).settings
        let a = try Vocabulary.load(path: dir + "/a-vocab.txt")
        XCTAssertEqual(record.vocabHash, a.fingerprint)
        XCTAssertEqual(record.vocabSize, a.count)

        // Another vocabulary file: refused, naming both.
        let other = cli(["eval", "--model", model, "--data", dir + "/b.csv", "--vocab", dir + "/b-vocab.txt"])
        XCTAssertEqual(other.status, 1)
        XCTAssertTrue(other.err.hasPrefix("error: \(dir)/b-vocab.txt ("), other.err)
        XCTAssertTrue(other.err.contains("is not the vocabulary \(model) was trained with: \(dir)/a-vocab.txt, \(a.count) tokens, \(a.fingerprint)"), other.err)
        XCTAssertTrue(other.err.contains("--allow-vocab-mismatch"), other.err)
        XCTAssertEqual(other.out, "")
        let predict = cli(["predict", "--model", model, "--vocab", dir + "/b-vocab.txt", "the tea was superb"])
        XCTAssertEqual(predict.status, 1)
        XCTAssertTrue(predict.err.contains("is not the vocabulary \(model) was trained with"), predict.err)
        // Data made with another vocabulary, no --vocab: its texts give it away.
        let data = cli(["eval", "--model", model, "--data", dir + "/b.csv"])
        XCTAssertEqual(data.status, 1)
        XCTAssertTrue(data.err.hasPrefix("error: \(dir)/b.csv was not made with the vocabulary of \(model) "), data.err)
        XCTAssertTrue(data.err.contains("the texts of only 0 of 24 rows give their token ids under it"), data.err)
        let allowed = cli(["eval", "--model", model, "--data", dir + "/b.csv", "--allow-vocab-mismatch"])
        XCTAssertEqual(allowed.status, 0, allowed.err)

        // New text tokenized with the model's vocabulary: the ids are a's, and eval accepts it.
        let prepared = cli(["prepare", "--text-dir", dir + "/new", "--out", dir + "/new.csv", "--vocab", dir + "/a-vocab.txt"])
        XCTAssertEqual(prepared.status, 0, prepared.err)
        XCTAssertTrue(prepared.out.contains("vocabulary: \(a.count) tokens from \(dir)/a-vocab.txt"), prepared.out)
        XCTAssertFalse(fileExists(dir + "/new-vocab.txt"))
        let fresh = try CorpusCSV.load(path: dir + "/new.csv", options: CSVLoadOptions(keepText: true)).corpus
        XCTAssertEqual(fresh.count, 24)
        for r in 0 ..< fresh.count {
            let words = String(decoding: fresh.texts[r], as: UTF8.self).split(separator: " ").map(String.init)
            XCTAssertEqual(fresh.tokens(r).map { Int($0) }, words.map { Int(a.id(of: $0) ?? 0) }, "row \(r)")
        }
        let evalNew = cli(["eval", "--model", model, "--data", dir + "/new.csv"])
        XCTAssertEqual(evalNew.status, 0, evalNew.err)
        XCTAssertTrue(evalNew.out.contains("evaluated: 24 rows"), evalNew.out)
    }

    func testCheckpointsWithoutAFingerprintStillLoad() throws {
        // Written before checkpoints recorded the vocabulary's fingerprint.
        let old = repoRoot + "/Tests/Fuzz/seeds/safetensors/tiny-classify.safetensors"
        let settings = try Checkpoint.read(path: old).record(path: old).settings
        XCTAssertNil(settings.vocabHash)
        let r = cli(["predict", "--model", old, "--ids", "1 2 3"])
        XCTAssertEqual(r.status, 0, r.err)
    }
}
