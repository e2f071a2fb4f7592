import XCTest
import Corpus

/// The tokenizer: spaCy-like tokens, clitics, punctuation, numbers, sentences.
final class TokenizerTests: XCTestCase {
    let tokenizer = Tokenizer()

    func assertTokens(_ text: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(tokenizer.tokens(text).joined(separator: " "), expected, "tokens of \(text.debugDescription)",
                       file: file, line: line)
    }

    func testWordsAndPunctuation() {
        assertTokens("Hello, world!", "hello , world !")
        assertTokens("(I said \"no\".)", "( i said \" no \" . )")
        assertTokens("wait... what?!", "wait ... what ? !")
        assertTokens("Well-known e-mail and/or a,b", "well - known e - mail and / or a , b")
        assertTokens("a--b -- c", "a -- b -- c")
        assertTokens("*sigh* at&t f*ck", "* sigh * at&t f*ck")
        assertTokens("\"quoted\"", "\" quoted \"")
        assertTokens("end.", "end .")
        assertTokens("plan b.", "plan b .")
    }

    func testClitics() {
        assertTokens("don't", "do n't")
        assertTokens("Can't won't ain't", "ca n't wo n't ai n't")
        assertTokens("I'm you're we'll they've he'd it's John's", "i 'm you 're we 'll they 've he 'd it 's john 's")
        assertTokens("DON'T!", "do n't !")
        assertTokens("dont cant im cannot gonna", "do nt ca nt i m can not gon na")
        assertTokens("o'clock rock'n'roll", "o'clock rock'n'roll")
        assertTokens("'em 's n't", "'em 's n't")
        assertTokens("the dogs' bones", "the dogs ' bones")
    }

    func testCurlyApostrophesAndQuotesFold() {
        assertTokens("don\u{2019}t \u{201C}hi\u{201D} it\u{2018}s", "do n't \" hi \" it 's")
    }

    func testNumbers() {
        assertTokens("123 3.5 1,000 10:30 -5 1/2 2nd 21st 3rd 4th", "<#> <#> <#> <#> <#> <#> <#> <#> <#> <#>")
        assertTokens("$5 50% 5pm 10kg 3:30am", "$ <#> <#> % <#> pm <#> kg <#> am")
        assertTokens("mp3 80s 2day one first", "mp3 80s 2day one first")
        assertTokens("1990-2000 19-year-old", "<#> - <#> <#> - year - old")
        assertTokens("1,000,000.50 is big.", "<#> is big .")
    }

    func testURLsAndUrlLink() {
        assertTokens("see urlLink my blog", "see urllink my blog")
        assertTokens("at http://example.com/a-b?x=1&y=2.", "at http://example.com/a-b?x=1&y=2 .")
        assertTokens("(www.example.com)", "( www.example.com )")
        assertTokens("google.com", "google.com")
    }

    func testAbbreviationsAndEmoticons() {
        assertTokens("Mr. Smith, e.g. the U.S. etc.", "mr. smith , e.g. the u.s. etc.")
        assertTokens("hi :) :-( ;P <3 ^_^", "hi :) :-( ;p <3 ^_^")
    }

    func testUnicodeLowercasing() {
        assertTokens("NAÏVE Café ÉCOLE Straße", "naïve café école straße")
        assertTokens("Ελληνικά ΚΕΙΜΕΝΟ", "ελληνικά κειμενο")
        assertTokens("caf\u{0065}\u{0301} — ok…", "caf\u{0065}\u{0301} — ok …")
        assertTokens("a\u{00A0}b\u{200B}c", "a bc")
    }

    func testSentences() {
        let s = tokenizer.sentences("\"Stop!\" she said. Mr. Smith left... Then?! OK\n\nNew paragraph\nsame one")
        XCTAssertEqual(s.map { $0.joined(separator: " ") }, [
            "\" stop ! \"", "she said .", "mr. smith left ...", "then ? !", "ok", "new paragraph same one",
        ])
        XCTAssertEqual(tokenizer.sentences("It was 5 p.m. on the 3rd. Nice."), [["it", "was", "<#>", "p.m.", "on", "the", "<#>", "."], ["nice", "."]])
        XCTAssertEqual(tokenizer.sentences(""), [])
        XCTAssertEqual(tokenizer.sentences("  \n\t \r\n "), [])
    }

    func testTokensAreTheSentencesConcatenated() {
        let text = "One. Two three! Four? (five) six... seven"
        XCTAssertEqual(tokenizer.tokens(text), tokenizer.sentences(text).flatMap { $0 })
    }

    func testPathologicalInputsTerminate() {
        let long = String(repeating: "word, ", count: 20_000)
        XCTAssertEqual(tokenizer.tokens(long).count, 40_000)
        XCTAssertEqual(tokenizer.tokens(String(repeating: ")", count: 5000)).count, 5000)
        XCTAssertEqual(tokenizer.tokens(String(repeating: "a.", count: 3000)).count, 1)   // one initialism
        XCTAssertEqual(tokenizer.tokens(String(repeating: ".", count: 3000)), [String(repeating: ".", count: 3000)])
    }
}
