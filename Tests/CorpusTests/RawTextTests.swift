import XCTest
import Corpus

/// Decoding raw corpus bytes (mixed UTF-8 / Windows-1252, entities, CRLF,
/// BOM), finding posts in broken XML, and parsing corpus file names.
final class TolerantDecoderTests: XCTestCase {
    func decode(_ bytes: [UInt8], entities: Bool = true) -> String { TolerantDecoder.decode(bytes, entities: entities) }

    func testUTF8IsKeptAndOtherBytesAreWindows1252() {
        XCTAssertEqual(decode(Array("naïve café “q” €".utf8)), "naïve café “q” €")
        // Latin-1 / Windows-1252 bytes: ï, curly quotes, apostrophe, ellipsis, euro, dashes.
        XCTAssertEqual(decode([0x6E, 0x61, 0xEF, 0x76, 0x65]), "naïve")
        XCTAssertEqual(decode([0x93, 0x68, 0x69, 0x94, 0x20, 0x64, 0x6F, 0x6E, 0x92, 0x74, 0x85, 0x80, 0x96, 0x97]),
                       "\u{201C}hi\u{201D} don\u{2019}t\u{2026}\u{20AC}\u{2013}\u{2014}")
        // Both in one text: UTF-8 é, then a lone 0xE9 byte.
        XCTAssertEqual(decode([0x63, 0x61, 0x66, 0xC3, 0xA9, 0x20, 0x63, 0x61, 0x66, 0xE9]), "café café")
        // Undefined in Windows-1252: a space.
        XCTAssertEqual(decode([0x61, 0x81, 0x62, 0x9D, 0x63]), "a b c")
    }

    func testMalformedUTF8FallsBackBytewise() {
        XCTAssertEqual(decode([0xC0, 0x80]), "À€")                  // overlong NUL
        XCTAssertEqual(decode([0xED, 0xA0, 0x80]), "í\u{A0}€")      // UTF-16 surrogate
        XCTAssertEqual(decode([0x61, 0xE2, 0x82]), "aâ‚")           // truncated at the end
        XCTAssertEqual(decode([0xF4, 0x90, 0x80, 0x80]), "ô €€")       // above U+10FFFF (0x90: undefined, a space)
        XCTAssertEqual(decode([0xF0, 0x9F, 0x98, 0x80]), "😀")
    }

    func testEntities() {
        XCTAssertEqual(decode(Array("&amp; &lt;b&gt; &quot;x&quot; &apos;y&apos; a&nbsp;b".utf8)), "& <b> \"x\" 'y' a\u{A0}b")
        XCTAssertEqual(decode(Array("caf&#233; caf&#xE9; caf&#XE9; &#65;&#x42; &#146;s &hellip;".utf8)), "café café café AB \u{2019}s \u{2026}")
        // Not references: kept literally.
        for text in ["AT&T", "a & b", "&amp", "&unknown;", "&#;", "&#0;", "&#xD800;", "&#12345678;", "&#x110000;", "& amp;"] {
            XCTAssertEqual(decode(Array(text.utf8)), text, text)
        }
        XCTAssertEqual(decode(Array("&amp;amp;".utf8)), "&amp;", "decoded twice")
        XCTAssertEqual(decode(Array("&amp; &#233;".utf8), entities: false), "&amp; &#233;")
    }

    func testLineEndsBOMAndControlCharacters() {
        XCTAssertEqual(decode([0xEF, 0xBB, 0xBF] + Array("a\r\nb\rc\nd".utf8)), "a\nb\nc\nd")
        XCTAssertEqual(decode([0x61, 0x00, 0x62, 0x09, 0x63, 0x1B, 0x7F]), "a b\tc  ")
        XCTAssertEqual(decode([]), "")
    }
}

final class PostExtractorTests: XCTestCase {
    func posts(_ text: String) -> [String] { PostExtractor.postTexts(in: Array(text.utf8)) }

    func testPostsInOrderWithRawAmpersandsAndAngleBrackets() {
        let file = "<Blog>\n<date>1,May,2004</date>\n<post>\n a < b & c &amp; d <i>e</i>\n</post>\n"
            + "<date>2,May,2004</date>\n<post>second</post>\n</Blog>\n"
        XCTAssertEqual(posts(file), ["\n a < b & c & d <i>e</i>\n", "second"])
    }

    func testMissingEndTags() {
        // Truncated file: the last post runs to the end.
        XCTAssertEqual(posts("<Blog><post>one</post><post>two and thr"), ["one", "two and thr"])
        // A missing </post> before the next <date> or <post> or </Blog>.
        XCTAssertEqual(posts("<post>a<date>x</date><post>b<post>c</Blog>"), ["a", "b", "c"])
    }

    func testTagsAnyCaseAttributesEmptyPostsAndLookalikes() {
        XCTAssertEqual(posts("<POST>a</POST><Post id=\"7\">b</Post >"), ["a", "b"])
        XCTAssertEqual(posts("<post></post><post>  \n </post>"), ["", "  \n "])
        XCTAssertEqual(posts("<posts>no</posts> <postal> <post>yes</post>"), ["yes"])
        XCTAssertEqual(posts("no posts here"), [])
        XCTAssertEqual(posts(""), [])
    }
}

final class BlogFileNameTests: XCTestCase {
    func testClassesFromNames() {
        XCTAssertEqual(BlogFileName.parse("1000331.female.37.indUnk.Leo.xml"), .ok(gender: 1, ageBracket: 2))
        XCTAssertEqual(BlogFileName.parse("5114.male.15.Student.Aries.xml"), .ok(gender: 0, ageBracket: 0))
        XCTAssertEqual(BlogFileName.parse("7.Female.24.Arts.Libra.xml"), .ok(gender: 1, ageBracket: 1))
    }

    func testAgeBracketBoundaries() {
        let expected: [Int: Int?] = [12: nil, 13: 0, 17: 0, 18: nil, 22: nil, 23: 1, 27: 1, 28: nil, 32: nil,
                                     33: 2, 47: 2, 48: nil, 100: nil]
        for (age, bracket) in expected {
            let parsed = BlogFileName.parse("1.male.\(age).indUnk.Leo.xml")
            if let bracket {
                XCTAssertEqual(parsed, .ok(gender: 0, ageBracket: bracket), "age \(age)")
            } else {
                XCTAssertEqual(parsed, .skipped(.ageOutsideBrackets), "age \(age)")
            }
        }
    }

    func testBadNames() {
        for name in ["notes.txt", "1.male.15.indUnk.Leo.txt", "1.male.15.indUnk.xml", "1.male.15.indUnk.Leo.extra.xml",
                     "x1.male.15.indUnk.Leo.xml", ".male.15.indUnk.Leo.xml", "1.unknown.15.indUnk.Leo.xml",
                     "1.male.fifteen.indUnk.Leo.xml", "1.male.-15.indUnk.Leo.xml", "1.male.15..Leo.xml", "1.male.15.indUnk.Leo.XML"] {
            XCTAssertEqual(BlogFileName.parse(name), .skipped(.badName), name)
        }
    }
}
