import XCTest
import Foundation
import Corpus
import RNNTrainCLI
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `rnntrain prepare` through the CLI: raw folders in, a CSV that the
/// training commands read out.
final class PrepareCommandTests: XCTestCase {
    /// A small blog corpus: 12 files over the six classes, Windows-1252 bytes
    /// and CRLF in some, a truncated last post in one.
    func writeBlogCorpus(_ dir: String) {
        mkdir(dir, 0o755)
        let names = ["11.male.15.Student.Leo", "12.female.16.Arts.Leo", "13.male.24.Law.Virgo", "14.female.25.indUnk.Leo",
                     "15.male.35.Science.Aries", "16.female.45.Arts.Libra", "17.male.13.Student.Leo", "18.female.17.Arts.Leo",
                     "19.male.27.Law.Virgo", "20.female.23.indUnk.Leo", "21.male.40.Science.Aries", "22.female.33.Arts.Libra"]
        let sentences = ["I don't think the game was that bad, honestly.", "My mom's cooking is the best thing about home!",
                         "We went to the café after school and it was naïve fun.", "Work was long today & I'm tired of it all.",
                         "The kids played outside for 3.5 hours in the sun.", "Why do people keep asking me about urlLink this?"]
        for (k, name) in names.enumerated() {
            var text = "<Blog>\n"
            for p in 0 ..< 6 {
                text += "<date>\(p),May,2004</date>\n<post>\n"
                for s in 0 ..< 5 { text += sentences[(k + p + s) % sentences.count] + " " }
                text += "\n</post>\n"
            }
            if k == 5 { text += "<post>A post cut off in the middle of a sentence that goes" } else { text += "</Blog>\n" }
            var bytes = Array((k % 2 == 0 ? text.replacingAll("\n", "\r\n") : text).utf8)
            if k % 3 == 0 {   // Windows-1252: ï and é as single bytes
                bytes = Array(text.replacingAll("ï", "\u{1}").replacingAll("é", "\u{2}").utf8).map { $0 == 1 ? 0xEF : ($0 == 2 ? 0xE9 : $0) }
            }
            let f = fopen(dir + "/" + name + ".xml", "wb")!
            _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
            fclose(f)
        }
        writeFile(dir + "/99.male.20.Student.Leo.xml", "<post>Age outside every bracket.</post>")
        writeFile(dir + "/readme.txt", "not a corpus file")
    }

    func testPrepareThenTrainOneEpoch() throws {
        let dir = temporaryDirectory()
        writeBlogCorpus(dir + "/blogs")
        let r = cli(["prepare", "--corpus", dir + "/blogs", "--out", dir + "/data.csv", "--vocab-out", dir + "/vocab.txt", "--jobs", "2"])
        XCTAssertEqual(r.status, 0, r.err)
        for line in ["files: 12 read, 2 skipped (1 name not ID.gender.age.industry.sign.xml, 1 age outside 13-17/23-27/33-47",
                     "posts: 73 (0 empty)", "classes (rows): male 13-17 ", "wrote: \(dir)/data.csv (", "<UNK> share 0.00%"] {
            XCTAssertTrue(r.out.contains(line), "summary lacks '\(line)':\n\(r.out)")
        }
        XCTAssertFalse(r.err.contains("\r"), "progress drawn on a non-terminal: \(r.err)")

        let loaded = try CorpusCSV.load(path: dir + "/data.csv", options: CSVLoadOptions())
        XCTAssertEqual(loaded.corpus.count, 12 * 6 * 5 + 1)   // 5 sentences per post, plus the cut-off one
        XCTAssertEqual(loaded.corpus.classCounts(), [2 * 30, 2 * 30, 2 * 30, 2 * 30, 2 * 30, 2 * 30 + 1])
        let vocabulary = try Vocabulary.load(path: dir + "/vocab.txt")
        XCTAssertEqual(Array(vocabulary.tokens.prefix(2)), ["<UNK>", "<#>"])
        XCTAssertNotNil(vocabulary.id(of: "naïve"))
        XCTAssertNotNil(vocabulary.id(of: "n't"))

        // The fixture's posts repeat their sentences: the leakage check needs --allow-overlap.
        let train = cli(["classify", "--data", dir + "/data.csv", "--epochs", "1", "--threads", "1", "--batch-size", "32", "--quiet",
                         "--allow-overlap"])
        XCTAssertEqual(train.status, 0, train.err)
        XCTAssertEqual(epochLines(train.out).count, 1, train.out)
    }

