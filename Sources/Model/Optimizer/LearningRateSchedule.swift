#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif

/// How the learning rate moves during a run (stored in checkpoints as JSON).
/// The rate of every update is a pure function of (update number, epoch,
/// plateau state), so a resumed run continues the schedule exactly.
///
/// With `warmupSteps` w > 0, update t (1-based) is scaled by t / w while
/// t <= w (linear warm-up). Then, for the base rate `lr`:
///
///     constant  lr
///     cosine    eta_min + (lr - eta_min) (1 + cos(pi k / T)) / 2, k = t - 1 - w
///               post-warm-up updates taken, T = updates in `cosineEpochs`
///               epochs - w (CosineAnnealingLR stepped once per update,
///               T_max = T; eta_min after T)
///     step      lr * gamma^floor(e / stepSize), e = 0-based epoch (StepLR
///               stepped once per epoch)
///     plateau   lr * factor^reductions: ReduceLROnPlateau on the validation
///               loss after each epoch (mode min, relative threshold 1e-4,
///               cooldown 0, floor minRate), see `PlateauState`
public struct LearningRateSchedule: Equatable, Sendable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable { case constant, cosine, step, plateau }

    public var kind: Kind = .constant
    public var warmupSteps = 0
    /// step: epochs between reductions; gamma: their factor.
    public var stepSize = 1
    public var gamma = 0.1
    /// plateau: the factor, and how many epochs without improvement are tolerated.
    public var factor = 0.1
    public var patience = 10
    /// cosine: eta_min; plateau: min_lr.
    public var minRate = 0.0
    /// cosine: the epochs from the peak to eta_min (fixed when a run starts,
    /// so a resumed run with more --epochs keeps the curve); 0: the run's epochs.
    public var cosineEpochs = 0

    public init(kind: Kind = .constant) { self.kind = kind }

    /// The rate of update `step` (1-based) in `epoch` (1-based), out of
    /// `totalSteps` updates in the run.
    public func rate(base lr: Double, step t: Int, epoch: Int, totalSteps: Int, plateau: PlateauState = PlateauState()) -> Double {
        var r: Double
        switch kind {
        case .constant: r = lr
        case .cosine:
            let span = max(totalSteps - warmupSteps, 1)
            let k = Double(min(max(t - 1 - warmupSteps, 0), span))
            r = minRate + (lr - minRate) * (1 + cos(Double.pi * k / Double(span))) / 2
        case .step: r = lr * pow(gamma, Double((epoch - 1) / max(stepSize, 1)))
        case .plateau: r = lr * plateau.scale
        }
        if warmupSteps > 0 && t <= warmupSteps { r *= Double(t) / Double(warmupSteps) }
        return r
    }

    /// "cosine, warm-up 100 steps" for the run summary.
    public var description: String {
        var s: String
        switch kind {
        case .constant: s = "constant"
        case .cosine: s = "cosine to \(minRate) over \(cosineEpochs) epochs"
        case .step: s = "step (x\(gamma) every \(stepSize) epoch\(stepSize == 1 ? "" : "s"))"
        case .plateau: s = "plateau (x\(factor) after \(patience) epoch\(patience == 1 ? "" : "s") without a better validation loss)"
        }
        return warmupSteps > 0 ? s + ", warm-up \(warmupSteps) steps" : s
    }
}

/// ReduceLROnPlateau's state (mode min, threshold 1e-4 relative, cooldown
/// 0): the best loss so far, epochs since it, and the factor applied to the
/// base rate. Saved in checkpoints so a resumed run reduces on the same epoch.
public struct PlateauState: Equatable, Sendable, Codable {
    public var best = Double.infinity
    public var badEpochs = 0
    public var scale = 1.0

    public init() {}

    /// After an epoch with validation loss `loss`: a loss below best * (1 -
    /// 1e-4) is an improvement; more than `patience` epochs without one
    /// multiply the rate by `factor` (not below `minRate`) and restart the count.
    public mutating func observe(loss: Double, schedule s: LearningRateSchedule, base lr: Double) {
        guard loss.isFinite else { return }
        if loss < best * (1 - 1e-4) {
            best = loss
            badEpochs = 0
        } else {
            badEpochs += 1
        }
        guard badEpochs > s.patience else { return }
        let old = lr * scale, new = max(old * s.factor, s.minRate)
        if old - new > 1e-8 { scale = new / lr }
        badEpochs = 0
    }
}
