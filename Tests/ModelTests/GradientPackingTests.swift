import XCTest
import Model
import TensorCore

/// The packed gradient a step exchanges across ranks (`GradientPacking`):
/// the slab before the embedding table, the union's rows, the slab after
/// it. A sharded step sends each rank the packed floats of its slab span;
/// checked here against a plain list of the packed floats' slab offsets.
final class GradientPackingTests: XCTestCase {
    /// The slab offset of every packed float, in packed order.
    func offsets(_ p: GradientPacking) -> [Int] {
        guard p.sparse else { return Array(0 ..< p.total) }
        var out = Array(0 ..< p.table.offset)
        for r in p.rows { out += Array(p.table.range(ofRow: r)) }
        return out + Array(p.table.range.upperBound ..< p.total)
    }

    func testSpansCutThePackedFloatsWhereTheirSlabOffsetsLie() {
        var rng = RNG(seed: 5)
        for trial in 0 ..< 200 {
            let width = 1 + rng.below(7), rows = 1 + rng.below(30), head = trial % 3 == 0 ? rng.below(20) : 0
            let table = RowTable(offset: head, rows: rows, width: width)
            let total = table.range.upperBound + rng.below(40)
            let union = (0 ..< rows).filter { _ in rng.below(3) == 0 }.map(Int32.init)
            let p = GradientPacking(table: table, total: total, rows: union, sparse: trial % 5 != 0)
            let all = offsets(p)
            XCTAssertEqual(p.count, all.count)
            // Spans that partition the slab (cuts anywhere, mid-row too).
            var cuts = [0, total] + (0 ..< rng.below(4)).map { _ in rng.below(total + 1) }
            cuts.sort()
            var next = 0
            for (lo, hi) in zip(cuts, cuts.dropFirst()) {
                let r = p.range(of: lo ..< hi)
                XCTAssertEqual(r.lowerBound, next, "the spans' packed ranges follow each other")
                next = r.upperBound
                XCTAssertEqual(Array(all[r]), all.filter { (lo ..< hi).contains($0) }, "trial \(trial): span \(lo)..<\(hi)")
                var seen: [Int] = [], packed: [Int] = []
                p.forEachRun(in: r) { at, slab, count in
                    packed += Array(at ..< at + count)
                    seen += Array(slab ..< slab + count)
                }
                XCTAssertEqual(packed, Array(r), "runs cover the range in order")
                XCTAssertEqual(seen, Array(all[r]), "trial \(trial): runs map to the slab offsets")
            }
            XCTAssertEqual(next, p.count)
        }
    }
}
