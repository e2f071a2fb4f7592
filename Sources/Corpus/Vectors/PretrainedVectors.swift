#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Pretrained word vectors in the text formats of word2vec, GloVe and
/// fastText (`.vec`), matched to a vocabulary and written into an embedding
/// table `[V x E]`:
///
///     [count dim]                 optional header (word2vec, fastText .vec)
///     word v1 v2 ... vE           one vector per line
///
/// - Fields are separated by ASCII whitespace (space, tab, CR, VT, FF), the
///   bytes fastText's reader splits at: U+00A0 and other Unicode spaces stay
///   inside a word. A line with more than E + 1 fields holds a word with
///   spaces in it (GloVe's 840B file has ". . ."): the word is everything
///   before the last E numbers.
/// - A word may appear twice: the first vector counts (gensim's rule); later
///   ones of vocabulary words are counted as duplicates.
/// - Case: a vocabulary word takes the vector of the same word; failing
///   that, the first vector whose word lowercased equals it ("Paris" for
///   "paris" in a lowercased vocabulary).
/// - A UTF-8 byte-order mark and CRLF line ends are accepted. Anything else
///   malformed (too few fields, a field that is not a finite number, a
///   dimension other than E, a header count the file does not hold) is an
///   error naming the file and line.
///
/// The file is read in chunks (`load`) or fed by the caller (`consume`):
/// only the current line is kept, so a vector file of gigabytes streams
/// through a buffer of one megabyte; matched rows are written straight into
/// the table.
public final class PretrainedVectors {
    /// What a file gave.
    public struct Summary: Sendable, Equatable {
        public var vectors = 0
        public var dim = 0
        public var exact = 0
        public var byCase = 0
        /// Repeated vectors of vocabulary words (ignored).
        public var duplicates = 0
        public var hasHeader = false
        public var matched: Int { exact + byCase }

        public init(vectors: Int = 0, dim: Int = 0, exact: Int = 0, byCase: Int = 0, duplicates: Int = 0, hasHeader: Bool = false) {
            (self.vectors, self.dim, self.exact, self.byCase, self.duplicates, self.hasHeader) = (vectors, dim, exact, byCase, duplicates, hasHeader)
        }
    }

    public let fileName: String
    public let dim: Int
    private let vocabulary: Vocabulary
    private let table: UnsafeMutablePointer<Float>
    /// Per vocabulary id: 0 none yet, 1 set from its own word, 2 set from a case-folded word.
    private var source: [UInt8]
    private var summary = Summary()
    private var line = 0
    private var announced: Int?
    private var carry: [UInt8] = []
    /// The vector being parsed [dim], and one number field as a C string.
    private let values: UnsafeMutablePointer<Float>
    private let field: UnsafeMutablePointer<CChar>
    private static let fieldCapacity = 80

    /// Writes matched rows of `table` (`[vocabulary.count x dim]`); other
    /// rows are left as they are.
    public init(fileName: String, dim: Int, vocabulary: Vocabulary, table: UnsafeMutablePointer<Float>) {
        self.fileName = fileName
        self.dim = dim
        self.vocabulary = vocabulary
        self.table = table
        source = [UInt8](repeating: 0, count: vocabulary.count)
        values = .allocate(capacity: dim)
        values.initialize(repeating: 0, count: dim)
        field = .allocate(capacity: PretrainedVectors.fieldCapacity)
        field.initialize(repeating: 0, count: PretrainedVectors.fieldCapacity)
    }

    deinit {
        values.deallocate()
        field.deallocate()
    }

    /// Reads `path` in chunks of `chunkSize` bytes.
    public static func load(path: String, dim: Int, vocabulary: Vocabulary, table: UnsafeMutablePointer<Float>,
                            chunkSize: Int = 1 << 20) throws -> Summary {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DataError(file: path, line: 0, "cannot open (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        let parser = PretrainedVectors(fileName: path, dim: dim, vocabulary: vocabulary, table: table)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = read(fd, buffer.baseAddress!, chunkSize)
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw DataError(file: path, line: 0, "read failed (\(String(cString: strerror(errno))))") }
            if n == 0 { break }
            try parser.consume(UnsafeRawBufferPointer(rebasing: buffer[0 ..< n]))
        }
        return try parser.finish()
    }

    /// Parses the complete lines in `bytes` (the next part of the file) and
    /// keeps an unfinished last line for the next call.
    public func consume(_ bytes: UnsafeRawBufferPointer) throws {
        var start = 0
        for i in 0 ..< bytes.count where bytes[i] == 0x0A {
            if carry.isEmpty {
                try parse(UnsafeRawBufferPointer(rebasing: bytes[start ..< i]))
            } else {
                carry.append(contentsOf: bytes[start ..< i])
                try carry.withUnsafeBytes { try parse($0) }
                carry.removeAll(keepingCapacity: true)
            }
            start = i + 1
        }
        carry.append(contentsOf: bytes[start...])
        if carry.count > 1 << 24 { throw error(line + 1, "line longer than 16 MB (not a vector file?)") }
    }

    /// Parses a last line without a newline, applies the case-folded
    /// matches, and checks the header's count.
    public func finish() throws -> Summary {
        if !carry.isEmpty {
            try carry.withUnsafeBytes { try parse($0) }
            carry.removeAll()
        }
        if let announced, announced != summary.vectors {
            throw error(1, "the header announces \(announced) vectors but the file holds \(summary.vectors)")
        }
        if summary.vectors == 0 { throw error(0, "no vectors in the file") }
        summary.dim = dim
        return summary
    }

    private func error(_ line: Int, _ message: String) -> DataError { DataError(file: fileName, line: line, message) }
}

