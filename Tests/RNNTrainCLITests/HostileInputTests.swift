import XCTest
import Corpus
import Model
import RNNTrainCLI

/// Hostile sizes and values get a clear error quickly, never a crash or an
/// out-of-memory kill; a diverging run stops and keeps its last good model.
final class HostileInputTests: XCTestCase {
    func parseCSV(_ bytes: [UInt8], options: CSVLoadOptions = CSVLoadOptions()) -> String {
        do {
            let r = try bytes.withUnsafeBytes { try CorpusCSV.parse($0, fileName: "h.csv", options: options) }
            return "ok \(r.corpus.count)"
        } catch { return "\(error)" }
    }

    func testFiftyMegabyteLine() {
        let header = Array("post_id,gender,age_bracket,string,as_numbers,length\n".utf8)
        // A 50 MB text field in an otherwise valid row loads (the text is not kept)...
        let row = Array("1,0,1,\"".utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: 50_000_000) + Array("\",1 2 3,3\n".utf8)
        XCTAssertEqual(parseCSV(header + row), "ok 1")
        // ...and a 50 MB line of garbage is one error naming its line.
        let garbage = [UInt8](repeating: UInt8(ascii: "x"), count: 50_000_000)
        XCTAssertEqual(parseCSV(header + garbage), "h.csv:2: expected 6 fields, found 1")
        // An unterminated quote running to the end of 50 MB names where it opened.
        let open = Array("1,0,1,\"".utf8) + [UInt8](repeating: UInt8(ascii: "b"), count: 50_000_000)
        XCTAssertTrue(parseCSV(header + open).hasPrefix("h.csv:2:"), parseCSV(header + open))
    }

    func testTenMillionIDsInOneRow() {
        var bytes = Array("label,as_numbers\n0,".utf8)
        bytes.reserveCapacity(20_000_100)
        for _ in 0 ..< 10_000_000 { bytes += [UInt8(ascii: "7"), UInt8(ascii: " ")] }
        bytes.append(0x0A)
        XCTAssertEqual(parseCSV(bytes), "h.csv:2: sequence of more than 30 tokens is longer than the maximum length 30" + CSVLoadOptions.lengthHint)
    }

    func testTenThousandColumnHeader() {
        let names = (0 ..< 10_000).map { "c\($0)" }
        XCTAssertEqual(parseCSV(Array((names.joined(separator: ",") + "\n").utf8)),
                       "h.csv:1: missing column 'as_numbers' (header has: c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, ... 10000 columns)")
        // With the needed columns among them it still loads, by name.
        let header = (names + ["label", "as_numbers"]).joined(separator: ",")
        let row = Array(repeating: "", count: 10_000).joined(separator: ",") + ",1,4 5 6"
        XCTAssertEqual(parseCSV(Array((header + "\n" + row + "\n").utf8)), "ok 1")
    }

    func testTenMillionLineVocabulary() {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(90_000_000)
        for i in 0 ..< 10_000_000 { bytes += Array("w\(i)\n".utf8) }
        let result: String
        do { _ = try bytes.withUnsafeBytes { try Vocabulary.parse($0, fileName: "v.txt") }; result = "ok" } catch { result = "\(error)" }
        XCTAssertEqual(result, "v.txt:1000001: more than 1000000 tokens; a real vocabulary has thousands")
    }

    func testHostileFlagValuesAreUsageErrors() {
        for (args, message) in [
            (["classify", "--batch-size", "0"], "option --batch-size expects a whole number from 1 to 1000000, got 0"),
            (["classify", "--epochs", "-1"], "option --epochs expects a whole number from 1 to 1000000, got -1"),
            (["classify", "--hidden", "100000"], "option --hidden expects a whole number from 1 to 4096, got 100000"),
            (["classify", "--lr", "nan"], "option --lr expects a number > 0 and <= 10, got 'nan'"),
            (["classify", "--epochs", "99999999999999999999"], "option --epochs expects a whole number from 1 to 1000000, got '99999999999999999999'"),
            // Combinations that cannot work say why.
            (["classify", "--cell", "lsmt"], "option --cell expects gru, lstm, rnn, got 'lsmt'. Did you mean lstm?"),
            (["classify", "--nonlinearity", "relu"], "option --nonlinearity applies to --cell rnn only"),
            (["classify", "--layer-keep", "0.5"], "--layer-keep applies between stacked layers; it needs --layers 2 or more"),
            (["classify", "--momentum", "0.9"], "option --momentum applies to --optimizer rmsprop or sgd, not adam"),
            (["classify", "--optimizer", "sgd", "--nesterov"], "option --nesterov needs --momentum above 0"),
            (["seq2seq", "--pool", "mean"], "option --pool applies to classify and count-ones, not seq2seq"),
            (["synth", "--shards", "2"], "option --shards applies to classify, seq2seq, charlm and count-ones, not synth"),
            (["charlm", "--text", "x.txt", "--bucketed"], "option --bucketed applies to classify, seq2seq and count-ones, not charlm"),
        ] {
            let r = cli(args)
            XCTAssertEqual(r.status, 64, args.joined(separator: " "))
            XCTAssertTrue(r.err.contains(message), "\(args): \(r.err)")
            XCTAssertTrue(r.out.isEmpty)
        }
    }

