import XCTest
import Corpus
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Corpus preparation end to end on small folders: exact rows and
/// vocabulary, skipped files, length filtering, determinism across worker
/// counts, text folders, atomic outputs.
final class PrepareTests: XCTestCase {
    func text(_ path: String) -> String { String(decoding: readFile(path) ?? [], as: UTF8.self) }

    func prepareFixture(vocabularySize: Int = 10_000, jobs: Int = 2) throws -> (PrepareSummary, csv: String, vocab: String) {
        let dir = temporaryDirectory()
        try XCTUnwrap(mkdir(dir + "/corpus", 0o755) == 0 ? true : nil)
        RawCorpusFixture.write(to: dir + "/corpus")
        let input = try PrepareInput.blogCorpus(folder: dir + "/corpus")
        let summary = try CorpusPreparer.run(input: input, options: PrepareOptions(vocabularySize: vocabularySize, jobs: jobs),
                                             csvPath: dir + "/data.csv", vocabularyPath: dir + "/vocab.txt")
        return (summary, text(dir + "/data.csv"), text(dir + "/vocab.txt"))
    }

    /// Every defect of the fixture files, and the rows they must give. Ids:
    /// by count over the whole corpus (dropped sentences included), ties in
    /// byte order: `"` and `.` 6 times, `café` and `naïve` 3, then
    /// `! & 's i is it my n't` twice, then the rest once.
    func testExactRowsFromDefectiveFiles() throws {
        let (summary, csv, vocab) = try prepareFixture()
        XCTAssertEqual(csv, """
            post_id,gender,age_bracket,string,as_numbers,length
            0,1,2,"i do n't think naïve people & "" smart "" ones agree .",9 24 13 40 5 32 7 2 35 2 30 17 3,13
            0,1,2,"it 's <#> times better than <#> cats & < dogs > !",11 8 1 41 20 37 1 23 7 15 25 16 6,13
            3,1,2,"urllink my blog is café and café now .",44 12 21 10 4 18 4 28 3,9
            4,0,0,"hello there , my friend !",27 39 14 12 26 6,6
            4,0,0,"i ca n't believe it 's naïve "" quoted "" text .",9 22 13 19 11 8 5 2 33 2 36 3,12
            7,1,1,"the café naïve "" ok "" is open today .",38 4 5 2 29 2 10 31 42 3,10

            """)
        let lines = vocab.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.count, 77)       // 76 tokens and the final newline
        XCTAssertEqual(Array(lines.prefix(18)), ["<UNK>", "<#>", "\"", ".", "café", "naïve", "!", "&", "'s", "i", "is", "it",
                                                 "my", "n't", ",", "<", ">", "agree"])
        XCTAssertEqual(Array(lines[44 ... 48]), ["urllink", "w1", "w10", "w11", "w12"])
        XCTAssertEqual(lines.last, "")

