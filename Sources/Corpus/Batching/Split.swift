import TensorCore

/// A seeded train/test split of rows `0 ..< count`: the rows are shuffled
/// with `RNG(seed:)` and the first `round(count * testFraction)` go to the
/// test set. Both parts keep the shuffled order.
public func shuffledSplit(count: Int, testFraction: Double, seed: UInt64) -> (train: [Int], test: [Int]) {
    precondition(testFraction >= 0 && testFraction < 1, "test fraction must be in [0, 1)")
    var rows = Array(0 ..< count)
    var rng = RNG(seed: seed)
    rng.shuffle(&rows)
    let nTest = Int((Double(count) * testFraction).rounded())
    return (Array(rows[nTest...]), Array(rows[..<nTest]))
}
