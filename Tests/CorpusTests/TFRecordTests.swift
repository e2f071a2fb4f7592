import XCTest
import Foundation
import Corpus

/// Hand-made wire bytes for records the fixtures cannot hold (independent of
/// the writer under test: the protobuf layout is spelled out here).
enum Wire {
    static func varint(_ v: UInt64) -> [UInt8] {
        var out: [UInt8] = [], v = v
        while v >= 0x80 { out.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        return out + [UInt8(v)]
    }
    static func field(_ n: Int, _ payload: [UInt8]) -> [UInt8] { varint(UInt64(n << 3 | 2)) + varint(UInt64(payload.count)) + payload }
    /// `Feature{int64_list{value: v...}}`, packed or one field per value.
    static func int64s(_ values: [Int64], packed: Bool = true) -> [UInt8] {
        let list = packed ? field(1, values.flatMap { varint(UInt64(bitPattern: $0)) })
            : values.flatMap { [0x08] + varint(UInt64(bitPattern: $0)) }
        return field(3, list)
    }
    static func entry(_ key: String, _ value: [UInt8]) -> [UInt8] { field(1, field(1, Array(key.utf8)) + field(2, value)) }
    /// `Example{features{tokens: ids, label: label}}`.
    static func example(tokens: [UInt8], label: Int64) -> [UInt8] {
        field(1, entry("tokens", tokens) + entry("label", int64s([label])))
    }
    static func frame(_ data: [UInt8]) -> [UInt8] {
        let len = withUnsafeBytes(of: UInt64(data.count).littleEndian) { Array($0) }
        let lenCRC = len.withUnsafeBytes { CRC32C.masked($0) }
        let dataCRC = data.withUnsafeBytes { CRC32C.masked($0) }
        return len + withUnsafeBytes(of: lenCRC.littleEndian) { Array($0) } + data + withUnsafeBytes(of: dataCRC.littleEndian) { Array($0) }
    }
}

func parseTF(_ bytes: [UInt8], gzip: Bool = false, options: TFRecordLoadOptions = TFRecordLoadOptions()) throws -> CSVLoadResult {
    try bytes.withUnsafeBytes { try CorpusTFRecord.parse($0, fileName: "t.tfrecord", gzip: gzip, options: options) }
}

func assertTFError(_ bytes: [UInt8], _ message: String, options: TFRecordLoadOptions = TFRecordLoadOptions(),
                   file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try parseTF(bytes, options: options), file: file, line: line) { e in
        XCTAssertEqual("\(e)", message, file: file, line: line)
    }
}

final class CRC32CTests: XCTestCase {
    /// Bit-at-a-time CRC-32C, the definition.
    func reference(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0 ..< 8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
        }
        return ~c
    }

    func testCheckValueAndSliceBy8AgreeWithTheDefinition() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        var rng = SystemRandomNumberGenerator()
        for n in [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 1000] {
            let bytes = (0 ..< n).map { _ in UInt8.random(in: 0 ... 255, using: &rng) }
            XCTAssertEqual(CRC32C.checksum(bytes), reference(bytes), "length \(n)")
            // Unaligned starts and continuation.
            if n > 3 {
                let whole = CRC32C.checksum(bytes)
                let first = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[0 ..< 3])) }
                let rest = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[3...]), continuing: first) }
                XCTAssertEqual(rest, whole)
            }
        }
    }
}

final class TFRecordTests: XCTestCase {
    let dir = repoRoot + "/Tests/CorpusTests/Fixtures/tfrecord"

