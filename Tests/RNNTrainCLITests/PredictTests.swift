import XCTest
import Corpus
import RNNTrainCLI

/// `rnntrain predict`: tokenizes like the corpus, maps unknown words to
/// <UNK>, and agrees with `eval` on the same rows.
final class PredictTests: XCTestCase {
    static let dir = temporaryDirectory()
    static let model: String = {
        let path = dir + "/m.safetensors"
        let r = cli(["classify", "--epochs", "2", "--lr", "3e-3", "--quiet", "--save", path])
        precondition(r.status == 0, r.err)
        return path
    }()

    /// Rows of a `--tsv` output: predicted class, its probability, all probabilities.
    func tsv(_ out: String) -> [(predicted: String, p: Double, all: [Double])] {
        out.split(separator: "\n").dropFirst().map { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return (f[0], Double(f[1])!, f[2 ..< 8].map { Double($0)! })
        }
    }

    func testTextIsTokenizedLikeTheCorpusAndUnknownWordsBecomeUNK() {
        let r = cli(["predict", "--model", Self.model, "I don't know, it's 25 qovan!"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("tokens: i do n't know , it 's <#> qovan ! (10 tokens, 0 unknown)"), r.out)
        XCTAssertTrue(r.out.contains("predicted: "), r.out)
        XCTAssertTrue(r.out.contains("gender: "), r.out)
        XCTAssertTrue(r.out.contains("age bracket: "), r.out)
        let unknown = cli(["predict", "--model", Self.model, "Zzyzx rocks"])
        XCTAssertTrue(unknown.out.contains("<UNK>(zzyzx)"), unknown.out)
    }

    func testTextAndTheSameIdsGiveTheSameProbabilities() {
        let vocab = SyntheticCorpus.vocabulary()
        let words = ["i", "do", "n't", "know", ",", "qovan", "!"]
        let ids = words.map { String(vocab.firstIndex(of: $0)!) }.joined(separator: " ")
        let text = cli(["predict", "--model", Self.model, "--tsv", "I don't know, qovan!"])
        let byID = cli(["predict", "--model", Self.model, "--tsv", "--ids", ids])
        XCTAssertEqual(text.status, 0, text.err)
        XCTAssertEqual(byID.status, 0, byID.err)
        XCTAssertEqual(tsv(text.out).first?.all, tsv(byID.out).first?.all)
        let p = tsv(text.out)[0]
        XCTAssertEqual(p.all.reduce(0, +), 1, accuracy: 1e-3)
        XCTAssertEqual(p.p, p.all.max()!)
    }

    func testPredictionsAgreeWithEvalOnTheSameRows() throws {
        // The first 300 rows of the sample, as a CSV for eval and as ids for predict.
        let sample = SyntheticCorpus.generate(rows: 300, seed: SyntheticCorpus.sampleSeed).corpus
        var csv = "label,as_numbers\n", ids = ""
        for r in 0 ..< sample.count {
            let row = sample.tokens(r).map(String.init).joined(separator: " ")
            csv += "\(sample.labels[r]),\(row)\n"
            ids += row + "\n"
        }
        writeFile(Self.dir + "/rows.csv", csv)
        writeFile(Self.dir + "/rows.txt", ids)
        let p = cli(["predict", "--model", Self.model, "--ids", "--tsv", "--input", Self.dir + "/rows.txt"])
        XCTAssertEqual(p.status, 0, p.err)
        let predictions = tsv(p.out)
        XCTAssertEqual(predictions.count, 300)
        let names = Corpus.blogClassNames
        let hits = zip(predictions, sample.labels).filter { $0.0.predicted == names[Int($0.1)] }.count
        let e = cli(["eval", "--model", Self.model, "--data", Self.dir + "/rows.csv"])
        XCTAssertEqual(e.status, 0, e.err)
        XCTAssertTrue(e.out.contains("(\(hits) of 300 rows)"), "predict got \(hits) right; eval says:\n\(e.out)")
    }

    func testBadInputsAreClearErrors() {
        let ids = cli(["predict", "--model", Self.model, "--ids", "1 2 3", "4 10000"])
        XCTAssertEqual(ids.status, 1)
        XCTAssertTrue(ids.err.contains("argument:2: token id '10000' is not an integer in [0, 10000)"), ids.err)
        XCTAssertTrue(ids.out.isEmpty)
        writeFile(Self.dir + "/big-vocab.txt", (0 ..< 10_001).map { "w\($0)" }.joined(separator: "\n") + "\n")
        let vocab = cli(["predict", "--model", Self.model, "--vocab", Self.dir + "/big-vocab.txt", "hello"])
        XCTAssertEqual(vocab.status, 1)
        XCTAssertTrue(vocab.err.contains("big-vocab.txt:10001: the vocabulary has 10001 tokens but the model only 10000 ids"), vocab.err)
        XCTAssertEqual(cli(["predict", "--model", Self.model, "--input", Self.dir + "/none.txt"]).status, 1)
        XCTAssertEqual(cli(["predict", "--model", Self.model, "a", "--input", Self.dir + "/rows.txt"]).status, 64)
        let punct = cli(["predict", "--model", Self.model, "--ids", " "])
        XCTAssertEqual(punct.status, 64, "only blank input: nothing to classify")
    }

    func testAModelTrainedOnACSVNeedsItsVocabulary() {
        writeFile(Self.dir + "/tiny.csv", "label,as_numbers\n0,2 3 4\n1,5 6\n0,2 2\n1,6 5 5\n")
        let m = Self.dir + "/tiny.safetensors"
        XCTAssertEqual(cli(["classify", "--data", Self.dir + "/tiny.csv", "--vocab-size", "8", "--epochs", "1", "--quiet",
                            "--test-fraction", "0", "--save", m]).status, 0)
        let r = cli(["predict", "--model", m, "hello there"])
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.err.contains("give --vocab vocab.txt"), r.err)
        writeFile(Self.dir + "/tiny-vocab.txt", "<UNK>\n<#>\nhello\nthere\nyou\n")
        let ok = cli(["predict", "--model", m, "--vocab", Self.dir + "/tiny-vocab.txt", "--tsv", "Hello there, you"])
        XCTAssertEqual(ok.status, 0, ok.err)
        XCTAssertTrue(ok.out.hasPrefix("predicted\tprobability\t0\t1\tinput\n"), ok.out)
        let plain = cli(["predict", "--model", m, "--vocab", Self.dir + "/tiny-vocab.txt", "Hello there, you"])
        XCTAssertTrue(plain.out.contains("tokens: hello there <UNK>(,) you (4 tokens, 1 unknown)"), plain.out)
    }

