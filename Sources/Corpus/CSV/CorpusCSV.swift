/// What the loader accepts.
public struct CSVLoadOptions: Sendable {
    /// Longest sequence accepted (rows above it are errors).
    public var maxLength: Int
    /// Token ids must lie in `0 ..< vocabularySize`.
    public var vocabularySize: Int
    /// Skip and count malformed rows instead of stopping at the first.
    public var skipBadRows: Bool
    /// Keep each row's `post_id` and `string` text (`Corpus.postIDs`,
    /// `Corpus.texts`) so the corpus can be written again without loss.
    public var keepText: Bool
    /// Rows longer than `maxLength` keep their first (`.post`) or last
    /// (`.pre`) `maxLength` tokens instead of being errors (Keras's `truncating`).
    public var truncate: Truncation?

    /// Which end of a too-long row goes: Keras's `truncating='pre'` drops the
    /// start (keeps the last tokens), `'post'` the end (keeps the first).
    public enum Truncation: String, Sendable { case pre, post }

    public init(maxLength: Int = 30, vocabularySize: Int = 10_000, skipBadRows: Bool = false, keepText: Bool = false,
                truncate: Truncation? = nil) {
        self.maxLength = maxLength
        self.vocabularySize = vocabularySize
        self.skipBadRows = skipBadRows
        self.keepText = keepText
        self.truncate = truncate
    }
}

extension CSVLoadOptions {
    /// What the user can do about a row that is too long.
    public static let lengthHint = " (raise --max-len, pass --truncate post to keep the first --max-len tokens, or --skip-bad-rows to skip such rows)"

    /// Why a row of `count` ids is refused, or nil (every loader's rule).
    public func lengthProblem(_ count: Int) -> String? {
        if count == 0 { return "empty sequence (no token ids)" }
        if count > maxLength && truncate == nil { return "sequence of \(count) tokens is longer than the maximum length \(maxLength)\(CSVLoadOptions.lengthHint)" }
        return nil
    }

    /// Why a generic label is refused, or nil.
    public func labelProblem(_ label: Int, _ name: String = "label") -> String? {
        (0 ... 255).contains(label) ? nil : "\(name) \(label) is not in 0...255"
    }

    /// Why a blog row's gender or age bracket is refused, or nil.
    public func blogProblem(gender: Int, age: Int) -> String? {
        if gender != 0 && gender != 1 { return "gender \(gender) is not 0 or 1" }
        if !(0 ... 2).contains(age) { return "age_bracket \(age) is not 0, 1 or 2" }
        return nil
    }

    /// The message for a token id outside `0 ..< vocabularySize` (as written in the data).
    public func idProblem(_ id: String) -> String { "token id \(id) out of range [0, \(vocabularySize))" }

    /// The part of a row of `count` values that `truncate` keeps (all of it when it fits).
    public func kept(_ count: Int) -> Range<Int> {
        guard count > maxLength, let truncate else { return 0 ..< count }
        return truncate == .post ? 0 ..< maxLength : count - maxLength ..< count
    }
}

/// Rows skipped with `skipBadRows`: how many, and the first few errors.
struct SkippedRows {
    var count = 0
    var examples: [DataError] = []
    mutating func add(_ e: DataError) {
        count += 1
        if examples.count < 5 { examples.append(e) }
    }
}

/// A loaded file.
public struct CSVLoadResult: Sendable {
    public var corpus: Corpus
    /// Rows skipped with `skipBadRows` (0 otherwise).
    public var skippedRows: Int
    /// The first few skipped rows' errors.
    public var skippedExamples: [DataError]
    public var bytesRead: Int
}

/// Loads the tokenized corpus CSV:
///
///     post_id,gender,age_bracket,string,as_numbers,length
///     1000331,1,2,i like it .,"4 127 63 2",4
///
/// Columns are found by name (any order, extra columns ignored). Required:
/// `as_numbers` and either `gender` + `age_bracket` (class = gender*3 + age)
/// or a generic integer `label`; `length`, when present, must equal the id
/// count. Accepts what `pandas.DataFrame.to_csv` writes: a leading unnamed
/// index column, every field quoted, `"[4, 127, 63]"` lists, CRLF, a UTF-8
/// byte-order mark. Any violation is a `DataError` naming the file, the
/// physical line and the value, and nothing is returned (unless
/// `skipBadRows`).
public enum CorpusCSV {
    public static func load(path: String, options: CSVLoadOptions) throws -> CSVLoadResult {
        let file = try MappedFile(path: path)
        guard file.bytes.count > 0 else { throw DataError(file: path, line: 0, "file is empty (expected a header line)") }
        return try file.withBytes { try parse($0, fileName: path, options: options) }
    }

