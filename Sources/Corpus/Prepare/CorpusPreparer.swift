import TensorCore
import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns a raw corpus (blog XML files or folders of text files) into the
/// tokenized CSV and its vocabulary, in two passes over the files:
///
/// 1. count: every file's posts are decoded (`TolerantDecoder`), normalized
///    and tokenized (`Tokenizer`), and each worker counts tokens in its own
///    `ByteStringTable`; the tables are summed and the vocabulary is
///    `<UNK>`, `<#>`, then the `vocabularySize - 2` most frequent tokens
///    (ties in byte order of the token);
/// 2. write: the files are tokenized again and every sentence of
///    `minLength ... maxLength` tokens becomes a row, in file order, post
///    order, sentence order.
///
/// Memory is bounded by the token counts (one table per worker during pass
/// 1, one distinct-token table after), the vocabulary, and per worker one
/// file and its rows; a worker runs at most `4 * jobs` files ahead of the
/// oldest unwritten one. It does not grow with the corpus.
///
/// Output is the same bytes for any `jobs`: counts are sums, the vocabulary
/// order is a total order, and rows are written in file order.
public enum CorpusPreparer {
    public static func run(input: PrepareInput, options: PrepareOptions, csvPath: String, vocabularyPath: String?,
                           labelsPath: String? = nil,
                           progress: ((PrepareProgress) -> Void)? = nil) throws -> PrepareSummary {
        guard !input.files.isEmpty else {
            let what = input.kind == .blogCorpus ? "corpus files (ID.gender.age.industry.sign.xml)" : ".txt files in class folders"
            throw DataError(file: input.folder, line: 0, "no \(what) to read")
        }
        let jobs = max(1, options.jobs)
        var summary = PrepareSummary()
        summary.jobs = jobs
        summary.skipped = input.skipped
        summary.skippedExamples = input.skippedExamples
        summary.classNames = input.classNames
        let clock = ContinuousClock()

        // Pass 1: count tokens.
        var start = clock.now
        let counted = countPass(input, jobs: jobs, clock: clock, progress: progress)
        summary.countSeconds = (clock.now - start).inSeconds
        for (k, file) in input.files.enumerated() where counted.unreadable[k] {
            summary.skipped[.unreadable, default: 0] += 1
            if summary.skippedExamples.count < 5 { summary.skippedExamples.append(file.path) }
        }
        summary.bytesRead = counted.bytes
        summary.distinctTokens = counted.table.count
        let vocabulary = options.vocabulary.map(givenVocabulary) ?? selectVocabulary(counted.table, size: options.vocabularySize)
        summary.vocabularySize = vocabulary.tokens.count

        // Pass 2: write the rows.
        start = clock.now
        let writer = try AtomicFileWriter(path: csvPath)
        let header = input.kind == .blogCorpus ? "post_id,gender,age_bracket,string,as_numbers,length\n"
                                               : "post_id,label,string,as_numbers,length\n"
        try writer.write(Array(header.utf8))
        var firstPost = [Int](repeating: 0, count: input.files.count)
        var total = 0
        for k in 0 ..< input.files.count {
            firstPost[k] = total
            total += counted.posts[k]
        }
        let stats = try writePass(input, options: options, jobs: jobs, vocabulary: vocabulary.table,
                                  firstPost: firstPost, skip: counted.unreadable, writer: writer,
                                  clock: clock, progress: progress)
        summary.writeSeconds = (clock.now - start).inSeconds
        summary.filesRead = stats.filesRead
        summary.posts = stats.posts
        summary.emptyPosts = stats.emptyPosts
        summary.sentences = stats.sentences
        summary.sentencesKept = stats.kept
        summary.sentencesTooShort = stats.tooShort
        summary.sentencesTooLong = stats.tooLong
        summary.tokensKept = stats.tokens
        summary.unknownTokens = stats.unknown
        summary.numberTokens = stats.numbers
        summary.classRows = stats.classRows
        summary.classFiles = stats.classFiles
        if stats.unreadable > 0 { summary.skipped[.unreadable, default: 0] += stats.unreadable }

        guard summary.sentencesKept > 0 else {
            writer.discard()
            throw DataError(file: input.folder, line: 0,
                            "no sentences of \(options.minLength) to \(options.maxLength) tokens in \(summary.filesRead) files read; nothing written")
        }
        summary.csvBytes = writer.bytesWritten
        // The vocabulary (and labels) first, then the CSV appears: a CSV is never there without its vocabulary.
        if let vocabularyPath { try AtomicFile.write(Array((vocabulary.tokens.joined(separator: "\n") + "\n").utf8), to: vocabularyPath) }
        if let labelsPath { try AtomicFile.write(Array((input.classNames.joined(separator: "\n") + "\n").utf8), to: labelsPath) }
        try writer.commit()
        return summary
    }

