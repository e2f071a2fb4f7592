import XCTest
import Corpus

/// Pretrained word vectors (word2vec/GloVe text, fastText .vec) matched to
/// a vocabulary: which row gets which vector, and errors with line numbers.
final class PretrainedVectorsTests: XCTestCase {
    let vocabulary = Vocabulary(tokens: ["<UNK>", "<#>", "the", "paris", "cat", ". . .", "a\u{A0}b", "dog"])
    let sentinel: Float = -7

    /// Parses `text` fed in pieces of `chunk` bytes; returns the summary and
    /// the [8 x dim] table (rows not written keep `sentinel`).
    func load(_ text: String, dim: Int = 2, chunk: Int = 1 << 20, name: String = "v.vec") throws -> (PretrainedVectors.Summary, [[Float]]) {
        var table = [Float](repeating: sentinel, count: vocabulary.count * dim)
        let bytes = Array(text.utf8)
        let summary = try table.withUnsafeMutableBufferPointer { t -> PretrainedVectors.Summary in
            let p = PretrainedVectors(fileName: name, dim: dim, vocabulary: vocabulary, table: t.baseAddress!)
            try bytes.withUnsafeBytes { all in
                var i = 0
                while i < all.count {
                    try p.consume(UnsafeRawBufferPointer(rebasing: all[i ..< min(i + chunk, all.count)]))
                    i += chunk
                }
            }
            return try p.finish()
        }
        return (summary, (0 ..< vocabulary.count).map { Array(table[$0 * dim ..< ($0 + 1) * dim]) })
    }

    func assertError(_ text: String, _ message: String, dim: Int = 2, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try load(text, dim: dim), file: file, line: line) { e in
            XCTAssertEqual((e as? DataError)?.description, message, file: file, line: line)
        }
    }

    func testFastTextFileWithHeaderLandsOnTheVocabularyIDs() throws {
        let (s, rows) = try load("4 2\nthe 0.5 -1 \ncat 3e-1 4\nunknownword 9 9\n<#> -0.25 1.5\n")
        XCTAssertEqual(rows[2], [0.5, -1])
        XCTAssertEqual(rows[4], [0.3, 4])
        XCTAssertEqual(rows[1], [-0.25, 1.5])
        for id in [0, 3, 5, 6, 7] { XCTAssertEqual(rows[id], [sentinel, sentinel], "row \(id) must keep its initialisation") }
        XCTAssertEqual(s, PretrainedVectors.Summary(vectors: 4, dim: 2, exact: 3, byCase: 0, duplicates: 0, hasHeader: true))
    }

    /// GloVe: no header, CRLF, a byte-order mark, tabs; a word with spaces
    /// is everything before the last E numbers; U+00A0 is part of a word.
    func testGloVeTextWordsWithSpacesAndUnicodeSpaces() throws {
        let (s, rows) = try load("\u{FEFF}the 1 2\r\n. . . 3 4\r\na\u{A0}b\t5\t6\r\ndog 7 8")
        XCTAssertEqual(rows[2], [1, 2])
        XCTAssertEqual(rows[5], [3, 4])
        XCTAssertEqual(rows[6], [5, 6])
        XCTAssertEqual(rows[7], [7, 8])
        XCTAssertFalse(s.hasHeader)
        XCTAssertEqual(s.matched, 4)
    }

    /// Case: a vocabulary word takes its own vector, else the first whose
    /// lowercase form it is, whichever comes first in the file.
    /// Duplicates: the first vector of a word counts.
    func testCaseFoldingAndDuplicates() throws {
        let (s, rows) = try load("Paris 1 1\nparis 2 2\nparis 3 3\nCAT 4 4\nCat 5 5\nThe 6 6\n")
        XCTAssertEqual(rows[3], [2, 2], "the exact word wins over an earlier cased one")
        XCTAssertEqual(rows[4], [4, 4], "the first cased form wins")
        XCTAssertEqual(rows[2], [6, 6])
        XCTAssertEqual(s.exact, 1)
        XCTAssertEqual(s.byCase, 2)
        XCTAssertEqual(s.duplicates, 1)
    }

    /// Feeding the file in pieces of any size (lines split across reads)
    /// gives the same table.
    func testChunkBoundariesDoNotMatter() throws {
        let text = "3 2\nthe 0.125 -1e-3\n. . . 3 4\ndog 1.5 2.5\n"
        let whole = try load(text)
        for chunk in [1, 2, 3, 7] {
            let pieces = try load(text, chunk: chunk)
            XCTAssertEqual(pieces.1, whole.1, "chunk \(chunk)")
            XCTAssertEqual(pieces.0, whole.0)
        }
    }

    func testMalformedLinesAreErrorsWithLineNumbers() {
        assertError("the 1 2\ncat 1\n", "v.vec:2: expected a word and 2 numbers, found 2 fields")
        assertError("the 1 2\ncat 1 x2\n", "v.vec:2: number 2 ('x2') is not a decimal number")
        assertError("the 1 2\ncat nan 1\n", "v.vec:2: number 1 ('nan') is not a decimal number")
        assertError("the 1 2\ncat 1e99 1\n", "v.vec:2: number 1 ('1e99') is not a finite decimal number")
        assertError("the 1 2\ncat 1.2.3 1\n", "v.vec:2: number 1 ('1.2.3') is not a decimal number")
        assertError("the 1 2\n\ncat 1 2\n", "v.vec:2: empty line (expected a word and 2 numbers)")
        assertError("2 3\nthe 1 2 3\n", "v.vec:1: the header gives 3-dimensional vectors; the embedding has 2 (--embed)")
        assertError("3 2\nthe 1 2\ncat 1 2\n", "v.vec:1: the header announces 3 vectors but the file holds 2")
        assertError("1 2\nthe 1 2\ncat 1 2\n", "v.vec:3: more vectors than the 1 the header announces")
        assertError("the 1 2 3\n", "v.vec:1: the first vector has 3 numbers; the embedding has 2 (--embed)")
        assertError("", "v.vec: no vectors in the file")
    }

    func testLoadStreamsAFileInSmallChunks() throws {
        let dir = temporaryDirectory()
        let path = dir + "/v.vec"
        var text = "1001 2\n"
        for i in 0 ..< 1000 { text += "w\(i) \(i) -\(i)\n" }
        text += "dog 0.5 0.25\n"
        writeText(path, text)
        var table = [Float](repeating: 0, count: vocabulary.count * 2)
        let s = try table.withUnsafeMutableBufferPointer {
            try PretrainedVectors.load(path: path, dim: 2, vocabulary: vocabulary, table: $0.baseAddress!, chunkSize: 64)
        }
        XCTAssertEqual(s.vectors, 1001)
        XCTAssertEqual(Array(table[14 ..< 16]), [0.5, 0.25])
        XCTAssertThrowsError(try table.withUnsafeMutableBufferPointer {
            try PretrainedVectors.load(path: dir + "/missing.vec", dim: 2, vocabulary: vocabulary, table: $0.baseAddress!)
        })
    }
}