        XCTAssertEqual(summary.filesRead, 3)
        XCTAssertEqual(summary.skipped, [.badName: 3, .ageOutsideBrackets: 2, .folder: 1])
        XCTAssertEqual(summary.posts, 8)
        XCTAssertEqual(summary.emptyPosts, 2)
        XCTAssertEqual(summary.sentences, 8)
        XCTAssertEqual(summary.sentencesKept, 6)
        XCTAssertEqual(summary.sentencesTooShort, 1)
        XCTAssertEqual(summary.sentencesTooLong, 1)
        XCTAssertEqual(summary.tokensKept, 63)
        XCTAssertEqual(summary.numberTokens, 2)
        XCTAssertEqual(summary.unknownTokens, 0)
        XCTAssertEqual(summary.distinctTokens, 74)
        XCTAssertEqual(summary.vocabularySize, 76)
        XCTAssertEqual(summary.classRows, [2, 0, 0, 0, 1, 3])
        XCTAssertEqual(summary.bytesRead, RawCorpusFixture.windows1252CRLF.count + RawCorpusFixture.utf8BOM.count
                       + RawCorpusFixture.mixed.count)
    }

    func testSmallVocabularyShowsUnknownWords() throws {
        let (summary, csv, vocab) = try prepareFixture(vocabularySize: 8)
        XCTAssertEqual(vocab, "<UNK>\n<#>\n\"\n.\ncafé\nnaïve\n!\n&\n")
        let rows = csv.split(separator: "\n").dropFirst()
        XCTAssertEqual(rows.first, "0,1,2,\"<UNK> <UNK> <UNK> <UNK> naïve <UNK> & \"\" <UNK> \"\" <UNK> <UNK> .\",0 0 0 0 5 0 7 2 0 2 0 0 3,13")
        XCTAssertEqual(rows.last, "7,1,1,\"<UNK> café naïve \"\" <UNK> \"\" <UNK> <UNK> <UNK> .\",0 4 5 2 0 2 0 0 0 3,10")
        // Unknown per row: 8, 9, 6, 5, 8, 5.
        XCTAssertEqual(summary.unknownTokens, 41)
        XCTAssertEqual(summary.unknownShare, 41.0 / 63.0, accuracy: 1e-12)
    }

    func testOutputLoadsWithTheCSVLoaderAndMatchesTheVocabulary() throws {
        let dir = temporaryDirectory()
        mkdir(dir + "/corpus", 0o755)
        GeneratedCorpus.write(to: dir + "/corpus", files: 12)
        let input = try PrepareInput.blogCorpus(folder: dir + "/corpus")
        let summary = try CorpusPreparer.run(input: input, options: PrepareOptions(vocabularySize: 100, jobs: 2),
                                             csvPath: dir + "/data.csv", vocabularyPath: dir + "/vocab.txt")
        let loaded = try CorpusCSV.load(path: dir + "/data.csv", options: CSVLoadOptions(maxLength: 30, vocabularySize: 100))
        let vocabulary = try Vocabulary.load(path: dir + "/vocab.txt")
        XCTAssertEqual(vocabulary.count, 100)
        XCTAssertEqual(Array(vocabulary.tokens.prefix(2)), ["<UNK>", "<#>"])
        XCTAssertEqual(loaded.corpus.count, summary.sentencesKept)
        XCTAssertEqual(loaded.corpus.totalTokens, summary.tokensKept)
        XCTAssertEqual(loaded.corpus.tokenIDs.filter { $0 == 0 }.count, summary.unknownTokens)
        XCTAssertEqual(loaded.corpus.classCounts(), summary.classRows)
        XCTAssertGreaterThan(summary.unknownTokens, 0)
        let lengths = (0 ..< loaded.corpus.count).map(loaded.corpus.length)
        XCTAssertEqual(lengths.min(), 5)
        XCTAssertEqual(lengths.max(), 30)
        // The very long single-line post (file 3, 3000 sentences on one line) gave rows of its own.
        XCTAssertGreaterThan(summary.sentencesKept, 1000)
        XCTAssertGreaterThan(summary.sentencesTooShort, 0)
        XCTAssertGreaterThan(summary.sentencesTooLong, 0)
    }

    func testSameBytesForAnyNumberOfJobs() throws {
        let dir = temporaryDirectory()
        mkdir(dir + "/corpus", 0o755)
        GeneratedCorpus.write(to: dir + "/corpus", files: 40)
        let input = try PrepareInput.blogCorpus(folder: dir + "/corpus")
        var outputs: [[UInt8]] = []
        for jobs in [1, 2, 3] {
            let csv = dir + "/data-\(jobs).csv", vocab = dir + "/vocab-\(jobs).txt"
            let s = try CorpusPreparer.run(input: input, options: PrepareOptions(vocabularySize: 200, jobs: jobs),
                                           csvPath: csv, vocabularyPath: vocab)
            XCTAssertEqual(s.jobs, jobs)
            outputs.append(try XCTUnwrap(readFile(csv)) + [0xFF] + XCTUnwrap(readFile(vocab)))
        }
        XCTAssertGreaterThan(outputs[0].count, 100_000)
        for k in 1 ... 2 where outputs[k] != outputs[0] {
            let at = zip(outputs[0], outputs[k]).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(outputs[0].count, outputs[k].count)
            XCTFail("--jobs 1 and --jobs \(k + 1) differ from byte \(at) on (sizes \(outputs[0].count), \(outputs[k].count))")
        }
    }

    func testLengthLimitsAreInclusive() throws {
        let dir = temporaryDirectory()
        mkdir(dir + "/c", 0o755)
        // Sentences of 4, 5, 7 and 8 tokens (the period counts).
        RawCorpusFixture.put(dir + "/c/1.male.15.a.b.xml", Array("<post>a b c. a b c d. a b c d e f. a b c d e f g.</post>".utf8))
        let input = try PrepareInput.blogCorpus(folder: dir + "/c")
        let s = try CorpusPreparer.run(input: input, options: PrepareOptions(minLength: 5, maxLength: 7),
                                       csvPath: dir + "/d.csv", vocabularyPath: dir + "/v.txt")
        XCTAssertEqual([s.sentencesKept, s.sentencesTooShort, s.sentencesTooLong], [2, 1, 1])
        XCTAssertEqual(text(dir + "/d.csv").split(separator: "\n").map { $0.split(separator: ",").last! }, ["length", "5", "7"])
    }

    func testTextFolders() throws {
        let dir = temporaryDirectory()
        for d in ["/t", "/t/pos", "/t/neg", "/t/zero"] { mkdir(dir + d, 0o755) }
        writeText(dir + "/t/pos/a.txt", "I loved it, truly loved it.\nBest film of the year!")
        RawCorpusFixture.put(dir + "/t/neg/b.TXT", Array("It was awful & boring, a na".utf8) + [0xEF] + Array("ve plot.".utf8))
        writeText(dir + "/t/neg/notes.md", "not a text file")
        writeText(dir + "/t/README", "beside the class folders")
        mkdir(dir + "/t/pos/more.txt", 0o755)
        let input = try PrepareInput.textFolders(folder: dir + "/t")
        XCTAssertEqual(input.classNames, ["neg", "pos", "zero"])
        XCTAssertEqual(input.skipped, [.notText: 1, .outsideClassFolder: 1, .folder: 1])
        let s = try CorpusPreparer.run(input: input, options: PrepareOptions(jobs: 2), csvPath: dir + "/d.csv",
                                       vocabularyPath: dir + "/v.txt", labelsPath: dir + "/labels.txt")
        XCTAssertEqual(s.classFiles, [1, 1, 0])
        XCTAssertEqual(s.classRows, [1, 2, 0])
        let rows = text(dir + "/d.csv").split(separator: "\n")
        XCTAssertEqual(rows.first, "post_id,label,string,as_numbers,length")
        XCTAssertTrue(rows[1].hasPrefix("0,0,\"it was awful & boring , a naïve plot .\","), String(rows[1]))
        XCTAssertTrue(rows[2].hasPrefix("1,1,\"i loved it , truly loved it .\","), String(rows[2]))
        XCTAssertTrue(rows[3].hasPrefix("1,1,\"best film of the year !\","), String(rows[3]))
        XCTAssertEqual(text(dir + "/labels.txt"), "neg\npos\nzero\n")
        let loaded = try CorpusCSV.load(path: dir + "/d.csv", options: CSVLoadOptions())
        XCTAssertEqual(loaded.corpus.labels, [0, 1, 1])
    }

    func testNothingToKeepWritesNothingAndLeavesOldFilesAlone() throws {
        let dir = temporaryDirectory()
        mkdir(dir + "/c", 0o755)
        RawCorpusFixture.put(dir + "/c/1.male.15.a.b.xml", Array("<post>Too short.</post>".utf8))
        writeText(dir + "/d.csv", "old")
        let input = try PrepareInput.blogCorpus(folder: dir + "/c")
        XCTAssertThrowsError(try CorpusPreparer.run(input: input, options: PrepareOptions(), csvPath: dir + "/d.csv",
                                                    vocabularyPath: dir + "/v.txt")) { error in
            XCTAssertTrue("\(error)".contains("no sentences of 5 to 30 tokens"), "\(error)")
        }
        XCTAssertEqual(text(dir + "/d.csv"), "old")
        XCTAssertNil(readFile(dir + "/v.txt"))
        XCTAssertEqual(folderListing(dir).sorted(), ["c", "d.csv"], "a temporary file was left behind")
    }

    func testEmptyFolderIsAnError() throws {
        let dir = temporaryDirectory()
        let input = try PrepareInput.blogCorpus(folder: dir)
        XCTAssertThrowsError(try CorpusPreparer.run(input: input, options: PrepareOptions(), csvPath: dir + "/d.csv",
                                                    vocabularyPath: dir + "/v.txt")) { error in
            XCTAssertEqual("\(error)", "\(dir): no corpus files (ID.gender.age.industry.sign.xml) to read")
        }
        XCTAssertThrowsError(try PrepareInput.blogCorpus(folder: dir + "/missing"))
        XCTAssertThrowsError(try PrepareInput.textFolders(folder: dir)) { error in
            XCTAssertTrue("\(error)".contains("no class folders"), "\(error)")
        }
    }
}

final class AtomicFileWriterTests: XCTestCase {
    func testCommitReplacesAndDiscardLeavesTheOldFile() throws {
        let dir = temporaryDirectory()
        let path = dir + "/out.csv"
        writeText(path, "old")
        let w = try AtomicFileWriter(path: path)
        try w.write(Array("new ".utf8))
        try w.write([UInt8](repeating: 0x78, count: 3 << 20))     // larger than the buffer
        XCTAssertEqual(readFile(path), Array("old".utf8), "target changed before commit")
        try w.commit()
        XCTAssertEqual(readFile(path)?.count, 4 + (3 << 20))
        XCTAssertEqual(w.bytesWritten, 4 + (3 << 20))

        let d = try AtomicFileWriter(path: path)
        try d.write(Array("partial".utf8))
        d.discard()
        XCTAssertEqual(readFile(path)?.count, 4 + (3 << 20))
        XCTAssertEqual(folderListing(dir), ["out.csv"])
        XCTAssertThrowsError(try AtomicFileWriter(path: dir + "/missing/x.csv"))
    }
}
