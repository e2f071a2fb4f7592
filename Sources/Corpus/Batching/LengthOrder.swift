/// Rows ordered by decreasing length, equal lengths in input order: a
/// counting sort into buffers that keep their capacity between calls. The
/// one length sort of batches, shards and evaluation chunks.
public struct LengthOrder: Sendable {
    /// The rows of the last `sort`, longest first.
    public var rows: [Int] = []
    private var start: [Int] = []

    public init() {}

    /// Sorts `input` (any order; no row longer than `longest`) into `rows`.
    public mutating func sort(_ input: ArraySlice<Int>, corpus: Corpus, longest: Int) {
        start.removeAll(keepingCapacity: true)
        start.append(contentsOf: repeatElement(0, count: longest + 2))
        for r in input { start[longest - corpus.length(r) + 1] += 1 }
        for i in 1 ..< start.count { start[i] += start[i - 1] }
        rows.removeAll(keepingCapacity: true)
        rows.append(contentsOf: repeatElement(0, count: input.count))
        for r in input {
            let k = longest - corpus.length(r)
            rows[start[k]] = r
            start[k] += 1
        }
    }
}
