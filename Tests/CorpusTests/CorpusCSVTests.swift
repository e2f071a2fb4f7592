import XCTest
import Corpus

/// The loader: accepted forms, and every error with file, physical line and value.
final class CorpusCSVTests: XCTestCase {
    func testPlainFile() throws {
        let r = try parse(header + "1,0,1,a b c,4 127 63,3\n2,1,2,\"x, y\",9 0,2\n")
        XCTAssertEqual(r.corpus.count, 2)
        XCTAssertEqual(Array(r.corpus.tokens(0)), [4, 127, 63])
        XCTAssertEqual(Array(r.corpus.tokens(1)), [9, 0])
        XCTAssertEqual(r.corpus.labels, [1, 5])          // gender * 3 + age
        XCTAssertEqual(r.corpus.offsets, [0, 3, 5])
        XCTAssertEqual(r.corpus.classNames.count, 6)
    }

    /// What `pandas.DataFrame.to_csv` writes with a list column and
    /// `quoting=csv.QUOTE_ALL`, CRLF line ends and a BOM.
    func testPandasStyle() throws {
        let text = "\u{FEFF}\"\",\"post_id\",\"gender\",\"age_bracket\",\"string\",\"as_numbers\",\"length\"\r\n"
            + "\"0\",\"7\",\"1\",\"0\",\"he said \"\"hi\"\"\",\"[4, 127, 63]\",\"3\"\r\n"
            + "\"1\",\"8\",\"0\",\"2\",\"ok\",\"[5]\",\"1.0\"\r\n"
        let r = try parse(text)
        XCTAssertEqual(r.corpus.count, 2)
        XCTAssertEqual(Array(r.corpus.tokens(0)), [4, 127, 63])
        XCTAssertEqual(r.corpus.labels, [3, 2])
    }

    func testColumnsByNameInAnyOrderAndExtraColumns() throws {
        let r = try parse("length,extra,as_numbers,age_bracket,gender\n2,zz,3 4,2,1\n")
        XCTAssertEqual(Array(r.corpus.tokens(0)), [3, 4])
        XCTAssertEqual(r.corpus.labels, [5])
    }

    func testQuotedNewlinesCountAsPhysicalLines() {
        // The row on physical line 4 (after a string spanning lines 2-3) is bad.
        let text = header + "1,0,1,\"two\nlines\",4 5,2\n2,0,1,x,4 5,3\n"
        assertDataError(text, "t.csv:4: length 3 does not match the 2 token ids in as_numbers")
    }

    func testGenericLabelColumn() throws {
        let r = try parse("label,as_numbers\n0,1 2\n3,4\n")
        XCTAssertEqual(r.corpus.labels, [0, 3])
        XCTAssertEqual(r.corpus.classNames, ["0", "1", "2", "3"])
    }

    func testNoTrailingNewlineAndBlankLines() throws {
        let r = try parse(header + "\n1,0,1,a,4,1\n\n\n2,0,0,b,5,1")
        XCTAssertEqual(r.corpus.count, 2)
    }

