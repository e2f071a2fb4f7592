/// A labelled set of variable-length token sequences, stored flat.
///
/// All rows' token ids lie back to back in `tokenIDs`; row `i` is
/// `tokenIDs[offsets[i] ..< offsets[i + 1]]`. A million rows cost one id
/// buffer and one offset buffer, not a million arrays.
///
/// Labels are class indices in `0 ..< classNames.count`. For the blog corpus
/// the class is `gender * 3 + age_bracket` (6 classes).
public struct Corpus: Sendable {
    /// Every row's token ids, concatenated. Id 0 is `<UNK>` and also padding.
    public var tokenIDs: [Int32]
    /// `count + 1` offsets into `tokenIDs`; `offsets[0] == 0`.
    public var offsets: [Int]
    /// One class index per row.
    public var labels: [UInt8]
    /// Per-step labels, parallel to `tokenIDs` (`tokenLabels[offsets[i] + t]`
    /// is row i's label at step t), or empty when the data has none.
    public var tokenLabels: [UInt8] = []
    /// Human-readable class names, index = class.
    public var classNames: [String]
    /// Ids are in `0 ..< vocabularySize`.
    public var vocabularySize: Int
    /// One key per row naming its post (a hash of the `post_id` field), so a
    /// split can keep a post's sentences together; empty when the data has no
    /// post ids.
    public var postKeys: [UInt64] = []
    /// Each row's `post_id` text and `string` text, kept only when the loader
    /// was asked to (`CSVLoadOptions.keepText`, for convert); else empty.
    public var postIDs = TextColumn()
    public var texts = TextColumn()

    public init(tokenIDs: [Int32] = [], offsets: [Int] = [0], labels: [UInt8] = [],
                classNames: [String] = Corpus.blogClassNames, vocabularySize: Int = 10_000) {
        self.tokenIDs = tokenIDs
        self.offsets = offsets
        self.labels = labels
        self.classNames = classNames
        self.vocabularySize = vocabularySize
    }

    /// The blog corpus classes: `gender * 3 + age_bracket`.
    public static let blogClassNames: [String] = [
        "male 13-17", "male 23-27", "male 33-47",
        "female 13-17", "female 23-27", "female 33-47",
    ]

    public var count: Int { labels.count }
    public var numClasses: Int { classNames.count }
    public var totalTokens: Int { tokenIDs.count }
    public var hasTokenLabels: Bool { !tokenLabels.isEmpty }

    @inlinable
    public func length(_ row: Int) -> Int { offsets[row + 1] - offsets[row] }

    /// The ids of one row (a slice of the flat buffer, no copy).
    @inlinable
    public func tokens(_ row: Int) -> ArraySlice<Int32> { tokenIDs[offsets[row] ..< offsets[row + 1]] }

    /// Appends one row.
    public mutating func append<S: Sequence>(ids: S, label: UInt8) where S.Element == Int32 {
        tokenIDs.append(contentsOf: ids)
        closeRow(label: label, stepLabels: nil as [UInt8]?)
    }

    /// Appends one row with a label per step (as many as ids).
    public mutating func append<S: Sequence, L: Collection>(ids: S, label: UInt8, stepLabels: L)
        where S.Element == Int32, L.Element == UInt8 {
        tokenIDs.append(contentsOf: ids)
        closeRow(label: label, stepLabels: stepLabels)
    }

    /// Ends the row whose ids a parser appended to `tokenIDs` since the last
    /// offset. With `stepLabels` (one per id), the first such row gives the
    /// earlier rows their row label at every step; without, a corpus that has
    /// step labels repeats `label`.
    public mutating func closeRow<L: Collection>(label: UInt8, stepLabels: L?) where L.Element == UInt8 {
        if let stepLabels {
            if !hasTokenLabels {
                tokenLabels.reserveCapacity(tokenIDs.capacity)
                for r in 0 ..< count { tokenLabels.append(contentsOf: repeatElement(labels[r], count: length(r))) }
            }
            tokenLabels.append(contentsOf: stepLabels)
        } else if hasTokenLabels {
            tokenLabels.append(contentsOf: repeatElement(label, count: tokenIDs.count - offsets[count]))
        }
        offsets.append(tokenIDs.count)
        labels.append(label)
        precondition(!hasTokenLabels || tokenLabels.count == tokenIDs.count, "one label per step")
    }