    func testTextFoldersThenTrain() throws {
        let dir = temporaryDirectory()
        for d in ["/t", "/t/neg", "/t/pos"] { mkdir(dir + d, 0o755) }
        for k in 0 ..< 20 {
            writeFile(dir + "/t/pos/\(k).txt", "What a great and lovely film, I enjoyed it. The acting was wonderful today!\n")
            writeFile(dir + "/t/neg/\(k).txt", "What a dull and boring film, I hated it. The acting was awful today!\n")
        }
        let r = cli(["prepare", "--text-dir", dir + "/t", "--out", dir + "/d.csv", "--vocab-out", dir + "/v.txt"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("classes (label = folder): 0 = neg (20 files, 40 rows), 1 = pos (20 files, 40 rows)"), r.out)
        XCTAssertTrue(r.out.contains("\(dir)/d.labels.txt"), r.out)
        XCTAssertEqual(String(decoding: try XCTUnwrap(readBytes(dir + "/d.labels.txt")), as: UTF8.self), "neg\npos\n")
        let train = cli(["classify", "--data", dir + "/d.csv", "--epochs", "1", "--threads", "1", "--batch-size", "16", "--quiet",
                         "--allow-overlap"])
        XCTAssertEqual(train.status, 0, train.err)
        XCTAssertEqual(epochLines(train.out).count, 1, train.out)
    }

    func testProgressOnlyOnATerminal() {
        let dir = temporaryDirectory()
        writeBlogCorpus(dir + "/blogs")
        var err = "", out = ""
        let console = Console(out: { out += $0 }, err: { err += $0 }, errIsTerminal: true)
        let status = RNNTrain.run(["prepare", "--corpus", dir + "/blogs", "--out", dir + "/d.csv", "--vocab-out", dir + "/v.txt"],
                                  console: console)
        XCTAssertEqual(status, 0, err)
        XCTAssertTrue(err.contains("\rpass 1/2 (counting tokens): 12/12 files"), err)
        XCTAssertTrue(err.contains("\rpass 2/2 (writing rows): 12/12 files"), err)
        XCTAssertTrue(err.contains(" MB/s"), err)
        XCTAssertFalse(out.contains("\r"))
        XCTAssertTrue(out.contains("files: 12 read"), out)
    }

    func testUsageAndDataErrors() {
        let dir = temporaryDirectory()
        writeBlogCorpus(dir + "/blogs")
        let c = ["--corpus", dir + "/blogs"], o = ["--out", dir + "/d.csv", "--vocab-out", dir + "/v.txt"]
        let usage: [([String], String)] = [
            (o, "option --corpus DIR or --text-dir DIR is required (the raw corpus to read)"),
            (c + ["--text-dir", dir] + o, "options --corpus and --text-dir exclude each other"),
            (c + ["--vocab-out", dir + "/v.txt"], "option --out is required (the CSV file to write)"),
            (c + ["--out", dir + "/d.csv"], "option --vocab-out is required (the vocabulary file to write), or --vocab (an existing one to use)"),
            (c + o + ["--vocab", dir + "/v.txt"], "options --vocab and --vocab-out exclude each other (a given vocabulary is not written again)"),
            (c + o + ["--min-len", "10", "--max-len", "9"], "option --max-len (9) must be at least --min-len (10)"),
            (c + o + ["--vocab-size", "1"], "option --vocab-size expects a whole number from 2 to 10000000, got 1"),
            (c + o + ["--jobs", "0"], "option --jobs expects a whole number from 1 to 256, got 0"),
            (c + o + ["--labels-out", dir + "/l.txt"], "option --labels-out needs --text-dir"),
            (c + ["--out", dir + "/x", "--vocab-out", dir + "/x"], "the output files must differ: \(dir)/x, \(dir)/x"),
            (c + o + ["--vocab-szie", "5"], "unknown option --vocab-szie. Did you mean --vocab-size?"),
        ]
        for (args, message) in usage {
            let r = cli(["prepare"] + args)
            XCTAssertEqual(r.status, 64, "\(args)")
            XCTAssertTrue(r.err.hasPrefix("error: \(message)\n"), "\(args): \(r.err)")
        }
        let missing = cli(["prepare", "--corpus", dir + "/nope"] + o)
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.err.hasPrefix("error: \(dir)/nope: cannot open folder: No such file or directory"), missing.err)
        let badOut = cli(["prepare"] + c + ["--out", dir + "/no-folder/d.csv", "--vocab-out", dir + "/v.txt"])
        XCTAssertEqual(badOut.status, 1)
        XCTAssertTrue(badOut.err.contains("no-folder does not exist"), badOut.err)
        XCTAssertFalse(fileExists(dir + "/d.csv"))
        XCTAssertFalse(fileExists(dir + "/v.txt"))
    }

    func testHelp() {
        let r = cli(["prepare", "--help"])
        XCTAssertEqual(r.status, 0)
        for (option, def) in [("--vocab-size N", "10000"), ("--min-len N", "5"), ("--max-len N", "30"), ("--jobs N", "the number of cores")] {
            let line = r.out.split(separator: "\n").first { $0.contains(option) }
            XCTAssertTrue(line?.contains("(default: \(def))") ?? false, "\(option): \(line ?? "missing")")
        }
        for o in ["--corpus DIR", "--text-dir DIR", "--out PATH", "--vocab-out PATH", "--labels-out PATH"] {
            XCTAssertTrue(r.out.contains(o), o)
        }
        XCTAssertTrue(cli(["--help"]).out.contains("  prepare "))
    }
}

func readBytes(_ path: String) -> [UInt8]? { FileManager.default.contents(atPath: path).map { Array($0) } }
