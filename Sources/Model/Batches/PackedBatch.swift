import Corpus

/// A batch laid out time-major with rows sorted by length, longest first:
/// PyTorch's `PackedSequence`, built directly from the corpus.
///
/// At step t only the first `active[t]` rows (those with length > t) take
/// part, and their entries are contiguous: packed index `offsets[t] + b` is
/// row b at step t. Every packed position is a real token, so padding costs
/// no memory and no compute, and a layer's "output at step t" block is the
/// prefix of the previous block that stays active.
///
///     B = rows, T = longest length, N = real tokens = offsets[T]
///
/// Buffers keep their capacity between batches (no allocation once warm).
public final class PackedBatch {
    /// Corpus row of each batch row, longest first. `[B]`
    public private(set) var rows: [Int] = []
    /// Length of each batch row (non-increasing). `[B]`
    public private(set) var lengths: [Int] = []
    /// Class label of each batch row. `[B]`
    public private(set) var labels: [Int] = []
    /// Rows active at step t (non-increasing). `[T]`
    public private(set) var active: [Int] = []
    /// Packed index of step t's first entry. `[T + 1]`
    public private(set) var offsets: [Int] = [0]
    /// Token id at each packed position. `[N]`
    public private(set) var tokenIDs: [Int32] = []
    /// Label at each packed position: the corpus's per-step label when it has
    /// them, else the row's label repeated. `[N]`
    public private(set) var tokenLabels: [Int] = []
    /// Packed index of each row's last relevant step, `offsets[len-1] + b`. `[B]`
    public private(set) var lastIndex: [Int] = []

    public init() {}

    public var batchSize: Int { rows.count }
    public var steps: Int { active.count }
    public var tokenCount: Int { tokenIDs.count }

    /// Fills the batch with `corpusRows` (any order): rows are stably sorted
    /// by decreasing length.
    public func fill<C: Collection>(corpus: Corpus, rows corpusRows: C) where C.Element == Int {
        rows.removeAll(keepingCapacity: true)
        rows.append(contentsOf: corpusRows)
        precondition(!rows.isEmpty, "empty batch")
        // Counting sort by decreasing length keeps equal lengths in input order.
        var maxLen = 0
        for r in rows { maxLen = max(maxLen, corpus.length(r)) }
        sortByLength(corpus: corpus, maxLen: maxLen)
        pack(corpus: corpus)
    }

    /// Fills the batch with rows that are already sorted by decreasing length.
    public func fill(corpus: Corpus, sortedRows: ArraySlice<Int>) {
        rows.removeAll(keepingCapacity: true)
        rows.append(contentsOf: sortedRows)
        precondition(!rows.isEmpty, "empty batch")
        lengths.removeAll(keepingCapacity: true)
        for r in rows { lengths.append(corpus.length(r)) }
        for i in 1 ..< max(lengths.count, 1) { precondition(lengths[i] <= lengths[i - 1], "rows not sorted by length") }
        pack(corpus: corpus)
    }

    /// Fills the batch with `rows` rows of the same length, batch row b
    /// being row b: `ids` (and `stepLabels`) are time-major `[T x B]`, step t
    /// of row b at `t * B + b`, which is already the packed layout. For
    /// contiguous streams (a character model's windows) and single steps.
    /// `firstRow` numbers the rows (`rows` = firstRow ..< firstRow + b), so
    /// the dropout masks of a stream do not depend on which worker runs it.
    public func fillUniform(rows b: Int, ids: UnsafeBufferPointer<Int32>, stepLabels: UnsafeBufferPointer<Int32>? = nil,
                            firstRow: Int = 0) {
        precondition(b > 0 && ids.count % b == 0 && !ids.isEmpty, "ids must be [T x B]")
        let t = ids.count / b
        rows.removeAll(keepingCapacity: true)
        rows.append(contentsOf: firstRow ..< firstRow + b)
        lengths.removeAll(keepingCapacity: true)
        lengths.append(contentsOf: repeatElement(t, count: b))
        active.removeAll(keepingCapacity: true)
        active.append(contentsOf: repeatElement(b, count: t))
        offsets.removeAll(keepingCapacity: true)
        for step in 0 ... t { offsets.append(step * b) }
        tokenIDs.removeAll(keepingCapacity: true)
        tokenIDs.append(contentsOf: ids)
        tokenLabels.removeAll(keepingCapacity: true)
        if let stepLabels { for l in stepLabels { tokenLabels.append(Int(l)) } } else { tokenLabels.append(contentsOf: repeatElement(0, count: ids.count)) }
        labels.removeAll(keepingCapacity: true)
        labels.append(contentsOf: repeatElement(0, count: b))
        lastIndex.removeAll(keepingCapacity: true)
        lastIndex.append(contentsOf: (t - 1) * b ..< t * b)
    }

