/// Options for reading TFRecord files.
public struct TFRecordLoadOptions: Sendable {
    /// Length limit, vocabulary size, skipping bad records: as for CSV.
    public var rows: CSVLoadOptions
    public var names: TFRecordFeatureNames
    /// GZIP-compressed (TF's `compression_type="GZIP"`); nil: by the `.gz` suffix.
    public var gzip: Bool?

    public init(rows: CSVLoadOptions = CSVLoadOptions(), names: TFRecordFeatureNames = TFRecordFeatureNames(), gzip: Bool? = nil) {
        self.rows = rows
        self.names = names
        self.gzip = gzip
    }
}

/// Loads TFRecord files of `tf.train.SequenceExample` (context `length`,
/// optional `post_id` (int64 or bytes: rows of one post stay on one side of
/// a split) and `string`; feature lists `tokens` and `labels`) or `tf.train.Example` (`tokens`
/// list, scalar `label`) records into a `Corpus`, one row per record.
/// Per-step labels that only repeat each row's label are dropped (the
/// default). A bad record is a `DataError` naming the file, the record's index and
/// byte offset; with `skipBadRows` it is skipped and counted instead.
public enum CorpusTFRecord {
    /// Whether `path` names a TFRecord file (`.tfrecord`, `.tfrecords`, optionally `.gz`).
    public static func isTFRecord(_ path: String) -> Bool {
        let p = path.hasSuffix(".gz") ? String(path.dropLast(3)) : path
        return p.hasSuffix(".tfrecord") || p.hasSuffix(".tfrecords")
    }

    public static func load(path: String, options: TFRecordLoadOptions) throws -> CSVLoadResult {
        let file = try MappedFile(path: path)
        let gzip = options.gzip ?? path.hasSuffix(".gz")
        return try file.withBytes { try parse($0, fileName: path, gzip: gzip, options: options) }
    }

    public static func parse(_ bytes: UnsafeRawBufferPointer, fileName: String, gzip: Bool = false,
                             options: TFRecordLoadOptions) throws -> CSVLoadResult {
        var stream = try TFRecordStream(bytes: bytes, gzip: gzip, fileName: fileName)
        defer { stream.release() }
        var row = TFRecordRowDecoder(names: options.names, options: options.rows)
        var corpus = Corpus(vocabularySize: options.rows.vocabularySize)
        var skipped = SkippedRows()
        var maxLabel = -1, allBlog = true, allPosts = true, allTexts = true
        while true {
            do {
                guard let record = try stream.next() else { break }
                do { try row.decode(record) } catch let e as ProtoError { throw stream.error(e.message) }
                corpus.tokenIDs.append(contentsOf: row.ids)
                corpus.closeRow(label: UInt8(row.label), stepLabels: row.hasStepLabels ? row.stepLabels : nil)
                maxLabel = max(maxLabel, row.label, Int(row.stepLabels.max() ?? 0))
                allBlog = allBlog && row.blog
                if let id = row.postID { corpus.postKeys.append(Corpus.postKey(id)) } else { allPosts = false }
                if options.rows.keepText, let id = row.postID { corpus.postIDs.append(id) }
                if options.rows.keepText, let text = row.text { corpus.texts.append(text) } else { allTexts = false }
            } catch let e as DataError {
                guard options.rows.skipBadRows else { throw e }
                skipped.add(e)
            }
        }
        corpus.dropRepeatedTokenLabels()
        // A post id or text on some records only says nothing about the others.
        if !allPosts { (corpus.postKeys, corpus.postIDs) = ([], TextColumn()) }
        if !allTexts { corpus.texts = TextColumn() }
        if !(allBlog && corpus.count > 0) { corpus.classNames = Corpus.numberedClassNames(maxLabel: maxLabel) }
        return CSVLoadResult(corpus: corpus, skippedRows: skipped.count, skippedExamples: skipped.examples, bytesRead: bytes.count)
    }
}