    /// Every fixture the Python script wrote decodes to the rows it recorded.
    func testIndependentFixturesDecodeToTheExpectedRows() throws {
        let lines = String(decoding: readFile(dir + "/expected.txt")!, as: UTF8.self).split(separator: "\n")
        let byFile = Dictionary(grouping: lines.map { $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init) }, by: { $0[0] })
        XCTAssertEqual(byFile.count, 5)
        for (name, rows) in byFile {
            let c = try CorpusTFRecord.load(path: dir + "/" + name, options: TFRecordLoadOptions()).corpus
            XCTAssertEqual(c.count, rows.count, name)
            XCTAssertEqual(c.hasTokenLabels, !rows[0][3].isEmpty, name)
            for (r, row) in rows.enumerated() {
                XCTAssertEqual(Int(c.labels[r]), Int(row[1]), name)
                XCTAssertEqual(Array(c.tokens(r)), row[2].split(separator: " ").map { Int32($0)! }, name)
                if c.hasTokenLabels {
                    XCTAssertEqual(Array(c.tokenLabels[c.offsets[r] ..< c.offsets[r + 1]]), row[3].split(separator: " ").map { UInt8($0)! }, name)
                }
            }
        }
    }

    func testBadFixtureRecordsNameTheRecordAndWhatIsWrong() throws {
        let negative = dir + "/bad-negative-token.tfrecord"
        let first = Int(readFile(negative)!.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }) + 16
        XCTAssertThrowsError(try CorpusTFRecord.load(path: negative, options: TFRecordLoadOptions())) { e in
            XCTAssertEqual("\(e)", "\(negative): record 1 (byte offset \(first)): token id -3 out of range [0, 10000)")
        }
        var options = TFRecordLoadOptions()
        options.rows.skipBadRows = true
        let r = try CorpusTFRecord.load(path: dir + "/bad-types.tfrecord", options: options)
        XCTAssertEqual(r.corpus.count, 0)
        XCTAssertEqual(r.skippedRows, 3)
        let messages = r.skippedExamples.map { $0.message.split(separator: ":", maxSplits: 1)[1] }
        XCTAssertEqual(messages, [" feature 'tokens' is a bytes_list, expected an int64_list",
                                  " feature 'labels' is a float_list, expected an int64_list",
                                  " 'length' 3 does not match the 2 tokens in 'tokens'"])
    }

    func testMissingFeatureNamesWhatTheRecordHas() {
        var options = TFRecordLoadOptions()
        options.names.tokens = "ids"
        XCTAssertThrowsError(try CorpusTFRecord.load(path: dir + "/seq-packed.tfrecord", options: options)) { e in
            // Python writes map entries in no fixed order.
            let text = "\(e)"
            XCTAssertTrue(text.contains("seq-packed.tfrecord: record 0 (byte offset 0): no feature 'ids' (context/features: '"), text)
            XCTAssertTrue(text.hasSuffix("; feature lists: 'tokens', 'labels'); the --tf-* options name the features")
                || text.hasSuffix("; feature lists: 'labels', 'tokens'); the --tf-* options name the features"), text)
            for name in ["length", "label", "offsets", "score", "name"] { XCTAssertTrue(text.contains("'\(name)'"), name) }
        }
        let noLabel = Wire.frame(Wire.field(1, Wire.entry("tokens", Wire.int64s([1, 2]))))
        assertTFError(noLabel, "t.tfrecord: record 0 (byte offset 0): no feature 'label' or a feature list 'labels' "
            + "(context/features: 'tokens'; feature lists: none); the --tf-* options name the features")
        options.names = TFRecordFeatureNames(tokens: "w", label: "y")
        let renamed = Wire.frame(Wire.field(1, Wire.entry("w", Wire.int64s([4])) + Wire.entry("y", Wire.int64s([3]))))
        XCTAssertEqual(try parseTF(renamed, options: options).corpus.labels, [3])
    }

    func testCorruptFramingGivesFileRecordAndOffset() throws {
        let good = readFile(dir + "/seq-packed.tfrecord")!
        let second = Int(good.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }) + 16
        var badLength = good
        badLength[second + 1] ^= 0x40
        assertTFError(badLength, "t.tfrecord: record 1 (byte offset \(second)): length checksum mismatch "
            + "(the header is corrupt; the records after it cannot be found)")
        var badData = good
        badData[second + 20] ^= 0x01
        assertTFError(badData, "t.tfrecord: record 1 (byte offset \(second)): data checksum mismatch (the record's bytes are corrupt)")
        let truncated = Array(good.dropLast(3))
        let third = second + Int(good.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: second, as: UInt64.self) }) + 16
        assertTFError(truncated, "t.tfrecord: record 2 (byte offset \(third)): truncated record: its length field says "
            + "\(good.count - third - 16) bytes, the file ends \(good.count - third - 15) bytes after the header")
        assertTFError(Array(good.prefix(second + 5)), "t.tfrecord: record 1 (byte offset \(second)): truncated record header (5 of 12 bytes)")
        // Skipping: a bad data checksum costs one record; a bad header ends the file.
        var options = TFRecordLoadOptions()
        options.rows.skipBadRows = true
        XCTAssertEqual(try parseTF(badData, options: options).corpus.count, 2)
        let r = try parseTF(badLength, options: options)
        XCTAssertEqual(r.corpus.count, 1)
        XCTAssertEqual(r.skippedRows, 1)
    }

    func testWireFormatEdgeCases() throws {
        // Unpacked and packed lists, the largest id, a 10-byte negative int64 in another feature.
        let tokens = Wire.int64s([3, 9999, 0], packed: false)
        var record = Wire.field(1, Wire.entry("tokens", tokens) + Wire.entry("label", Wire.int64s([4])) + Wire.entry("neg", Wire.int64s([-1])))
        XCTAssertEqual(Wire.int64s([-1]).count, 14) // tag, len, tag, len, 10-byte varint
        record += [0x3D, 1, 2, 3, 4, 0x41] + [UInt8](repeating: 7, count: 8) // unknown fixed32 (7) and fixed64 (8) fields
        let c = try parseTF(Wire.frame(record)).corpus
        XCTAssertEqual(c.tokenIDs, [3, 9999, 0])
        XCTAssertEqual(c.labels, [4])
        // A negative token id decodes as such.
        assertTFError(Wire.frame(Wire.example(tokens: Wire.int64s([5, -2]), label: 0)),
                      "t.tfrecord: record 0 (byte offset 0): token id -2 out of range [0, 10000)")
        // An 11-byte varint, a group, a length past the message.
        let long = Wire.field(1, Wire.entry("tokens", Wire.field(3, [0x08] + [UInt8](repeating: 0xFF, count: 10) + [0x01])))
        assertTFError(Wire.frame(long), "t.tfrecord: record 0 (byte offset 0): varint longer than 10 bytes or above 64 bits")
        assertTFError(Wire.frame([0x2B, 0x2C]), "t.tfrecord: record 0 (byte offset 0): groups (wire types 3, 4) are not supported")
        assertTFError(Wire.frame([0x0A, 0x05, 0x00]), "t.tfrecord: record 0 (byte offset 0): length 5 runs past the end of its message (1 bytes left)")
        // A label above 255, a scalar with two values.
        assertTFError(Wire.frame(Wire.example(tokens: Wire.int64s([1]), label: 256)), "t.tfrecord: record 0 (byte offset 0): label 256 is not in 0...255")
        let two = Wire.field(1, Wire.entry("tokens", Wire.int64s([1])) + Wire.entry("label", Wire.int64s([1, 2])))
        assertTFError(Wire.frame(two), "t.tfrecord: record 0 (byte offset 0): feature 'label' holds 2 values, expected 1")
        // Too long for --max-len.
        assertTFError(Wire.frame(Wire.example(tokens: Wire.int64s(Array(repeating: 1, count: 31)), label: 0)),
                      "t.tfrecord: record 0 (byte offset 0): sequence of 31 tokens is longer than the maximum length 30" + CSVLoadOptions.lengthHint)
    }

    func testGzipFixtureAndCorruptGzip() throws {
        let plain = try CorpusTFRecord.load(path: dir + "/seq-packed.tfrecord", options: TFRecordLoadOptions()).corpus
        let gz = try CorpusTFRecord.load(path: dir + "/seq-packed.tfrecord.gz", options: TFRecordLoadOptions()).corpus
        XCTAssertEqual(gz.tokenIDs, plain.tokenIDs)
        XCTAssertEqual(gz.tokenLabels, plain.tokenLabels)
        let bytes = readFile(dir + "/seq-packed.tfrecord.gz")!
        XCTAssertThrowsError(try parseTF(Array(bytes.prefix(bytes.count / 2)), gzip: true)) { e in
            XCTAssertTrue("\(e)".contains("the gzip stream ends early (truncated .gz file)"), "\(e)")
        }
        XCTAssertThrowsError(try parseTF(Array("not gzip".utf8), gzip: true)) { e in
            XCTAssertTrue("\(e)".hasPrefix("t.tfrecord: record 0 (byte offset 0): not valid gzip data"), "\(e)")
        }
    }

    func testRoundTripCSVToTFRecordToCSV() throws {
        let tmp = temporaryDirectory()
        let sample = try CorpusCSV.load(path: repoRoot + "/data/sample.csv", options: CSVLoadOptions()).corpus
        for gz in [false, true] {
            let tf = tmp + (gz ? "/s.tfrecord.gz" : "/s.tfrecord")
            try TFRecordWriter.write(sample, to: tf, gzip: gz)
            let back = try CorpusTFRecord.load(path: tf, options: TFRecordLoadOptions()).corpus
            XCTAssertEqual(back.tokenIDs, sample.tokenIDs)
            XCTAssertEqual(back.offsets, sample.offsets)
            XCTAssertEqual(back.labels, sample.labels)
            XCTAssertEqual(back.classNames, Corpus.blogClassNames)
            XCTAssertFalse(back.hasTokenLabels) // the repeated row labels the writer filled in
            try CorpusCSVWriter.write(back, to: tmp + "/a.csv")
            try TFRecordWriter.write(try CorpusCSV.load(path: tmp + "/a.csv", options: CSVLoadOptions()).corpus, to: tf, gzip: gz)
            try CorpusCSVWriter.write(try CorpusTFRecord.load(path: tf, options: TFRecordLoadOptions()).corpus, to: tmp + "/b.csv")
            XCTAssertEqual(readFile(tmp + "/a.csv"), readFile(tmp + "/b.csv"))
        }
        // Per-step labels survive both ways.
        writeText(tmp + "/steps.csv", "post_id,label,as_numbers,labels\n1,3,4 5 6,0 1 3\n2,1,7,1\n")
        let steps = try CorpusCSV.load(path: tmp + "/steps.csv", options: CSVLoadOptions()).corpus
        XCTAssertEqual(steps.tokenLabels, [0, 1, 3, 1])
        try TFRecordWriter.write(steps, to: tmp + "/steps.tfrecord", gzip: false)
        let back = try CorpusTFRecord.load(path: tmp + "/steps.tfrecord", options: TFRecordLoadOptions()).corpus
        XCTAssertEqual(back.tokenLabels, [0, 1, 3, 1])
        XCTAssertEqual(back.labels, [3, 1])
        try CorpusCSVWriter.write(back, to: tmp + "/steps2.csv")
        XCTAssertEqual(String(decoding: readFile(tmp + "/steps2.csv")!, as: UTF8.self),
                       "post_id,label,string,as_numbers,length,labels\n1,3,\"\",4 5 6,3,0 1 3\n2,1,\"\",7,1,1\n")
    }

    func testFileListsAndGlobs() throws {
        let paths = try CorpusFiles.expand(dir + "/seq-*.tfrecord," + dir + "/example-packed.tfrecord")
        XCTAssertEqual(paths.map { $0.split(separator: "/").last! }, ["seq-packed.tfrecord", "seq-unpacked-unknown.tfrecord", "example-packed.tfrecord"])
        let r = try CorpusFiles.load(paths: paths, tfrecord: TFRecordLoadOptions())
        XCTAssertEqual(r.corpus.count, 9)
        XCTAssertTrue(r.corpus.hasTokenLabels)
        // The Example file has no step labels: its rows repeat their label.
        XCTAssertEqual(Array(r.corpus.tokenLabels[r.corpus.offsets[6]...]), Array(repeating: 2, count: 4) + [0] + Array(repeating: 1, count: 10))
        XCTAssertThrowsError(try CorpusFiles.expand(dir + "/nothing-*.tfrecord")) { e in
            XCTAssertEqual("\(e)", "\(dir)/nothing-*.tfrecord: no file matches this pattern")
        }
    }
}