    private var order = LengthOrder()

    private func sortByLength(corpus: Corpus, maxLen: Int) {
        order.sort(rows[...], corpus: corpus, longest: maxLen)
        swap(&rows, &order.rows)
        lengths.removeAll(keepingCapacity: true)
        for r in rows { lengths.append(corpus.length(r)) }
    }

    private func pack(corpus: Corpus) {
        let b = rows.count
        let t = lengths[0]
        active.removeAll(keepingCapacity: true)
        offsets.removeAll(keepingCapacity: true)
        offsets.append(0)
        var n = b
        for step in 0 ..< t {
            while n > 0 && lengths[n - 1] <= step { n -= 1 }
            active.append(n)
            offsets.append(offsets[step] + n)
        }
        tokenIDs.removeAll(keepingCapacity: true)
        tokenIDs.append(contentsOf: repeatElement(0, count: offsets[t]))
        labels.removeAll(keepingCapacity: true)
        lastIndex.removeAll(keepingCapacity: true)
        corpus.tokenIDs.withUnsafeBufferPointer { ids in
            tokenIDs.withUnsafeMutableBufferPointer { packed in
                for (row, r) in rows.enumerated() {
                    let start = corpus.offsets[r]
                    for step in 0 ..< lengths[row] {
                        packed[offsets[step] + row] = ids[start + step]
                    }
                }
            }
        }
        packTokenLabels(corpus: corpus, total: offsets[t])
        for (row, r) in rows.enumerated() {
            labels.append(Int(corpus.labels[r]))
            lastIndex.append(offsets[lengths[row] - 1] + row)
        }
    }

    /// `tokenLabels[offsets[step] + row]` = row's label at step.
    private func packTokenLabels(corpus: Corpus, total: Int) {
        tokenLabels.removeAll(keepingCapacity: true)
        tokenLabels.append(contentsOf: repeatElement(0, count: total))
        tokenLabels.withUnsafeMutableBufferPointer { packed in
            for (row, r) in rows.enumerated() {
                let start = corpus.offsets[r]
                for step in 0 ..< lengths[row] {
                    packed[offsets[step] + row] = corpus.hasTokenLabels ? Int(corpus.tokenLabels[start + step]) : Int(corpus.labels[r])
                }
            }
        }
    }
}

extension PackedBatch {
    /// The packed index each position has in time-reversed order:
    /// `reversed[offsets[t] + b] = offsets[len_b - 1 - t] + b`. Running a
    /// cell forward over the inputs gathered in this order runs every row
    /// backwards from its own last token (never from padding), and the
    /// reversed batch has the same active prefixes, so the same kernels
    /// serve. The map is its own inverse. `[N]`
    public func reversedIndex(into index: inout [Int32]) {
        index.removeAll(keepingCapacity: true)
        index.append(contentsOf: repeatElement(0, count: tokenCount))
        for t in 0 ..< steps {
            for b in 0 ..< active[t] {
                index[offsets[t] + b] = Int32(offsets[lengths[b] - 1 - t] + b)
            }
        }
    }
}
