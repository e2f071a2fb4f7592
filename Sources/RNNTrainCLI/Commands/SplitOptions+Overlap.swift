import Corpus

/// The leakage check before training: how many validation and test rows
/// (and posts) the training rows already hold, as one line, and a refusal
/// above `overlapLimitPercent` unless `--allow-overlap`.
extension SplitOptions {
    /// Rows or posts shared above this share of a held-out set are refused.
    static let overlapLimitPercent = 10

    /// "leakage: validation 0 of 1,000 rows also in training (0.0%); test
    /// 1,881 of 1,881 rows also in training (100.0%), 873 of 1,342 posts
    /// shared", or nil without held-out rows. Throws above the limit unless
    /// --allow-overlap; shared posts count only when the split was not asked
    /// to go by row (--split-by row puts posts on both sides by choice).
    func checkOverlap(_ corpus: Corpus, _ parts: DataSplit) throws -> String? {
        guard !parts.val.isEmpty || !parts.test.isEmpty else { return nil }
        let hashes = corpus.sequenceHashes()
        let tables = SplitOverlap.trainingTables(corpus, hashes: hashes, train: parts.train)
        var texts: [String] = [], refused: [String] = [], postsShared = false
        for (name, rows) in [("validation", parts.val), ("test", parts.test)] where !rows.isEmpty {
            let o = SplitOverlap.measure(corpus, hashes: hashes, train: tables.sequences, trainPosts: tables.posts, heldOut: rows)
            let text = SplitOptions.overlapText(name, o)
            texts.append(text)
            let limit = Double(SplitOptions.overlapLimitPercent) / 100
            let posts = splitBy != .row && o.postShare > limit
            if o.rowShare > limit || posts { refused.append(text) }
            postsShared = postsShared || posts
        }
        if !refused.isEmpty && !allowOverlap {
            throw RuntimeError(refused.joined(separator: "; ") + ": above the \(SplitOptions.overlapLimitPercent)% this check allows, "
                + "so the held-out figures would measure what the model memorised, not how it generalises. "
                + (postsShared ? "Keep each post's sentences on one side (hold out whole posts)" : "Take the repeated rows out of the held-out data")
                + ", or pass --allow-overlap to train anyway")
        }
        return "leakage: " + texts.joined(separator: "; ")
    }

    /// "test 1,881 of 1,881 rows also in training (100.0%), 873 of 1,342 posts shared".
    static func overlapText(_ name: String, _ o: SplitOverlap) -> String {
        var s = "\(name) \(Format.grouped(o.sharedRows)) of \(Format.grouped(o.rows)) rows also in training (\(Format.percent(o.rowShare)))"
        if o.posts > 0 { s += ", \(Format.grouped(o.sharedPosts)) of \(Format.grouped(o.posts)) posts shared" }
        return s
    }
}
