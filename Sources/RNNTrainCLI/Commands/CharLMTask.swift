import Corpus
import Model
import TensorCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension CharLMPlan: SessionPlan {
    var taskName: String { "charlm" }
    var earlyStop: Int? { nil }
    var selecting: Bool { outputs.saveBest }
    var progressLogSeconds: Double? { nil }
    var steps: StepOptions { StepOptions() }
    func makeTask() -> any SessionTask { CharLMTask(plan: self) }
}

/// A character language model in a `TrainSession`: the text's windows, the
/// epoch line in loss, bits per character, perplexity and characters/s
/// (training and validation), a sample after every epoch, and the carried
/// state in an interrupted checkpoint.
final class CharLMTask: SessionTask {
    let plan: CharLMPlan
    let windows: TextWindows

    init(plan: CharLMPlan) {
        self.plan = plan
        let ids = plan.text.ids
        windows = TextWindows(train: ids[0 ..< plan.trainCount], validation: plan.validationCount > 0 ? ids[plan.trainCount...] : nil,
                              options: plan.windows)
    }

    var source: any BatchSource { windows }
    var unit: String { "window" }
    var lossUnit: String { "" }
    var hasValidation: Bool { windows.validation != nil }

    /// A checkpoint saved mid-epoch carries the streams' state.
    func restore(_ resumed: (path: String, checkpoint: Checkpoint, record: RunRecord), partial: EpochTally) throws {
        if partial.batchesDone > 0 && !windows.restoreState(resumed.checkpoint.tensors) {
            throw DataError(file: resumed.path, line: 0, "the checkpoint was saved mid-epoch but lacks its carried state (charlm.state.h)")
        }
    }

    /// Every rank hands its streams' state over (an allgather).
    func interruptedTensors() -> [String: Safetensors.Tensor] { windows.stateTensors() }

    func bestNote(_ best: BestEpoch) -> String? {
        guard best.epoch > 0 else { return nil }
        return "best validation loss: \(Format.fixed(best.loss, 4)) (\(Format.fixed(best.loss / log(2.0), 4)) bpc) at epoch \(best.epoch)"
    }

    /// `Epoch 1/3 - loss 3.1162 - bpc 4.4957 - ppl 22.56 - val loss ... - 12.3 s - 81,234 chars/s`
    func epochLine(_ s: EpochStats, of epochs: Int) -> String {
        func figures(_ prefix: String, _ loss: Double) -> String {
            "\(prefix)loss \(Format.fixed(loss, 4)) - \(prefix)bpc \(Format.fixed(loss / log(2.0), 4)) - \(prefix)ppl \(Format.fixed(exp(loss), 2))"
        }
        var line = "Epoch \(s.epoch)/\(epochs) - " + figures("", s.trainLoss)
        if hasValidation { line += " - " + figures("val ", s.valLoss) }
        return line + " - \(Format.duration(s.trainSeconds)) - \(Format.grouped(Int(s.tokensPerSecond.rounded()))) chars/s"
    }

    /// The sample, on rank 0.
    func afterEpochLine(_ s: EpochStats, _ session: TrainSession) {
        guard plan.sampleLength > 0 && session.writesFiles else { return }
        session.console.line("  sample: " + CharLMTask.oneLine(sample(session.network, epoch: s.epoch)))
    }

    /// Line breaks shown as ⏎ so that a sample stays on one line of the log.
    static func oneLine(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for u in text.unicodeScalars { if u == "\n" { out.append("⏎") } else if u != "\r" { out.append(u) } }
        return String(out)
    }

    /// `sampleLength` characters at temperature 0.8 after the text's first
    /// character, from a generator sharing the weights (seeded per epoch).
    func sample(_ network: SequenceNetwork, epoch: Int) -> String {
        let generator = CharGenerator(network: network)
        var rng = RNG.derived(seed: plan.training.seed, RandomStream.sampling, UInt64(epoch))
        let vocabulary = plan.text.vocabulary
        var id = plan.text.ids[0]
        var out = String.UnicodeScalarView()
        out.append(vocabulary.scalars[Int(id)])
        for _ in 0 ..< plan.sampleLength {
            generator.feed(id)
            id = generator.sample(temperature: 0.8, rng: &rng)
            out.append(vocabulary.scalars[Int(id)])
        }
        return String(out)
    }

    func printSummary(_ session: TrainSession) {
        let t = plan.text, o = plan.training, w = plan.windows, s = session.network.spec, console = session.console
        console.note("text: \(plan.textPath), \(Format.grouped(t.count)) characters, \(t.vocabulary.count) distinct")
        console.note("split: \(Format.grouped(plan.trainCount)) train / \(Format.grouped(plan.validationCount)) validation (the end of the text)")
        console.note("windows: \(w.streams) streams x \(w.steps) steps, \(windows.train.windows) windows per epoch, state carried between windows")
        var model = "embedding \(s.vocabularySize)x\(s.embedDim), \(s.cellDescription), linear to \(s.numClasses) characters"
        if s.layers > 1 && s.layerKeepProb < 1 { model += ", keep \(Format.fixed(Double(s.layerKeepProb), 2)) between layers" }
        if s.keepProb < 1 { model += ", keep \(Format.fixed(Double(s.keepProb), 2)) on the top output" }
        console.note("model: \(model), \(Format.grouped(session.network.parameterCount)) parameters")
        console.note("training: \(session.trainer.optimizer.spec.description), \(o.epochs) epoch\(o.epochs == 1 ? "" : "s"), "
            + TrainCommand.parallelText(threads: o.threads, layout: session.trainer.layout)
            + (o.clipNorm.map { ", clip \($0)" } ?? "") + "; \(BLASEnvironment.kernelSummary())")
    }
}