    /// Drops the per-step labels when each only repeats its row's label (as a
    /// writer that must fill a `labels` list writes them): they say nothing more.
    public mutating func dropRepeatedTokenLabels() {
        guard hasTokenLabels else { return }
        for r in 0 ..< count where tokenLabels[offsets[r] ..< offsets[r + 1]].contains(where: { $0 != labels[r] }) { return }
        tokenLabels = []
    }

    /// Appends every row of `other` (same vocabulary; class names kept).
    /// Post keys survive only when both sides have them.
    public mutating func append(contentsOf other: Corpus) {
        let keys = count == 0 ? other.postKeys : (postKeys.isEmpty || other.postKeys.isEmpty ? [] : postKeys + other.postKeys)
        let ids = postIDs.merged(rows: count, with: other.postIDs, otherRows: other.count)
        let strings = texts.merged(rows: count, with: other.texts, otherRows: other.count)
        defer { (postKeys, postIDs, texts) = (keys, ids, strings) }
        if other.hasTokenLabels || hasTokenLabels {
            for r in 0 ..< other.count {
                let labels = other.hasTokenLabels ? Array(other.tokenLabels[other.offsets[r] ..< other.offsets[r + 1]])
                    : Array(repeating: other.labels[r], count: other.length(r))
                append(ids: other.tokens(r), label: other.labels[r], stepLabels: labels)
            }
        } else {
            for r in 0 ..< other.count { append(ids: other.tokens(r), label: other.labels[r]) }
        }
    }

    /// Class names "0" ... "n" for generic labels up to `maxLabel` (at least 2 classes).
    public static func numberedClassNames(maxLabel: Int) -> [String] {
        (0 ... max(maxLabel, 1)).map { "\($0)" }
    }

    /// The largest label of any row or step (-1 when empty).
    public var maxLabel: Int {
        Int(max(labels.max() ?? 0, tokenLabels.max() ?? 0)) - (count == 0 ? 1 : 0)
    }

    /// Rows per class.
    public func classCounts() -> [Int] {
        var c = [Int](repeating: 0, count: numClasses)
        for l in labels { c[Int(l)] += 1 }
        return c
    }

    /// Min, mean and max length over `rows` (all rows when nil).
    public func lengthSummary(rows: [Int]? = nil) -> (min: Int, mean: Double, max: Int) {
        var lo = Int.max, hi = 0, sum = 0, n = 0
        func visit(_ r: Int) {
            let l = length(r)
            lo = Swift.min(lo, l); hi = Swift.max(hi, l); sum += l; n += 1
        }
        if let rows { for r in rows { visit(r) } } else { for r in 0 ..< count { visit(r) } }
        return n == 0 ? (0, 0, 0) : (lo, Double(sum) / Double(n), hi)
    }
}

extension Corpus {
    /// Builds a corpus from padded rows as other frameworks hold them (`[B x T]`
    /// plus lengths): only the first `lengths[i]` ids of row i are kept, so
    /// whatever sits in the padding positions cannot matter downstream.
    public init(paddedRows: [[Int32]], lengths: [Int], labels: [UInt8], numClasses: Int, vocabularySize: Int) {
        precondition(paddedRows.count == lengths.count && lengths.count == labels.count, "rows, lengths and labels differ in count")
        self.init(classNames: (0 ..< numClasses).map(String.init), vocabularySize: vocabularySize)
        for (row, (length, label)) in zip(paddedRows, zip(lengths, labels)) {
            precondition(length >= 1 && length <= row.count, "length \(length) outside 1...\(row.count)")
            append(ids: row[0 ..< length], label: label)
        }
    }
}