    // MARK: Shared work

    /// Scratch buffers of one worker, reused across files and posts.
    final class Worker {
        var file: [UInt8] = []
        var normalized = ByteBuffer(capacity: 1 << 16)
        var tokens = TokenizedText()

        deinit { normalized.deallocate() }

        /// Reads file `path` and calls `body` with the tokens of each post
        /// (over the post's normalized text). Returns the file's size, or nil
        /// when it cannot be read.
        func forEachPost(_ path: String, _ kind: PrepareInput.Kind,
                         _ body: (UnsafeBufferPointer<UInt8>, TokenizedText) -> Void) -> Int? {
            guard let size = try? readWholeFile(path, into: &file) else { return nil }
            file.withUnsafeBytes { all in
                let raw = UnsafeRawBufferPointer(rebasing: all[0 ..< size])
                switch kind {
                case .blogCorpus:
                    for r in PostExtractor.posts(in: raw) { post(UnsafeRawBufferPointer(rebasing: raw[r]), entities: true, body) }
                case .textFolders:
                    post(raw, entities: false, body)
                }
            }
            return size
        }

        private func post(_ raw: UnsafeRawBufferPointer, entities: Bool, _ body: (UnsafeBufferPointer<UInt8>, TokenizedText) -> Void) {
            normalized.removeAll()
            TolerantDecoder.decode(raw, entities: entities, normalize: true, into: &normalized)
            let text = normalized.buffer
            Tokenizer.scan(text, into: &tokens)
            body(text, tokens)
        }
    }

    /// Progress counters shared by the workers of a pass.
    final class Tally: @unchecked Sendable {
        let monitor = Monitor()
        var nextFile = 0
        var filesDone = 0
        var bytes = 0
        var posts = 0
        var sentences = 0
        var lastReport: ContinuousClock.Instant
        let start: ContinuousClock.Instant
        let clock: ContinuousClock
        let pass: Int
        let files: Int
        let progress: ((PrepareProgress) -> Void)?

        init(pass: Int, files: Int, clock: ContinuousClock, progress: ((PrepareProgress) -> Void)?) {
            self.pass = pass
            self.files = files
            self.clock = clock
            self.progress = progress
            start = clock.now
            lastReport = start
        }

        func take() -> Int? {
            monitor.locked {
                guard nextFile < files else { return nil }
                defer { nextFile += 1 }
                return nextFile
            }
        }

        func done(bytes b: Int, posts p: Int, sentences s: Int) {
            monitor.locked {
                filesDone += 1
                bytes += b
                posts += p
                sentences += s
                guard let progress else { return }
                let now = clock.now
                if filesDone == files || now - lastReport >= .milliseconds(100) {
                    lastReport = now
                    progress(PrepareProgress(pass: pass, filesDone: filesDone, files: files, bytesDone: bytes, posts: posts,
                                             sentences: sentences, seconds: (now - start).inSeconds))
                }
            }
        }
    }

    // MARK: Pass 1

    struct Counted {
        var table: ByteStringTable
        var numbers: Int
        var posts: [Int]
        var unreadable: [Bool]
        var bytes: Int
    }

    /// Per-file results written by workers into distinct slots. The slots are
    /// one fixed allocation, so concurrent writes to different indices touch
    /// different memory only (writing through a shared Swift array would be
    /// a race on the array itself, which ThreadSanitizer reports).
    final class Slots<T>: @unchecked Sendable {
        private let storage: UnsafeMutableBufferPointer<T>
        init(_ value: T, count: Int) {
            storage = .allocate(capacity: count)
            storage.initialize(repeating: value)
        }
        deinit {
            storage.baseAddress?.deinitialize(count: storage.count)
            storage.deallocate()
        }
        subscript(i: Int) -> T {
            get { storage[i] }
            set { storage[i] = newValue }
        }
        var values: [T] { Array(storage) }
    }

