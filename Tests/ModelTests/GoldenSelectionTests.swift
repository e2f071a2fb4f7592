import XCTest
import Model
import TensorCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Class weights and learning-rate schedules against PyTorch
/// (`CrossEntropyLoss(weight=)`, `CosineAnnealingLR`, `StepLR`,
/// `ReduceLROnPlateau`, a linear warm-up). The literals in
/// GoldenSelectionValues.swift were produced by scripts/golden_selection.py,
/// whose inputs are repeated here.
final class GoldenSelectionTests: XCTestCase {
    func testClassWeightsChangeTheLossAsCrossEntropyLossWeightDoes() {
        let labels = [2, 0, 3, 2, 1], weights: [Float] = [0.5, 2.0, 1.0, 3.0]
        let logits = FloatBuffer((0 ..< 5).flatMap { r in (0 ..< 4).map { j in Float(sin(0.9 * Double(r) + 0.4 * Double(j)) * 2) } })
        let grad = FloatBuffer(count: 20)
        let weightSum = labels.reduce(0) { $0 + weights[$1] }
        let r = SoftmaxCrossEntropy.forwardBackward(logits: logits.matrix(rows: 5, cols: 4), labels: { labels[$0] },
                                                    dLogits: grad.matrix(rows: 5, cols: 4), gradScale: 1 / weightSum, weights: weights)
        XCTAssertEqual(r.weightSum, Double(weightSum), accuracy: 1e-6)
        XCTAssertEqual(r.lossSum / r.weightSum, goldenWeightedLoss, accuracy: 1e-5)
        assertClose(grad.array, goldenWeightedGrad.map(Float.init), abs: 1e-6, rel: 1e-5, "dLogits")
        // Without weights the same rows give the plain mean, a different loss.
        let plain = SoftmaxCrossEntropy.forwardBackward(logits: logits.matrix(rows: 5, cols: 4), labels: { labels[$0] }, dLogits: nil, gradScale: 1)
        XCTAssertEqual(plain.weightSum, 5)
        XCTAssertGreaterThan(abs(plain.lossSum / 5 - goldenWeightedLoss), 0.01)
    }

    /// The rate of each update of a run of `steps` updates in epochs of 4.
    func rates(_ s: LearningRateSchedule, steps: Int, totalSteps: Int, losses: [Double] = []) -> [Double] {
        var plateau = PlateauState(), out: [Double] = []
        for t in 1 ... steps {
            let epoch = (t - 1) / 4 + 1
            out.append(s.rate(base: 0.1, step: t, epoch: epoch, totalSteps: totalSteps, plateau: plateau))
            if t % 4 == 0, epoch <= losses.count { plateau.observe(loss: losses[epoch - 1], schedule: s, base: 0.1) }
        }
        return out
    }

    func assertRates(_ a: [Double], _ b: [Double], _ what: String) {
        XCTAssertEqual(a.count, b.count, what)
        for (i, (x, y)) in zip(a, b).enumerated() { XCTAssertEqual(x, y, accuracy: 1e-12, "\(what) update \(i + 1)") }
    }

    func testEverySchedulesRatePerUpdateMatchesPyTorch() {
        var cosine = LearningRateSchedule(kind: .cosine)
        cosine.minRate = 0.001
        assertRates(rates(cosine, steps: 12, totalSteps: 12), goldenCosineRates, "cosine")
        var step = LearningRateSchedule(kind: .step)
        step.stepSize = 2
        step.gamma = 0.5
        assertRates(rates(step, steps: 20, totalSteps: 20), goldenStepRates, "step")
        var plateau = LearningRateSchedule(kind: .plateau)
        plateau.factor = 0.5
        plateau.patience = 1
        assertRates(rates(plateau, steps: 32, totalSteps: 32, losses: goldenPlateauLosses), goldenPlateauRates, "plateau")
        var warm = LearningRateSchedule(kind: .cosine)
        warm.warmupSteps = 5
        assertRates(rates(warm, steps: 20, totalSteps: 20), goldenWarmupCosineRates, "warm-up + cosine")
        XCTAssertEqual(rates(LearningRateSchedule(), steps: 9, totalSteps: 9), Array(repeating: 0.1, count: 9))
    }
}
