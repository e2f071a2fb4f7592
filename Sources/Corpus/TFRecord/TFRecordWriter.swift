/// Writes a corpus as TFRecord: one `tf.train.SequenceExample` per row,
///
///     context:       length (int64), label (int64); gender, age_bracket for the blog classes;
///                    post_id (int64, or bytes when the id is not a decimal integer) and
///                    string (bytes) when the corpus kept them
///     feature_lists: tokens (one int64 per step), labels (one int64 per step:
///                    the corpus's per-step labels, else the row label repeated)
///
/// framed with both masked CRC-32C checks, optionally GZIP-compressed, into
/// an `AtomicFileWriter` (the file appears complete or not at all).
public enum TFRecordWriter {
    public static func write(_ corpus: Corpus, to path: String, gzip: Bool) throws {
        let out = try AtomicFileWriter(path: path)
        let deflater = gzip ? GzipDeflater() : nil
        func emit(_ bytes: UnsafeRawBufferPointer, finish: Bool = false) throws {
            if let deflater { try deflater.write(bytes, finish: finish) { try out.write($0) } } else { try out.write(bytes) }
        }
        var record: [UInt8] = []
        var framed: [UInt8] = []
        for r in 0 ..< corpus.count {
            record.removeAll(keepingCapacity: true)
            sequenceExample(corpus, row: r, into: &record)
            framed.removeAll(keepingCapacity: true)
            frame(record, into: &framed)
            try framed.withUnsafeBytes { try emit($0) }
        }
        try emit(UnsafeRawBufferPointer(start: nil, count: 0), finish: true)
        try out.commit()
    }

    /// `data` framed as one record.
    public static func framed(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        frame(data, into: &out)
        return out
    }

    /// Appends `data` framed as one record.
    static func frame(_ data: [UInt8], into out: inout [UInt8]) {
        var header = UInt64(data.count).littleEndian
        withUnsafeBytes(of: &header) { h in
            out.append(contentsOf: h)
            var crc = CRC32C.masked(h).littleEndian
            withUnsafeBytes(of: &crc) { out.append(contentsOf: $0) }
        }
        out.append(contentsOf: data)
        var crc = data.withUnsafeBytes { CRC32C.masked($0) }.littleEndian
        withUnsafeBytes(of: &crc) { out.append(contentsOf: $0) }
    }

    /// A context feature's value: one int64, or one byte string.
    enum ContextValue {
        case int(Int64)
        case bytes(ArraySlice<UInt8>)

        var size: Int {
            switch self {
            case .int(let v): return TFRecordWriter.featureSize(CollectionOfOne(v))
            case .bytes(let b): return TFRecordWriter.fieldSize(TFRecordWriter.fieldSize(b.count))
            }
        }

        /// `Feature { int64_list = 3 }` or `Feature { bytes_list = 1 { value = 1 } }`.
        func append(into out: inout [UInt8]) {
            switch self {
            case .int(let v): TFRecordWriter.appendFeature(CollectionOfOne(v), into: &out)
            case .bytes(let b):
                out.appendHeader(1, TFRecordWriter.fieldSize(b.count))
                out.appendField(1, b)
            }
        }
    }

    /// Row `r`'s context features, in writing order.
    static func context(_ corpus: Corpus, row r: Int) -> [(String, ContextValue)] {
        let label = Int64(corpus.labels[r])
        var context: [(String, ContextValue)] = [("length", .int(Int64(corpus.length(r)))), ("label", .int(label))]
        if corpus.classNames == Corpus.blogClassNames { context += [("gender", .int(label / 3)), ("age_bracket", .int(label % 3))] }
        if corpus.postIDs.count == corpus.count {
            let id = corpus.postIDs[r]
            context.append(("post_id", Corpus.canonicalInteger(id).map { .int($0) } ?? .bytes(id)))
        }
        if corpus.texts.count == corpus.count { context.append(("string", .bytes(corpus.texts[r]))) }
        return context
    }

    /// Row `r` as a SequenceExample message. Sizes are computed first so
    /// every message is written once, in place (no nested buffers).
    static func sequenceExample(_ corpus: Corpus, row r: Int, into out: inout [UInt8]) {
        let label = Int64(corpus.labels[r])
        let range = corpus.offsets[r] ..< corpus.offsets[r + 1]
        let context = self.context(corpus, row: r)
        let tokens = corpus.tokenIDs[range].lazy.map { Int64($0) }
        let steps = corpus.hasTokenLabels ? AnyCollection(corpus.tokenLabels[range].lazy.map { Int64($0) })
            : AnyCollection(repeatElement(label, count: range.count))
        // Message sizes: context Features, then FeatureLists.
        let contextSize = context.reduce(0) { $0 + fieldSize(entrySize($1.0, $1.1.size)) }
        let listsSize = fieldSize(entrySize("tokens", listSize(tokens))) + fieldSize(entrySize("labels", listSize(steps)))
        out.appendHeader(1, contextSize)
        for (key, value) in context {
            out.appendEntryHeader(key, value.size)
            value.append(into: &out)
        }
        out.appendHeader(2, listsSize)
        for (key, values) in [("tokens", AnyCollection(tokens)), ("labels", steps)] {
            out.appendEntryHeader(key, listSize(values))
            for v in values {
                out.appendHeader(1, featureSize(CollectionOfOne(v)))
                appendFeature(CollectionOfOne(v), into: &out)
            }
        }
    }

    /// A length-delimited field of `n` payload bytes (tag 1 byte: fields 1..15).
    static func fieldSize(_ n: Int) -> Int { 1 + varintSize(UInt64(n)) + n }

    /// `Feature { int64_list = 3 { value = 1 [packed] } }`.
    static func featureSize<C: Collection>(_ values: C) -> Int where C.Element == Int64 {
        fieldSize(fieldSize(values.reduce(0) { $0 + varintSize(UInt64(bitPattern: $1)) }))
    }

    static func appendFeature<C: Collection>(_ values: C, into out: inout [UInt8]) where C.Element == Int64 {
        let packed = values.reduce(0) { $0 + varintSize(UInt64(bitPattern: $1)) }
        out.appendHeader(3, fieldSize(packed))
        out.appendHeader(1, packed)
        for v in values { out.appendVarint(UInt64(bitPattern: v)) }
    }

    /// `FeatureList { feature = 1 (one int64 Feature per step) }`.
    static func listSize<C: Collection>(_ values: C) -> Int where C.Element == Int64 {
        values.reduce(0) { $0 + fieldSize(featureSize(CollectionOfOne($1))) }
    }

    /// A map entry `{ key = 1; value = 2 }` with a value of `n` bytes.
    static func entrySize(_ key: String, _ n: Int) -> Int { fieldSize(key.utf8.count) + fieldSize(n) }
}

extension Array where Element == UInt8 {
    /// Tag and length of a length-delimited field whose payload follows.
    mutating func appendHeader(_ number: Int, _ size: Int) {
        appendVarint(UInt64(number << 3 | 2))
        appendVarint(UInt64(size))
    }

    /// A map entry (field 1 of Features / FeatureLists) up to its value's bytes.
    mutating func appendEntryHeader(_ key: String, _ valueSize: Int) {
        appendHeader(1, TFRecordWriter.entrySize(key, valueSize))
        appendField(1, key.utf8)
        appendHeader(2, valueSize)
    }
}