    func testErrorsNameFileLineAndValue() {
        let cases: [(String, String)] = [
            (header + "1,0,1,a,4 10000 2,3\n", "t.csv:2: token id 10000 out of range [0, 10000)"),
            (header + "1,0,1,a,4 x7 2,3\n", "t.csv:2: token 'x7' in as_numbers is not a non-negative integer id"),
            (header + "1,0,1,a,4 -1,2\n", "t.csv:2: token '-1' in as_numbers is not a non-negative integer id"),
            (header + "1,0,1,a,4 5,3\n", "t.csv:2: length 3 does not match the 2 token ids in as_numbers"),
            (header + "1,0,1,a,,0\n", "t.csv:2: empty sequence (no token ids)"),
            (header + "1,2,1,a,4,1\n", "t.csv:2: gender 2 is not 0 or 1"),
            (header + "1,0,3,a,4,1\n", "t.csv:2: age_bracket 3 is not 0, 1 or 2"),
            (header + "1,m,1,a,4,1\n", "t.csv:2: gender 'm' is not an integer"),
            (header + "1,0,1,a,4\n", "t.csv:2: expected 6 fields, found 5"),
            (header + "1,0,1,\"open,4,1\n2,0,1,a,4,1\n", "t.csv:2: unterminated quoted field (opening quote never closed)"),
            (header + "1,0,1,\"a\"b,4,1\n", "t.csv:2: unexpected character 'b' after a closing quote (a quote inside a field must be doubled)"),
            (header + "1,0,1,a,[4 5,2\n", "t.csv:2: as_numbers '[4 5' opens '[' without closing ']'"),
            ("post_id,gender,age_bracket,string,length\n", "t.csv:1: missing column 'as_numbers' (header has: post_id, gender, age_bracket, string, length)"),
            ("gender,as_numbers\n", "t.csv:1: missing column 'age_bracket' (header has: gender, as_numbers)"),
            ("as_numbers\n1\n", "t.csv:1: missing columns 'gender' and 'age_bracket' (or 'label') (header has: as_numbers)"),
            ("", "t.csv:1: no header line"),
        ]
        for (text, message) in cases { assertDataError(text, message) }
        let long = (0 ..< 31).map(String.init).joined(separator: " ")
        assertDataError(header + "1,0,1,a,\(long),31\n", "t.csv:2: sequence of 31 tokens is longer than the maximum length 30" + CSVLoadOptions.lengthHint)
        assertDataError(header + "1,0,1,a,4 5 6,3\n", "t.csv:2: token id 6 out of range [0, 6)",
                        options: CSVLoadOptions(vocabularySize: 6))
    }

    func testTheLineOfALaterBadRow() {
        var text = header
        for i in 0 ..< 1040 { text += "\(i),0,1,w,4 5,2\n" }
        text += "x,0,1,w,4 10000,2\n"
        assertDataError(text, "t.csv:1042: token id 10000 out of range [0, 10000)")
    }

    func testSkipBadRowsCountsAndKeepsTheRest() throws {
        let text = header + "1,0,1,a,4 5,2\n2,0,1,a,4 99999,2\n3,9,1,a,4,1\n4,1,2,a,6 7 8,3\n"
        let r = try parse(text, options: CSVLoadOptions(skipBadRows: true))
        XCTAssertEqual(r.corpus.count, 2)
        XCTAssertEqual(r.skippedRows, 2)
        XCTAssertEqual(r.corpus.tokenIDs, [4, 5, 6, 7, 8])   // nothing of the bad rows left behind
        XCTAssertEqual(r.skippedExamples.map(\.line), [3, 4])
    }

    func testLoadFromFileAndFileErrors() throws {
        let dir = temporaryDirectory()
        writeText(dir + "/ok.csv", header + "1,0,1,a,4 5,2\n")
        XCTAssertEqual(try CorpusCSV.load(path: dir + "/ok.csv", options: CSVLoadOptions()).corpus.count, 1)
        writeText(dir + "/empty.csv", "")
        XCTAssertThrowsError(try CorpusCSV.load(path: dir + "/empty.csv", options: CSVLoadOptions())) {
            XCTAssertEqual("\($0)", "\(dir)/empty.csv: file is empty (expected a header line)")
        }
        XCTAssertThrowsError(try CorpusCSV.load(path: dir + "/none.csv", options: CSVLoadOptions())) {
            XCTAssertEqual("\($0)", "\(dir)/none.csv: cannot open: No such file or directory")
        }
        XCTAssertThrowsError(try CorpusCSV.load(path: dir, options: CSVLoadOptions())) {
            XCTAssertEqual("\($0)", "\(dir): is a directory, not a file")
        }
    }

    func testVocabularyFile() throws {
        let dir = temporaryDirectory()
        writeText(dir + "/v.txt", "\u{FEFF}<UNK>\r\n<#>\r\nthe\r\n")
        let v = try Vocabulary.load(path: dir + "/v.txt")
        XCTAssertEqual(v.tokens, ["<UNK>", "<#>", "the"])
        XCTAssertEqual(v.id(of: "the"), 2)
        XCTAssertNil(v.id(of: "cat"))
        writeText(dir + "/bad.txt", "<UNK>\n\nx\n")
        XCTAssertThrowsError(try Vocabulary.load(path: dir + "/bad.txt")) {
            XCTAssertEqual("\($0)", "\(dir)/bad.txt:2: empty token (every line must hold one token)")
        }
    }
}