    func testARunTooLargeForMemoryIsRefusedBeforeAllocating() {
        let r = cli(["classify", "--vocab-size", "10000000", "--embed", "4096", "--epochs", "1"])
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.err.contains("GB of memory and the machine has"), r.err)
        XCTAssertTrue(r.err.contains("lower --vocab-size, --embed, --hidden, --layers, --batch-size or --threads"), r.err)
    }

    /// A run whose loss stops being finite stops at that batch with advice,
    /// and the checkpoint on disk stays the last good one.
    func testNonFiniteLossStopsAndKeepsTheLastGoodCheckpoint() throws {
        let dir = temporaryDirectory()
        let path = dir + "/m.safetensors"
        XCTAssertEqual(cli(["classify", "--epochs", "1", "--quiet", "--save", path]).status, 0)
        let good = try Data(contentsOf: URL(fileURLWithPath: path))
        // Poison one weight of a resumable copy, as a diverged run would.
        var poisoned = try Checkpoint.read(path: path)
        poisoned.tensors["fc.weight"]!.values[0] = .infinity
        try poisoned.write(to: dir + "/poisoned.safetensors")
        let r = cli(["classify", "--epochs", "3", "--resume", dir + "/poisoned.safetensors", "--save", path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.err.contains("epoch 2, batch 1: the training loss became NaN; stopped without saving"), r.err)
        XCTAssertTrue(r.err.contains("\(path) keeps the last good epoch"), r.err)
        XCTAssertTrue(r.err.contains("Try --clip 5 or a lower --lr"), r.err)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), good)
    }
}

/// Every crashing input the fuzzers found (Tests/Fuzz/regressions/TARGET) and
/// every seed (Tests/Fuzz/seeds/TARGET), through the same calls as the fuzz
/// targets in Tests/Fuzz: each must end in a value or a clear error.
final class FuzzRegressionTests: XCTestCase {
    func inputs(_ target: String) -> [(String, [UInt8])] {
        var out: [(String, [UInt8])] = []
        for kind in ["seeds", "regressions"] {
            let dir = repoRoot + "/Tests/Fuzz/\(kind)/\(target)"
            for name in (try? FileManager.default.contentsOfDirectory(atPath: dir))?.sorted() ?? [] {
                if let d = FileManager.default.contents(atPath: dir + "/" + name) { out.append(("\(kind)/\(name)", Array(d))) }
            }
        }
        return out
    }

    /// What the safetensors fuzz target checks, on every kept input: a
    /// file that decodes either gives a clear error or a checkpoint whose
    /// record builds a network holding exactly the file's tensors.
    func testSafetensorsInputs() throws {
        let all = inputs("safetensors")
        XCTAssertFalse(all.isEmpty)
        var restored = 0
        for (name, bytes) in all {
            let decoded: (tensors: [String: Safetensors.Tensor], metadata: [String: String])
            do { decoded = try bytes.withUnsafeBytes { try Safetensors.decode($0, fileName: name) } } catch {
                XCTAssertTrue("\(error)".hasPrefix(name + ": "), "\(error)")
                continue
            }
            for (key, t) in decoded.tensors { XCTAssertEqual(t.values.count, t.shape.reduce(1, *), "\(name) \(key)") }
            do {
                let checkpoint = try Checkpoint.decode(tensors: decoded.tensors, metadata: decoded.metadata, path: name)
                let net = SequenceNetwork(spec: try checkpoint.record(path: name).model, seed: 1)
                try checkpoint.restore(into: net, optimizer: nil, path: name)
                for spec in net.layout.specs { XCTAssertEqual(net.tensor(spec.name)?.map(\.bitPattern), checkpoint.tensors[spec.name]?.values.map(\.bitPattern), "\(name) \(spec.name)") }
                restored += 1
            } catch {
                XCTAssertTrue("\(error)".hasPrefix(name + ": "), "\(error)")
                XCTAssertTrue(name.hasPrefix("regressions/"), "a seed failed to load: \(error)")
            }
        }
        XCTAssertEqual(restored, all.filter { $0.0.hasPrefix("seeds/") }.count, "every seed restores")
        // The first crash: keep_prob 1.6 in the metadata reached Dropout's precondition.
        let crash = try XCTUnwrap(all.first { $0.0 == "regressions/keep-prob-out-of-range" })
        let (t, m) = try crash.1.withUnsafeBytes { try Safetensors.decode($0, fileName: "c") }
        XCTAssertThrowsError(try Checkpoint.decode(tensors: t, metadata: m, path: "c")) { e in
            XCTAssertEqual("\(e)", "c: checkpoint metadata keep_prob = 1.6 is not in (0, 1]")
        }
    }