    public static func parse(_ bytes: UnsafeRawBufferPointer, fileName: String, options: CSVLoadOptions) throws -> CSVLoadResult {
        var reader = CSVRecordReader(bytes: bytes, fileName: fileName)
        var fields: [CSVRecordReader.Field] = []
        guard try reader.next(into: &fields) != nil else {
            throw DataError(file: fileName, line: 1, "no header line")
        }
        let columns = try Columns(header: fields.map { reader.string($0) }, fileName: fileName)

        var corpus = Corpus(vocabularySize: options.vocabularySize)
        corpus.tokenIDs.reserveCapacity(bytes.count / 8)
        corpus.offsets.reserveCapacity(bytes.count / 64)
        corpus.labels.reserveCapacity(bytes.count / 64)
        var skipped = SkippedRows()
        var maxLabel = -1
        var stepLabels: [Int32] = []
        while let line = try reader.next(into: &fields) {
            let mark = corpus.tokenIDs.count
            do {
                guard fields.count == columns.count else {
                    throw DataError(file: fileName, line: line, "expected \(columns.count) fields, found \(fields.count)")
                }
                let label = try columns.label(fields, reader, line: line, options)
                let count = try parseIDs(fields[columns.ids], reader, line: line, options: options, into: &corpus.tokenIDs)
                if let problem = options.lengthProblem(count) { throw DataError(file: fileName, line: line, problem) }
                if let lc = columns.length {
                    let stated = try integer(fields[lc], reader, line: line, column: "length")
                    if stated != count {
                        throw DataError(file: fileName, line: line, "length \(stated) does not match the \(count) token ids in as_numbers")
                    }
                }
                let keep = options.kept(count)
                if keep.count < count {
                    corpus.tokenIDs.removeSubrange(mark + keep.upperBound ..< mark + count)
                    corpus.tokenIDs.removeSubrange(mark ..< mark + keep.lowerBound)
                }
                if let lc = columns.stepLabels {
                    stepLabels.removeAll(keepingCapacity: true)
                    let n = try parseIDs(fields[lc], reader, line: line, options: options, column: "labels", into: &stepLabels)
                    if n != count {
                        throw DataError(file: fileName, line: line, "labels holds \(n) labels, as_numbers \(count) token ids (one label per step)")
                    }
                    corpus.closeRow(label: UInt8(label), stepLabels: stepLabels[keep].lazy.map { UInt8($0) })
                    maxLabel = max(maxLabel, Int(stepLabels.max() ?? 0))
                } else {
                    corpus.closeRow(label: UInt8(label), stepLabels: nil as [UInt8]?)
                }
                maxLabel = max(maxLabel, label)
                columns.keepPost(fields, reader, options, into: &corpus)
            } catch let e as DataError {
                guard options.skipBadRows else { throw e }
                corpus.tokenIDs.removeSubrange(mark...)
                skipped.add(e)
            }
        }
        if !columns.blogSchema {
            corpus.classNames = Corpus.numberedClassNames(maxLabel: maxLabel)
        }
        return CSVLoadResult(corpus: corpus, skippedRows: skipped.count, skippedExamples: skipped.examples, bytesRead: bytes.count)
    }

    /// Column positions found in the header.
    struct Columns {
        var count: Int
        var ids: Int
        var length: Int?
        var gender: Int?
        var age: Int?
        var label: Int?
        /// Optional per-step labels (`labels`: one id per token).
        var stepLabels: Int?
        /// `post_id`: rows of one post stay on one side of a split.
        var post: Int?
        /// `string`: the sentence's text (kept only to be written again).
        var string: Int?
        var fileName: String
        var blogSchema: Bool { gender != nil }

