import Corpus

/// What a recurrent model must beat, on the same split: always guessing the
/// training rows' majority class, and a bag-of-token-ids logistic regression
/// (`BagOfIDsRegression`, scikit-learn's `LogisticRegression(C=1)`).
/// Accuracies are NaN for a set without rows.
public struct BaselineFigures: Sendable, Equatable {
    public var majorityVal = Double.nan, majorityTest = Double.nan
    public var bagVal = Double.nan, bagTest = Double.nan
    /// L-BFGS iterations of the regression, and the seconds both took.
    public var iterations = 0
    public var seconds = 0.0

    public init() {}

    /// Trains both baselines on `train` and scores them on `val` and `test`.
    public static func compute(_ corpus: Corpus, train: [Int], val: [Int], test: [Int], threads: Int,
                               iterations: Int = BagOfIDsRegression.defaultIterations) -> BaselineFigures {
        let clock = ContinuousClock(), start = clock.now
        var f = BaselineFigures()
        var counts = [Int](repeating: 0, count: corpus.numClasses)
        for r in train { counts[Int(corpus.labels[r])] += 1 }
        let majority = counts.indices.max { counts[$0] < counts[$1] || (counts[$0] == counts[$1] && $0 > $1) } ?? 0
        func share(_ rows: [Int]) -> Double {
            rows.isEmpty ? .nan : Double(rows.reduce(0) { $0 + (Int(corpus.labels[$1]) == majority ? 1 : 0) }) / Double(rows.count)
        }
        (f.majorityVal, f.majorityTest) = (share(val), share(test))
        let bag = BagOfIDsRegression(vocabularySize: corpus.vocabularySize, classes: corpus.numClasses)
        f.iterations = bag.train(corpus, rows: train, iterations: iterations, threads: threads).iterations
        (f.bagVal, f.bagTest) = (bag.accuracy(corpus, rows: val), bag.accuracy(corpus, rows: test))
        let d = (clock.now - start).components
        f.seconds = Double(d.seconds) + Double(d.attoseconds) * 1e-18
        return f
    }
}
