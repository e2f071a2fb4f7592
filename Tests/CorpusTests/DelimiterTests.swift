import XCTest
import Corpus
import Foundation

/// A file written with another delimiter gets an error that says so.
final class DelimiterTests: XCTestCase {
    func testTabAndSemicolonHeadersNameTheDelimiter() {
        let hint = ": the file looks %-separated, and rnntrain reads comma-separated files (rewrite it with commas, e.g. pandas' to_csv)"
        assertDataError("post_id\tlabel\tas_numbers\n1\t0\t4 5\n",
                        "t.csv:1: missing column 'as_numbers' (header has: post_id\tlabel\tas_numbers); the header is one field holding tabs"
                            + hint.replacingOccurrences(of: "%", with: "tab"))
        assertDataError("post_id;label;as_numbers\n1;0;4 5\n",
                        "t.csv:1: missing column 'as_numbers' (header has: post_id;label;as_numbers); the header is one field holding semicolons"
                            + hint.replacingOccurrences(of: "%", with: "semicolon"))
        // A comma-separated header that lacks the column gets no such guess.
        assertDataError("post_id,label,ids\n1,0,4 5\n", "t.csv:1: missing column 'as_numbers' (header has: post_id, label, ids)")
    }
}