        init(header: [String], fileName: String) throws {
            self.fileName = fileName
            count = header.count
            let names = header.map { $0.trimmingSpaces() }
            func find(_ name: String) -> Int? { names.firstIndex(of: name) }
            // At most 12 names: a 10,000-column header must not make a 70 KB message.
            let shown = names.prefix(12).map { $0.isEmpty ? "(unnamed)" : $0 }.joined(separator: ", ")
            let listed = names.count > 12 ? shown + ", ... \(names.count) columns" : shown
            guard let ids = find("as_numbers") else {
                throw DataError(file: fileName, line: 1, "missing column 'as_numbers' (header has: \(listed))" + Columns.delimiterHint(names))
            }
            self.ids = ids
            length = find("length")
            gender = find("gender")
            age = find("age_bracket")
            label = find("label")
            stepLabels = find("labels")
            post = find("post_id")
            string = find("string")
            switch (gender, age) {
            case (.some, .some): break
            case (.some, nil): throw DataError(file: fileName, line: 1, "missing column 'age_bracket' (header has: \(listed))")
            case (nil, .some): throw DataError(file: fileName, line: 1, "missing column 'gender' (header has: \(listed))")
            case (nil, nil):
                if label == nil {
                    throw DataError(file: fileName, line: 1, "missing columns 'gender' and 'age_bracket' (or 'label') (header has: \(listed))")
                }
            }
        }

        /// The row's post key (and, with `keepText`, its `post_id` and `string` text).
        func keepPost(_ f: [CSVRecordReader.Field], _ r: CSVRecordReader, _ options: CSVLoadOptions, into corpus: inout Corpus) {
            if let post {
                let id = CorpusCSV.trimmed(f[post], r)
                corpus.postKeys.append(Corpus.postKey(id))
                if options.keepText { corpus.postIDs.append(id) }
            }
            guard options.keepText, let string else { return }
            let field = f[string]
            let raw = UnsafeRawBufferPointer(rebasing: r.bytes[field.start ..< field.end])
            guard field.escaped else { corpus.texts.append(raw); return }
            var previousQuote = false
            corpus.texts.bytes.reserveCapacity(corpus.texts.bytes.count + raw.count)
            for b in raw {
                // A doubled quote inside a quoted field stands for one.
                if b == 0x22 && previousQuote { previousQuote = false; continue }
                previousQuote = b == 0x22
                corpus.texts.bytes.append(b)
            }
            corpus.texts.offsets.append(corpus.texts.bytes.count)
        }

        /// When a header without commas holds tabs or semicolons: the file was
        /// written with another delimiter (pandas' `sep='\\t'`, a European spreadsheet).
        static func delimiterHint(_ names: [String]) -> String {
            guard names.count == 1, let name = names.first else { return "" }
            for (byte, what) in [(UInt8(0x09), "tab"), (UInt8(0x3B), "semicolon")] where name.utf8.contains(byte) {
                return "; the header is one field holding \(what)s: the file looks \(what)-separated, and rnntrain reads "
                    + "comma-separated files (rewrite it with commas, e.g. pandas' to_csv)"
            }
            return ""
        }

        func label(_ f: [CSVRecordReader.Field], _ r: CSVRecordReader, line: Int, _ options: CSVLoadOptions) throws -> Int {
            if let gender, let age {
                let g = try integer(f[gender], r, line: line, column: "gender")
                if let p = options.blogProblem(gender: g, age: 0) { throw DataError(file: fileName, line: line, p) }
                let a = try integer(f[age], r, line: line, column: "age_bracket")
                if let p = options.blogProblem(gender: g, age: a) { throw DataError(file: fileName, line: line, p) }
                return g * 3 + a
            }
            let l = try integer(f[label!], r, line: line, column: "label")
            if let p = options.labelProblem(l) { throw DataError(file: fileName, line: line, p) }
            return l
        }
    }

    /// A field's bytes without the spaces and tabs around it.
    static func trimmed(_ f: CSVRecordReader.Field, _ r: CSVRecordReader) -> UnsafeRawBufferPointer {
        let b = r.bytes
        var i = f.start, end = f.end
        while i < end && (b[i] == 0x20 || b[i] == 0x09) { i += 1 }
        while end > i && (b[end - 1] == 0x20 || b[end - 1] == 0x09) { end -= 1 }
        return UnsafeRawBufferPointer(rebasing: b[i ..< end])
    }

