import XCTest
import Corpus
import Model

/// The bag-of-token-ids baseline against scikit-learn's LogisticRegression
/// (golden figures from scripts/golden_baseline.py), and the majority class.
final class BaselineTests: XCTestCase {
    var samplePath: String {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)    // Tests/ModelTests/BaselineTests.swift
        return parts.joined(separator: "/") + "/data/sample.csv"
    }

    func testBagOfIDsRegressionMatchesScikitLearn() throws {
        let corpus = try CorpusCSV.load(path: samplePath, options: CSVLoadOptions()).corpus
        let train = Array(0 ..< goldenBaselineTrainRows), test = Array(goldenBaselineTrainRows ..< corpus.count)
        let bag = BagOfIDsRegression(vocabularySize: corpus.vocabularySize, classes: corpus.numClasses)
        let fit = bag.train(corpus, rows: train, iterations: 2000, threads: 2)
        // The same objective at the optimum, to a part in a thousand.
        XCTAssertEqual(fit.objective, goldenBaselineObjective, accuracy: 1e-3 * goldenBaselineObjective)
        XCTAssertEqual(bag.accuracy(corpus, rows: test), goldenBaselineTestAccuracy, accuracy: 0.01)
        XCTAssertEqual(bag.accuracy(corpus, rows: train), goldenBaselineTrainAccuracy, accuracy: 0.01)
    }

    func testTheFitDoesNotDependOnTheThreadCount() throws {
        let corpus = try CorpusCSV.load(path: samplePath, options: CSVLoadOptions()).corpus
        let rows = Array(0 ..< 1500)
        let one = BagOfIDsRegression(vocabularySize: corpus.vocabularySize, classes: corpus.numClasses)
        let three = BagOfIDsRegression(vocabularySize: corpus.vocabularySize, classes: corpus.numClasses)
        one.train(corpus, rows: rows, iterations: 20, threads: 1)
        three.train(corpus, rows: rows, iterations: 20, threads: 3)
        XCTAssertEqual(one.params, three.params)
    }

    func testMajorityClassAndASeparableBag() {
        // Class 1 rows hold id 3, class 0 rows id 4; class 0 is the training majority.
        var c = Corpus(classNames: ["a", "b"], vocabularySize: 5)
        for (ids, label) in [([4, 2], 0), ([4], 0), ([2, 4, 2], 0), ([3, 2], 1), ([3], 1), ([2, 4], 0), ([3, 3], 1), ([1, 3], 1)] {
            c.append(ids: ids.map(Int32.init), label: UInt8(label))
        }
        let f = BaselineFigures.compute(c, train: [0, 1, 2, 3, 4], val: [5, 6], test: [7], threads: 1)
        XCTAssertEqual(f.majorityVal, 0.5)
        XCTAssertEqual(f.majorityTest, 0)
        XCTAssertEqual(f.bagVal, 1)
        XCTAssertEqual(f.bagTest, 1)
        XCTAssertTrue(BaselineFigures.compute(c, train: [0], val: [], test: [], threads: 1).bagVal.isNaN)
    }
}
