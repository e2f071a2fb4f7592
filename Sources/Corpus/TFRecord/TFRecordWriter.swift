/// Writes a corpus as TFRecord: one `tf.train.SequenceExample` per row,
///
///     context:       length (int64), label (int64); gender, age_bracket for the blog classes
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

    /// Row `r` as a SequenceExample message.
    static func sequenceExample(_ corpus: Corpus, row r: Int, into out: inout [UInt8]) {
        let label = Int64(corpus.labels[r])
        var context: [UInt8] = []
        mapEntry("length", int64Feature([Int64(corpus.length(r))]), into: &context)
        mapEntry("label", int64Feature([label]), into: &context)
        if corpus.classNames == Corpus.blogClassNames {
            mapEntry("gender", int64Feature([label / 3]), into: &context)
            mapEntry("age_bracket", int64Feature([label % 3]), into: &context)
        }
        let range = corpus.offsets[r] ..< corpus.offsets[r + 1]
        var lists: [UInt8] = []
        mapEntry("tokens", featureList(corpus.tokenIDs[range].lazy.map { Int64($0) }), into: &lists)
        let steps = corpus.hasTokenLabels ? corpus.tokenLabels[range].map { Int64($0) }
            : Array(repeating: label, count: range.count)
        mapEntry("labels", featureList(steps), into: &lists)
        out.appendField(1, context)
        out.appendField(2, lists)
    }

    /// `Feature { int64_list = 3 { value = 1 [packed] } }`.
    static func int64Feature<C: Collection>(_ values: C) -> [UInt8] where C.Element == Int64 {
        var packed: [UInt8] = []
        for v in values { packed.appendVarint(UInt64(bitPattern: v)) }
        var list: [UInt8] = []
        list.appendField(1, packed)
        var feature: [UInt8] = []
        feature.appendField(3, list)
        return feature
    }

    /// `FeatureList { feature = 1 (one int64 Feature per step) }`.
    static func featureList<C: Collection>(_ values: C) -> [UInt8] where C.Element == Int64 {
        var out: [UInt8] = []
        for v in values { out.appendField(1, int64Feature(CollectionOfOne(v))) }
        return out
    }

    /// A `map<string, V>` entry `{ key = 1; value = 2 }` as field 1 of the map's message.
    static func mapEntry(_ key: String, _ value: [UInt8], into out: inout [UInt8]) {
        var entry: [UInt8] = []
        entry.appendField(1, Array(key.utf8))
        entry.appendField(2, value)
        out.appendField(1, entry)
    }
}