final class StepLabelCSVTests: XCTestCase {
    func testLabelsColumnFillsStepLabelsAndCountsMustMatch() throws {
        let c = try parse(header.dropLast() + ",labels\n1,0,1,\"a b\",4 5,2,3 4\n").corpus
        XCTAssertEqual(c.tokenLabels, [3, 4])
        XCTAssertEqual(c.numClasses, 6)
        assertDataError(header.dropLast() + ",labels\n1,0,1,\"a b\",4 5,2,3 4\n1,0,1,\"a b c\",4 5 6,3,1 2\n",
                        "t.csv:3: labels holds 2 labels, as_numbers 3 token ids (one label per step)")
        assertDataError("as_numbers,label,labels\n4,0,300\n", "t.csv:2: label 300 in labels is not in 0...255")
        // A skipped row leaves no step labels behind.
        let skipped = try parse("as_numbers,label,labels\n4 5,0,1 1\n6,0,1 2\n7,1,9\n", options: CSVLoadOptions(skipBadRows: true))
        XCTAssertEqual(skipped.skippedRows, 1)
        XCTAssertEqual(skipped.corpus.tokenIDs, [4, 5, 7])
        XCTAssertEqual(skipped.corpus.tokenLabels, [1, 1, 9])
        XCTAssertEqual(skipped.corpus.numClasses, 10)
    }
}