    /// An integer field ("2", " 2 ", or pandas' float form "2.0").
    static func integer(_ f: CSVRecordReader.Field, _ r: CSVRecordReader, line: Int, column: String) throws -> Int {
        let b = r.bytes
        var i = f.start, end = f.end
        while i < end && (b[i] == 0x20 || b[i] == 0x09) { i += 1 }
        while end > i && (b[end - 1] == 0x20 || b[end - 1] == 0x09) { end -= 1 }
        var negative = false
        if i < end && (b[i] == 0x2D || b[i] == 0x2B) { negative = b[i] == 0x2D; i += 1 }
        var v = 0, digits = 0
        while i < end && b[i] >= 0x30 && b[i] <= 0x39 && digits < 18 {
            v = v * 10 + Int(b[i] - 0x30)
            i += 1
            digits += 1
        }
        // Allow a zero fraction ("1.0"), as pandas writes integer columns with gaps.
        if i < end && b[i] == 0x2E && digits > 0 {
            var j = i + 1
            while j < end && b[j] == 0x30 { j += 1 }
            if j == end && j > i + 1 { i = j }
        }
        guard digits > 0 && i == end else {
            let text = r.string(f)
            throw DataError(file: r.fileName, line: line, "\(column) '\(text)' is not an integer")
        }
        return negative ? -v : v
    }

    /// Parses `4 127 63` or `[4, 127, 63]` into `ids`; returns how many.
    /// `column` "labels" reads per-step labels (below 256) instead of token ids.
    static func parseIDs(_ f: CSVRecordReader.Field, _ r: CSVRecordReader, line: Int,
                         options: CSVLoadOptions, column: String = "as_numbers", into ids: inout [Int32]) throws -> Int {
        let b = r.bytes
        var i = f.start, end = f.end
        while i < end && (b[i] == 0x20 || b[i] == 0x09) { i += 1 }
        while end > i && (b[end - 1] == 0x20 || b[end - 1] == 0x09) { end -= 1 }
        if i < end && b[i] == 0x5B { // [ ... ]
            guard end > i + 1 && b[end - 1] == 0x5D else {
                throw DataError(file: r.fileName, line: line, "\(column) '\(r.string(f))' opens '[' without closing ']'")
            }
            i += 1
            end -= 1
        }
        let labels = column == "labels"
        let vocab = labels ? 256 : options.vocabularySize
        let noun = labels ? "label" : "token"
        var count = 0
        while i < end {
            let c = b[i]
            if c == 0x20 || c == 0x2C || c == 0x09 { i += 1; continue }
            let tokenStart = i
            var v = 0
            var digits = 0
            while i < end && b[i] >= 0x30 && b[i] <= 0x39 {
                if digits < 12 { v = v * 10 + Int(b[i] - 0x30) }
                digits += 1
                i += 1
            }
            if i < end && !(b[i] == 0x20 || b[i] == 0x2C || b[i] == 0x09) || digits == 0 {
                var j = i
                while j < end && !(b[j] == 0x20 || b[j] == 0x2C || b[j] == 0x09) { j += 1 }
                let token = String(decoding: UnsafeRawBufferPointer(rebasing: b[tokenStart ..< j]), as: UTF8.self)
                throw DataError(file: r.fileName, line: line, "\(noun) '\(token)' in \(column) is not a non-negative integer id")
            }
            if digits > 12 || v >= vocab {
                let token = String(decoding: UnsafeRawBufferPointer(rebasing: b[tokenStart ..< i]), as: UTF8.self)
                throw DataError(file: r.fileName, line: line, labels ? "label \(token) in labels is not in 0...255" : options.idProblem(token))
            }
            ids.append(Int32(truncatingIfNeeded: v))
            count += 1
            if count > options.maxLength + 1 && options.truncate == nil {
                // Stop early on absurd rows (a 10-million-id line).
                throw DataError(file: r.fileName, line: line, "sequence of more than \(options.maxLength) \(noun)s is longer than the maximum length \(options.maxLength)\(CSVLoadOptions.lengthHint)")
            }
        }
        return count
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return String(s)
    }
}