extension PretrainedVectors {
    /// One line (without its LF). Line 1 may be the header.
    private func parse(_ raw: UnsafeRawBufferPointer) throws {
        line += 1
        var bytes = raw
        if line == 1 && bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF {
            bytes = UnsafeRawBufferPointer(rebasing: bytes[3...])
        }
        let fields = PretrainedVectors.fields(bytes)
        if fields.isEmpty { throw error(line, "empty line (expected a word and \(dim) numbers)") }
        if line == 1, fields.count == 2, let n = integer(bytes, fields[0]), let d = integer(bytes, fields[1]) {
            guard d == dim else { throw error(line, "the header gives \(d)-dimensional vectors; the embedding has \(dim) (--embed)") }
            announced = n
            summary.hasHeader = true
            return
        }
        guard fields.count >= dim + 1 else {
            throw error(line, "expected a word and \(dim) numbers, found \(fields.count) field\(fields.count == 1 ? "" : "s")")
        }
        if summary.vectors == 0 && !summary.hasHeader && fields.count != dim + 1 {
            throw error(line, "the first vector has \(fields.count - 1) numbers; the embedding has \(dim) (--embed)")
        }
        let first = fields.count - dim
        for k in 0 ..< dim { values[k] = try number(bytes, fields[first + k], index: k + 1) }
        summary.vectors += 1
        if let announced, summary.vectors > announced {
            throw error(line, "more vectors than the \(announced) the header announces")
        }
        store(word: UnsafeRawBufferPointer(rebasing: bytes[fields[0].lowerBound ..< fields[first - 1].upperBound]))
    }

    /// Copies the parsed vector to the row of `word` (or of its lowercase form).
    private func store(word: UnsafeRawBufferPointer) {
        let text = String(decoding: word, as: UTF8.self)
        if let id = vocabulary.id(of: text) {
            if source[Int(id)] == 1 { summary.duplicates += 1; return }
            if source[Int(id)] == 2 { summary.byCase -= 1 }
            source[Int(id)] = 1
            summary.exact += 1
            write(row: Int(id))
            return
        }
        // Only a word with capitals (or non-ASCII letters) has another lowercase form.
        guard word.contains(where: { ($0 >= 0x41 && $0 <= 0x5A) || $0 >= 0x80 }) else { return }
        let lower = text.lowercased()
        if lower != text, let id = vocabulary.id(of: lower), source[Int(id)] == 0 {
            source[Int(id)] = 2
            summary.byCase += 1
            write(row: Int(id))
        }
    }

    private func write(row: Int) {
        (table + row * dim).update(from: values, count: dim)
    }

    /// The byte ranges of the fields of a line.
    static func fields(_ b: UnsafeRawBufferPointer) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var i = 0
        while i < b.count {
            while i < b.count && isSpace(b[i]) { i += 1 }
            let s = i
            while i < b.count && !isSpace(b[i]) { i += 1 }
            if i > s { out.append(s ..< i) }
        }
        return out
    }

    @inline(__always) static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0B || c == 0x0C }

    private func integer(_ b: UnsafeRawBufferPointer, _ r: Range<Int>) -> Int? {
        guard r.count <= 12 else { return nil }
        var v = 0
        for i in r {
            guard b[i] >= 0x30 && b[i] <= 0x39 else { return nil }
            v = v * 10 + Int(b[i] - 0x30)
        }
        return v
    }

    /// A decimal number field (strtof: correctly rounded), finite.
    private func number(_ b: UnsafeRawBufferPointer, _ r: Range<Int>, index: Int) throws -> Float {
        let text = { String(decoding: UnsafeRawBufferPointer(rebasing: b[r.lowerBound ..< min(r.upperBound, r.lowerBound + 24)]), as: UTF8.self) }
        guard r.count < PretrainedVectors.fieldCapacity else { throw error(line, "number \(index) ('\(text())...') is too long") }
        for (k, i) in r.enumerated() {
            let c = b[i]
            // Digits, sign, point and exponent only: no hex, inf or nan.
            guard (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x2B || c == 0x2E || c == 0x65 || c == 0x45 else {
                throw error(line, "number \(index) ('\(text())') is not a decimal number")
            }
            field[k] = CChar(bitPattern: c)
        }
        field[r.count] = 0
        var end: UnsafeMutablePointer<CChar>?
        let v = strtof(field, &end)
        guard end == field + r.count else { throw error(line, "number \(index) ('\(text())') is not a decimal number") }
        guard v.isFinite else { throw error(line, "number \(index) ('\(text())') is not a finite decimal number") }
        return v
    }
}