    /// `classify --vocab` bounds the ids by the vocabulary and records it,
    /// so predict needs no --vocab afterwards.
    func testTrainingWithVocabLetsPredictFindIt() {
        writeFile(Self.dir + "/v8.txt", "<UNK>\n<#>\nhello\nthere\nyou\nsee\nme\nnow\n")
        writeFile(Self.dir + "/v8.csv", "label,as_numbers\n0,2 3 4\n1,5 6\n0,2 2\n1,6 5 7\n")
        let m = Self.dir + "/v8.safetensors"
        let train = cli(["classify", "--data", Self.dir + "/v8.csv", "--vocab", Self.dir + "/v8.txt", "--epochs", "1", "--quiet",
                         "--test-fraction", "0", "--save", m])
        XCTAssertEqual(train.status, 0, train.err)
        let r = cli(["predict", "--model", m, "See you now"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("tokens: see you now (3 tokens, 0 unknown)"), r.out)
        // An id beyond the vocabulary is a data error when training with --vocab.
        writeFile(Self.dir + "/v8-bad.csv", "label,as_numbers\n0,2 3 8\n")
        let bad = cli(["classify", "--data", Self.dir + "/v8-bad.csv", "--vocab", Self.dir + "/v8.txt", "--epochs", "1"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.err.contains("v8-bad.csv:2: token id 8 out of range [0, 8)"), bad.err)
    }
}
