import XCTest
import Foundation
import Corpus
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Parses CSV text as if it were the file `name`.
func parse(_ text: String, name: String = "t.csv", options: CSVLoadOptions = CSVLoadOptions()) throws -> CSVLoadResult {
    let bytes = Array(text.utf8)
    return try bytes.withUnsafeBytes { try CorpusCSV.parse($0, fileName: name, options: options) }
}

/// Asserts that parsing `text` fails with exactly `message` (`file:line: ...`).
func assertDataError(_ text: String, _ message: String, options: CSVLoadOptions = CSVLoadOptions(),
                     file: StaticString = #filePath, line: UInt = #line) {
    do {
        _ = try parse(text, options: options)
        XCTFail("parsed without error; expected \(message)", file: file, line: line)
    } catch let e as DataError {
        XCTAssertEqual(e.description, message, file: file, line: line)
    } catch {
        XCTFail("unexpected error \(error)", file: file, line: line)
    }
}

func temporaryDirectory() -> String {
    var template = Array("/tmp/rnntrain-corpus-XXXXXX".utf8CString)
    let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    return String(cString: p!)
}

func readFile(_ path: String) -> [UInt8]? { FileManager.default.contents(atPath: path).map { Array($0) } }

func writeText(_ path: String, _ text: String) {
    let f = fopen(path, "wb")!
    fputs(text, f)
    fclose(f)
}

let header = "post_id,gender,age_bracket,string,as_numbers,length\n"

/// The repository root, found from this file's location.
let repoRoot: String = {
    var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/")
}()