    static func countPass(_ input: PrepareInput, jobs: Int, clock: ContinuousClock,
                          progress: ((PrepareProgress) -> Void)?) -> Counted {
        let n = input.files.count
        let tally = Tally(pass: 1, files: n, clock: clock, progress: progress)
        let tables = (0 ..< jobs).map { _ in ByteStringTable(capacity: 1 << 16) }
        let numbers = Slots(0, count: jobs)
        let posts = Slots(0, count: n)
        let unreadable = Slots(false, count: n)
        let kind = input.kind
        DispatchQueue.concurrentPerform(iterations: jobs) { w in
            let worker = Worker()
            let table = tables[w]
            var numberCount = 0
            while let k = tally.take() {
                var postCount = 0, sentenceCount = 0
                let size = worker.forEachPost(input.files[k].path, kind) { b, t in
                    postCount += 1
                    sentenceCount += t.sentenceEnds.count
                    guard let base = b.baseAddress else { return }
                    for token in t.tokens {
                        if token.isNumber { numberCount += 1; continue }
                        table.add(base + token.start, token.end - token.start)
                    }
                }
                if size == nil { unreadable[k] = true }
                posts[k] = postCount
                tally.done(bytes: size ?? 0, posts: postCount, sentences: sentenceCount)
            }
            numbers[w] = numberCount
        }
        for t in tables.dropFirst() { tables[0].merge(t) }
        return Counted(table: tables[0], numbers: numbers.values.reduce(0, +), posts: posts.values,
                       unreadable: unreadable.values, bytes: tally.bytes)
    }

    /// `<UNK>`, `<#>`, then the `size - 2` most frequent tokens, by count
    /// (descending) then bytes (ascending). The table maps token -> id.
    /// An existing vocabulary's table: token -> its line (the first line of a repeated token).
    static func givenVocabulary(_ tokens: [String]) -> (tokens: [String], table: ByteStringTable) {
        let table = ByteStringTable(capacity: tokens.count + 16)
        for (id, token) in tokens.enumerated() { _ = table.findOrInsert(token, initial: id) }
        return (tokens, table)
    }

    static func selectVocabulary(_ counts: ByteStringTable, size: Int) -> (tokens: [String], table: ByteStringTable) {
        var order = Array(0 ..< counts.count)
        order.sort { x, y in
            let cx = counts.value(x), cy = counts.value(y)
            if cx != cy { return cx > cy }
            let kx = counts.key(x), ky = counts.key(y)
            let c = memcmp(kx.baseAddress!, ky.baseAddress!, min(kx.count, ky.count))
            return c != 0 ? c < 0 : kx.count < ky.count
        }
        let keep = min(max(size - 2, 0), order.count)
        var tokens = ["<UNK>", "<#>"]
        tokens.reserveCapacity(keep + 2)
        let table = ByteStringTable(capacity: keep + 16)
        for (rank, e) in order.prefix(keep).enumerated() {
            let key = counts.key(e)
            _ = table.findOrInsert(key.baseAddress!.assumingMemoryBound(to: UInt8.self), key.count, initial: rank + 2)
            tokens.append(String(decoding: key, as: UTF8.self))
        }
        return (tokens, table)
    }

    // MARK: Pass 2

    struct WriteStats {
        var filesRead = 0, unreadable = 0, posts = 0, emptyPosts = 0, sentences = 0
        var kept = 0, tooShort = 0, tooLong = 0, tokens = 0, unknown = 0, numbers = 0
        var classRows: [Int]
        var classFiles: [Int]

        init(classes: Int) {
            classRows = [Int](repeating: 0, count: classes)
            classFiles = [Int](repeating: 0, count: classes)
        }

        mutating func add(_ o: WriteStats) {
            filesRead += o.filesRead; unreadable += o.unreadable; posts += o.posts; emptyPosts += o.emptyPosts
            sentences += o.sentences; kept += o.kept; tooShort += o.tooShort; tooLong += o.tooLong
            tokens += o.tokens; unknown += o.unknown; numbers += o.numbers
            for c in 0 ..< classRows.count { classRows[c] += o.classRows[c]; classFiles[c] += o.classFiles[c] }
        }
    }

