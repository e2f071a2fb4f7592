import TensorCore

/// A seeded train/test split of rows `0 ..< count`: the rows are shuffled
/// with `RNG(seed:)` and the first `round(count * testFraction)` go to the
/// test set. Both parts keep the shuffled order.
public func shuffledSplit(count: Int, testFraction: Double, seed: UInt64) -> (train: [Int], test: [Int]) {
    let s = DataSplit(count: count, valFraction: 0, testFraction: testFraction, seed: seed)
    return (s.train, s.test)
}

/// Rows `0 ..< count` dealt to test, validation and training sets, seeded.
///
/// The rows are shuffled with `RNG(seed:)`. Without groups, the first
/// `round(count * testFraction)` shuffled rows are the test set, the next
/// `round(count * valFraction)` the validation set, the rest the training
/// set. With `groups` (one key per row, e.g. its post), whole groups are
/// dealt in the order their first row appears in the shuffle: a group goes
/// to test while the test set is below its target, then to validation, then
/// to training, so no group is on two sides and the shares are met to within
/// one group. With one row per group this is exactly the split without
/// groups. Every part keeps the shuffled order.
public struct DataSplit: Sendable, Equatable {
    public var train: [Int] = []
    public var val: [Int] = []
    public var test: [Int] = []

    public init(train: [Int], val: [Int], test: [Int]) {
        self.train = train
        self.val = val
        self.test = test
    }

    public init(count: Int, valFraction: Double, testFraction: Double, seed: UInt64, groups: [UInt64]? = nil) {
        precondition(testFraction >= 0 && valFraction >= 0 && testFraction + valFraction < 1, "fractions must be in [0, 1) together")
        precondition(groups == nil || groups!.count == count, "one group per row")
        var rows = Array(0 ..< count)
        var rng = RNG(seed: seed)
        rng.shuffle(&rows)
        let nTest = Int((Double(count) * testFraction).rounded())
        let nVal = Int((Double(count) * valFraction).rounded())
        guard let groups else {
            test = Array(rows[..<nTest])
            val = Array(rows[nTest ..< nTest + nVal])
            train = Array(rows[(nTest + nVal)...])
            return
        }
        // A group's side is decided when its first row comes up, counting all its rows.
        var size: [UInt64: Int] = [:]
        for g in groups { size[g, default: 0] += 1 }
        var side: [UInt64: UInt8] = [:]   // 0 test, 1 validation, 2 train
        side.reserveCapacity(size.count)
        var nT = 0, nV = 0
        for r in rows {
            let g = groups[r]
            var s = side[g] ?? 3
            if s == 3 {
                s = nT < nTest ? 0 : nV < nVal ? 1 : 2
                side[g] = s
                if s == 0 { nT += size[g]! } else if s == 1 { nV += size[g]! }
            }
            switch s {
            case 0: test.append(r)
            case 1: val.append(r)
            default: train.append(r)
            }
        }
    }
}
