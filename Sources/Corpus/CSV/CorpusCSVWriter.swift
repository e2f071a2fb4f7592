/// Writes a corpus as the tokenized CSV `CorpusCSV` reads:
///
///     post_id,gender,age_bracket,string,as_numbers,length[,labels]    (blog classes)
///     post_id,label,string,as_numbers,length[,labels]                  (other labels)
///
/// `post_id` and `string` are the texts the corpus kept (`Corpus.postIDs`,
/// `Corpus.texts`, loaded with `keepText`); without them `post_id` is the
/// row number (from 1) and `string` is empty. `string` is always quoted
/// (doubled quotes inside), `labels` (space-separated, one per id) appears
/// when the corpus has per-step labels. A file this writes reads back into
/// the same corpus and is written again byte for byte. Written atomically.
public enum CorpusCSVWriter {
    public static func write(_ corpus: Corpus, to path: String) throws {
        let out = try AtomicFileWriter(path: path)
        let blog = corpus.classNames == Corpus.blogClassNames
        var line = ByteBuffer(capacity: 1 << 12)
        defer { line.deallocate() }
        let header = (blog ? "post_id,gender,age_bracket" : "post_id,label") + ",string,as_numbers,length"
            + (corpus.hasTokenLabels ? ",labels\n" : "\n")
        try out.write(Array(header.utf8))
        for r in 0 ..< corpus.count {
            line.removeAll()
            appendRow(corpus, row: r, blog: blog, into: &line)
            try out.write(UnsafeRawBufferPointer(line.buffer))
        }
        try out.commit()
    }

    /// One row, ending in a newline.
    static func appendRow(_ corpus: Corpus, row r: Int, blog: Bool, into line: inout ByteBuffer) {
        let label = Int(corpus.labels[r])
        if corpus.postIDs.count == corpus.count {
            for b in corpus.postIDs[r] { line.append(b) }
        } else {
            line.appendInt(r + 1)
        }
        line.append(0x2C)
        if blog {
            line.appendInt(label / 3); line.append(0x2C)
            line.appendInt(label % 3)
        } else {
            line.appendInt(label)
        }
        line.append(0x2C)
        appendQuoted(corpus.texts.count == corpus.count ? corpus.texts[r] : [], into: &line)
        line.append(0x2C)
        let range = corpus.offsets[r] ..< corpus.offsets[r + 1]
        appendList(corpus.tokenIDs[range].lazy.map { Int($0) }, into: &line)
        line.append(0x2C)
        line.appendInt(range.count)
        if corpus.hasTokenLabels {
            line.append(0x2C)
            appendList(corpus.tokenLabels[range].lazy.map { Int($0) }, into: &line)
        }
        line.append(0x0A)
    }

    /// `"text"`, a quote inside doubled (RFC 4180).
    static func appendQuoted(_ text: ArraySlice<UInt8>, into line: inout ByteBuffer) {
        line.append(0x22)
        for b in text {
            line.append(b)
            if b == 0x22 { line.append(0x22) }
        }
        line.append(0x22)
    }

    /// `4 127 63`.
    static func appendList<C: Collection>(_ values: C, into line: inout ByteBuffer) where C.Element == Int {
        for (k, v) in values.enumerated() {
            if k > 0 { line.append(0x20) }
            line.appendInt(v)
        }
    }
}