    func testTFRecordInputs() {
        var accepted = 0
        for (name, bytes) in inputs("tfrecord") where !bytes.isEmpty {
            let f = bytes[0]
            var options = TFRecordLoadOptions(rows: CSVLoadOptions(maxLength: f & 1 == 0 ? 30 : 1000, vocabularySize: f & 2 == 0 ? 10_000 : 50,
                                                                   skipBadRows: f & 4 != 0))
            if f & 8 != 0 { options.names = TFRecordFeatureNames(tokens: "ids", label: "y") }
            let input = f & 32 != 0 ? TFRecordWriter.framed(Array(bytes.dropFirst())) : Array(bytes.dropFirst())
            guard let c = try? input.withUnsafeBytes({
                try CorpusTFRecord.parse($0, fileName: name, gzip: f & 16 != 0, options: options)
            }).corpus else { continue }
            accepted += 1
            XCTAssertEqual(c.offsets.last, c.tokenIDs.count, name)
            XCTAssertTrue(c.tokenIDs.allSatisfy { $0 >= 0 && Int($0) < options.rows.vocabularySize }, name)
        }
        // The seeds' good files and payloads (plain, gzip, unpacked, skipping a bad record) load.
        XCTAssertGreaterThanOrEqual(accepted, 7)
    }

    /// The invariants of the csv, vocab, flags and posts fuzz targets, on
    /// every kept input: a result that loads is consistent, an error names
    /// its file (or is a usage error).
    /// charlm's text reader: UTF-8 decodes to ids within the vocabulary,
    /// anything else is an error naming the file; the seeds include both.
    func testCharTextInputs() {
        var decoded = 0, refused = 0
        for (name, bytes) in inputs("chartext") {
            do {
                let t = try bytes.withUnsafeBytes { try CharText.parse($0, fileName: name) }
                XCTAssertTrue(t.ids.allSatisfy { $0 >= 0 && Int($0) < t.vocabulary.count }, name)
                XCTAssertEqual(CharVocabulary(characters: t.vocabulary.characters), t.vocabulary, name)
                XCTAssertEqual(String(decoding: bytes, as: UTF8.self).unicodeScalars.filter { $0 != "\u{FEFF}" }.count, t.count, name)
                decoded += 1
            } catch {
                XCTAssertTrue("\(error)".hasPrefix(name + ":"), "\(error)")
                refused += 1
            }
        }
        XCTAssertGreaterThanOrEqual(decoded, 2)
        XCTAssertGreaterThanOrEqual(refused, 2)
    }

    func testCSVVocabFlagAndPostInputs() {
        for (name, bytes) in inputs("csv") where !bytes.isEmpty {
            let options = CSVLoadOptions(maxLength: bytes[0] & 1 == 0 ? 30 : 1000, vocabularySize: bytes[0] & 2 == 0 ? 10_000 : 50,
                                         skipBadRows: bytes[0] & 4 != 0)
            do {
                let c = try Array(bytes.dropFirst()).withUnsafeBytes { try CorpusCSV.parse($0, fileName: name, options: options) }.corpus
                XCTAssertEqual(c.offsets.count, c.count + 1, name)
                XCTAssertEqual(c.offsets.last, c.tokenIDs.count, name)
                XCTAssertTrue((0 ..< c.count).allSatisfy { c.length($0) >= 1 && c.length($0) <= options.maxLength }, name)
                XCTAssertTrue(c.tokenIDs.allSatisfy { $0 >= 0 && Int($0) < options.vocabularySize }, name)
            } catch {
                XCTAssertTrue("\(error)".hasPrefix(name + ":"), "\(error)")
            }
        }
        for (name, bytes) in inputs("vocab") {
            do {
                let v = try bytes.withUnsafeBytes { try Vocabulary.parse($0, fileName: name, maxTokens: 100_000) }
                XCTAssertTrue(v.count >= 1 && v.count <= 100_000, name)
                for (i, t) in v.tokens.enumerated() { XCTAssertTrue(!t.isEmpty && v.id(of: t)! <= Int32(i), "\(name): \(t)") }
            } catch {
                XCTAssertTrue("\(error)".hasPrefix(name + ":"), "\(error)")
            }
        }
        for (name, bytes) in inputs("flags") {
            let args = bytes.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            guard let first = args.first else { continue }
            let names = RNNTrain.commandNames
            let specs = RNNTrain.optionSpecs(for: names[Int(first.utf8.first ?? 0) % names.count])!
            do {
                _ = try ParsedOptions.parse(Array(args.dropFirst()), specs: specs, allowPositional: true)
            } catch {
                XCTAssertTrue(error is UsageError, "\(name): \(error)")
            }
        }
        let tokenizer = Tokenizer()
        for (_, bytes) in inputs("posts") {
            for post in PostExtractor.postTexts(in: bytes) {
                XCTAssertEqual(tokenizer.sentences(post).reduce(0) { $0 + $1.count }, tokenizer.tokens(post).count)
                XCTAssertTrue(tokenizer.tokens(post).allSatisfy { !$0.isEmpty && !$0.contains(" ") })
            }
        }
    }
}