    static func writePass(_ input: PrepareInput, options: PrepareOptions, jobs: Int, vocabulary: ByteStringTable,
                          firstPost: [Int], skip: [Bool], writer: AtomicFileWriter, clock: ContinuousClock,
                          progress: ((PrepareProgress) -> Void)?) throws -> WriteStats {
        let n = input.files.count
        let classes = input.classNames.count
        let tally = Tally(pass: 2, files: n, clock: clock, progress: progress)
        let output = OrderedOutput(writer: writer, window: 4 * jobs)
        let perWorker = Slots(WriteStats(classes: classes), count: jobs)
        let kind = input.kind
        DispatchQueue.concurrentPerform(iterations: jobs) { w in
            let worker = Worker()
            var stats = WriteStats(classes: classes)
            var rows = ByteBuffer(capacity: 1 << 16)
            defer { rows.deallocate() }
            // Ids of the sentence being written (kept sentences have at most maxLength tokens).
            let ids = UnsafeMutableBufferPointer<Int32>.allocate(capacity: options.maxLength)
            defer { ids.deallocate() }
            while let k = tally.take() {
                output.waitForTurn(k)
                rows.removeAll()
                if output.failed || skip[k] {
                    output.submit(k, [])
                    tally.done(bytes: 0, posts: 0, sentences: 0)
                    continue
                }
                let file = input.files[k]
                var postID = firstPost[k]
                var postCount = 0, sentenceCount = 0
                let size = worker.forEachPost(file.path, kind) { b, t in
                    postCount += 1
                    sentenceCount += t.sentenceEnds.count
                    if t.tokens.isEmpty { stats.emptyPosts += 1 }
                    var start = 0
                    for end in t.sentenceEnds {
                        defer { start = end }
                        let length = end - start
                        if length < options.minLength { stats.tooShort += 1; continue }
                        if length > options.maxLength { stats.tooLong += 1; continue }
                        let base = b.baseAddress!
                        for (k, token) in t.tokens[start ..< end].enumerated() {
                            if token.isNumber { ids[k] = 1; stats.numbers += 1; continue }
                            if let e = vocabulary.find(base + token.start, token.end - token.start) {
                                ids[k] = Int32(vocabulary.value(e))
                            } else {
                                ids[k] = 0
                                stats.unknown += 1
                            }
                        }
                        appendRow(&rows, postID: postID, label: file.label, kind: kind, text: b,
                                  tokens: t.tokens[start ..< end], ids: UnsafeBufferPointer(rebasing: ids[0 ..< length]))
                        stats.kept += 1
                        stats.tokens += length
                        stats.classRows[file.label] += 1
                    }
                    postID += 1
                }
                if size == nil {
                    stats.unreadable += 1      // readable in pass 1, gone now
                } else {
                    stats.filesRead += 1
                    stats.classFiles[file.label] += 1
                    stats.posts += postCount
                    stats.sentences += sentenceCount
                }
                output.submit(k, rows.array)
                tally.done(bytes: size ?? 0, posts: postCount, sentences: sentenceCount)
            }
            perWorker[w] = stats
        }
        if let error = output.error { throw error }
        var total = WriteStats(classes: classes)
        for s in perWorker.values { total.add(s) }
        return total
    }

    /// One CSV row: `post_id,gender,age_bracket,"string",as_numbers,length`
    /// (or `post_id,label,...`). `string` is always quoted, with `"` doubled.
    static func appendRow(_ out: inout ByteBuffer, postID: Int, label: Int, kind: PrepareInput.Kind,
                          text: UnsafeBufferPointer<UInt8>, tokens: ArraySlice<TokenSpan>, ids: UnsafeBufferPointer<Int32>) {
        out.appendInt(postID)
        out.append(0x2C)
        switch kind {
        case .blogCorpus:
            out.reserve(4)
            out.appendReserved(UInt8(0x30 + label / 3)); out.appendReserved(0x2C)
            out.appendReserved(UInt8(0x30 + label % 3)); out.appendReserved(0x2C)
        case .textFolders:
            out.appendInt(label); out.append(0x2C)
        }
        out.append(0x22)
        let p = text.baseAddress!
        for (k, (token, id)) in zip(tokens, ids).enumerated() {
            if k > 0 { out.append(0x20) }
            if token.isNumber {
                out.append("<#>")
            } else if id == 0 {
                out.append("<UNK>")
            } else {
                out.reserve(2 * (token.end - token.start))
                for i in token.start ..< token.end {
                    let c = p[i]
                    out.appendReserved(c)
                    if c == 0x22 { out.appendReserved(0x22) }
                }
            }
        }
        out.append(0x22)
        out.append(0x2C)
        for (k, id) in ids.enumerated() {
            if k > 0 { out.append(0x20) }
            out.appendInt(Int(id))
        }
        out.append(0x2C)
        out.appendInt(ids.count)
        out.append(0x0A)
    }
}
