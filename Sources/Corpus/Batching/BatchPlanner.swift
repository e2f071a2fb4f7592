import TensorCore

/// How rows are grouped into batches.
public enum BatchingMode: Equatable, Sendable {
    /// Random batches; each is padded only to its own longest row.
    case padded
    /// Rows sorted by length and cut into this many equal-size buckets;
    /// batches are drawn from random buckets, so lengths within a batch are
    /// close and padding is small.
    case bucketed(buckets: Int)
}

/// Plans the batches of each epoch over a fixed set of rows.
///
/// Padded: shuffle all rows, cut into batches of `batchSize`.
/// Bucketed: sort rows by length once (ties by row number) and cut them into
/// `buckets` contiguous buckets of equal size; every epoch, shuffle within
/// each bucket, cut each bucket into batches, and shuffle the list of all
/// batches (drawing batches from random buckets, in proportion to what they
/// have left). In both modes every row is in exactly one batch per epoch and
/// the last, partial batch of each bucket is kept: unlike the reference
/// tutorial's iterator, no row is skipped or seen twice.
public struct BatchPlanner: Sendable {
    public let rows: [Int]
    public let batchSize: Int
    public let mode: BatchingMode
    /// Bucketed: `buckets[k]` is a range of `sortedRows`.
    let sortedRows: [Int]
    let bucketRanges: [Range<Int>]

    public init(corpus: Corpus, rows: [Int], batchSize: Int, mode: BatchingMode) {
        precondition(batchSize > 0, "batch size must be positive")
        self.rows = rows
        self.batchSize = batchSize
        self.mode = mode
        guard case .bucketed(let buckets) = mode else {
            sortedRows = []
            bucketRanges = []
            return
        }
        precondition(buckets > 0, "need at least one bucket")
        let sorted = rows.sorted { (corpus.length($0), $0) < (corpus.length($1), $1) }
        sortedRows = sorted
        let k = max(1, min(buckets, sorted.count))
        bucketRanges = (0 ..< k).map { b in (sorted.count * b / k) ..< (sorted.count * (b + 1) / k) }
    }

    /// The batches of one epoch, as corpus row numbers, drawn from `rng`.
    public func epoch(rng: inout RNG) -> [[Int]] {
        switch mode {
        case .padded:
            var order = rows
            rng.shuffle(&order)
            return chunks(order[...])
        case .bucketed:
            var order = sortedRows
            var batches: [[Int]] = []
            for range in bucketRanges {
                rng.shuffle(&order, range: range)
                batches += chunks(order[range])
            }
            rng.shuffle(&batches)
            return batches
        }
    }

    func chunks(_ rows: ArraySlice<Int>) -> [[Int]] {
        stride(from: rows.startIndex, to: rows.endIndex, by: batchSize).map {
            Array(rows[$0 ..< min($0 + batchSize, rows.endIndex)])
        }
    }

    /// Batches per epoch.
    public var batchesPerEpoch: Int {
        switch mode {
        case .padded: return (rows.count + batchSize - 1) / batchSize
        case .bucketed: return bucketRanges.reduce(0) { $0 + ($1.count + batchSize - 1) / batchSize }
        }
    }
}

extension Corpus {
    /// A batch of these rows: its real tokens, and the size of the `[B x T]`
    /// tensor that padding it to its longest row would take (padding is
    /// `padded - tokens`).
    public func paddedSize(of batch: [Int]) -> (tokens: Int, padded: Int) {
        var longest = 0, total = 0
        for r in batch { let l = length(r); longest = Swift.max(longest, l); total += l }
        return (total, longest * batch.count)
    }
}
