import Corpus
import Model
import TensorCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The epochs of `rnntrain charlm`: per epoch the line (loss, bits per
/// character, perplexity, characters/s, for training and validation), a
/// sample, the metrics line and chart (`EpochOutputs`), the checkpoint
/// (best by validation loss with --save-best); Ctrl-C saves the stream
/// position, the running sums and the carried state, and exits 130.
final class CharLMSession {
    let plan: CharLMPlan
    let console: Console
    let network: SequenceNetwork
    let trainer: CharLMTrainer
    var firstEpoch = 1
    var partial = EpochTally()
    var best = (epoch: 0, loss: Double.infinity)
    var outputs: EpochOutputs!

    init(plan: CharLMPlan, console: Console) throws {
        self.plan = plan
        self.console = console
        network = SequenceNetwork(spec: plan.model, seed: plan.options.seed)
        let ids = plan.text.ids
        trainer = CharLMTrainer(network: network, train: ids[0 ..< plan.trainCount],
                                validation: plan.validationCount > 0 ? ids[plan.trainCount...] : nil, options: plan.options)
        if let resumed = plan.resumed { try restore(resumed) }
        outputs = EpochOutputs(metricsPath: plan.metricsPath, plotPath: plan.plotPath, runName: plan.runName, firstEpoch: firstEpoch)
    }

    private func restore(_ resumed: (path: String, checkpoint: Checkpoint, record: RunRecord)) throws {
        try resumed.checkpoint.restore(into: network, optimizer: trainer.optimizer, path: resumed.path)
        let progress = resumed.record.progress
        firstEpoch = progress.epoch + 1
        partial = progress.partial ?? EpochTally()
        if let e = progress.bestValEpoch, let l = progress.bestValLoss { best = (e, l) }
        guard firstEpoch <= plan.options.epochs else {
            throw UsageError("\(resumed.path) is already at epoch \(progress.epoch); ask for more --epochs to continue")
        }
        if partial.batchesDone > 0 && !trainer.restoreState(resumed.checkpoint.tensors) {
            throw DataError(file: resumed.path, line: 0, "the checkpoint was saved mid-epoch but lacks its carried state (charlm.state.h)")
        }
    }

    var epochs: Int { plan.options.epochs }

    func run() throws -> Int32 {
        if !plan.quiet { printSummary() }
        if let resumed = plan.resumed, !plan.quiet {
            console.note(resumeNote(path: resumed.path, epoch: firstEpoch, partial: partial, unit: "window",
                                    optimizerStep: trainer.optimizer.step))
        }
        Interruption.install()
        defer { Interruption.uninstall() }
        let progress = ProgressBar(console: console, enabled: console.errIsTerminal && !plan.quiet)
        for epoch in firstEpoch ... epochs {
            let s = trainer.trainEpoch(epoch, resuming: epoch == firstEpoch ? partial : EpochTally(),
                                       progress: progress.callback(epoch: epoch, of: epochs), shouldStop: { Interruption.requested })
            progress.clear()
            if let window = s.nonFiniteBatch {
                throw RuntimeError("epoch \(epoch), window \(window): the training loss is no longer finite; stopped without saving. "
                    + "Try --clip 5 or a lower --lr (now \(trainer.optimizer.learningRate))")
            }
            if s.interrupted { return try saveInterrupted(s, epoch: epoch) }
            console.line(CharLMSession.epochLine(s, of: epochs, validation: trainer.validation != nil))
            if plan.sampleLength > 0 && writesFiles { console.line("  sample: " + CharLMSession.oneLine(sample(epoch: epoch))) }
            try record(s)
        }
        finish()
        return RNNTrain.ExitCode.ok
    }

    /// `Epoch 1/3 - loss 3.1162 - bpc 4.4957 - ppl 22.56 - val loss ... - 12.3 s - 81,234 chars/s`
    static func epochLine(_ s: EpochStats, of epochs: Int, validation: Bool) -> String {
        func figures(_ prefix: String, _ loss: Double) -> String {
            "\(prefix)loss \(Format.fixed(loss, 4)) - \(prefix)bpc \(Format.fixed(loss / log(2.0), 4)) - \(prefix)ppl \(Format.fixed(exp(loss), 2))"
        }
        var line = "Epoch \(s.epoch)/\(epochs) - " + figures("", s.trainLoss)
        if validation { line += " - " + figures("val ", s.testLoss) }
        return line + " - \(Format.duration(s.trainSeconds)) - \(Format.grouped(Int(s.tokensPerSecond.rounded()))) chars/s"
    }

    /// Line breaks shown as ⏎ so that a sample stays on one line of the log.
    static func oneLine(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for u in text.unicodeScalars { if u == "\n" { out.append("⏎") } else if u != "\r" { out.append(u) } }
        return String(out)
    }

    /// `sampleLength` characters at temperature 0.8 after the text's first
    /// character, from a generator sharing the weights (seeded per epoch).
    func sample(epoch: Int) -> String {
        let generator = CharGenerator(network: network)
        var rng = RNG.derived(seed: plan.options.seed, RandomStream.sampling, UInt64(epoch))
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

    func runRecord(epoch: Int) -> RunRecord {
        var progress = RunProgress(epoch: epoch, optimizerStep: trainer.optimizer.step)
        if best.epoch > 0 { progress.bestValEpoch = best.epoch; progress.bestValLoss = best.loss }
        return RunRecord(model: network.spec, optimizer: trainer.optimizer.spec, settings: plan.settings, progress: progress)
    }

    /// After a finished epoch: metrics line, chart, checkpoint.
    func record(_ s: EpochStats) throws {
        let validation = trainer.validation != nil
        if writesFiles { try outputs.add(MetricsRecord(run: plan.runName, epoch: s.epoch, trainLoss: s.trainLoss, trainAccuracy: s.trainAccuracy,
                                      testLoss: validation ? s.testLoss : nil, testAccuracy: validation ? s.testAccuracy : nil,
                                      seconds: (s.trainSeconds * 1000).rounded() / 1000, tokensPerSecond: s.tokensPerSecond.rounded(),
                                      learningRate: Double("\(trainer.optimizer.learningRate)"), task: "charlm",
                                      batching: "streams", batchSize: plan.options.streams)) }
        let improved = validation && s.testLoss < best.loss
        if improved { best = (s.epoch, s.testLoss) }
        guard writesFiles, let path = plan.savePath, improved || !plan.saveBest else { return }
        var r = runRecord(epoch: s.epoch)
        if validation { r.progress.testAccuracy = s.testAccuracy }
        try Checkpoint(network: network, optimizer: trainer.optimizer, record: r).write(to: path)
        if !plan.quiet { console.note("saved \(path) (epoch \(s.epoch))") }
    }

    /// Ctrl-C: the window position, running sums and carried state go into
    /// the checkpoint (with --save-best beside the best model, never over it).
    func saveInterrupted(_ s: EpochStats, epoch: Int) throws -> Int32 {
        // Every rank hands its streams' state over; rank 0 writes.
        let state = plan.savePath == nil ? [:] : trainer.stateTensors()
        return try saveInterruptedRun(position: "epoch \(epoch), after window \(s.tally.batchesDone) of \(s.batches)",
                                      savePath: writesFiles ? plan.savePath : nil, besideBest: plan.saveBest, console: console) {
            var r = runRecord(epoch: epoch - 1)
            r.progress.partial = s.tally
            var checkpoint = try Checkpoint(network: network, optimizer: trainer.optimizer, record: r)
            checkpoint.tensors.merge(state) { _, new in new }
            return checkpoint
        }
    }

    func printSummary() {
        let t = plan.text, o = plan.options, s = network.spec
        console.note("text: \(plan.textPath), \(Format.grouped(t.count)) characters, \(t.vocabulary.count) distinct")
        console.note("split: \(Format.grouped(plan.trainCount)) train / \(Format.grouped(plan.validationCount)) validation (the end of the text)")
        console.note("windows: \(o.streams) streams x \(o.steps) steps, \(trainer.train.windows) windows per epoch, state carried between windows")
        var model = "embedding \(s.vocabularySize)x\(s.embedDim), \(s.cellDescription), linear to \(s.numClasses) characters"
        if s.layers > 1 && s.layerKeepProb < 1 { model += ", keep \(Format.fixed(Double(s.layerKeepProb), 2)) between layers" }
        if s.keepProb < 1 { model += ", keep \(Format.fixed(Double(s.keepProb), 2)) on the top output" }
        console.note("model: \(model), \(Format.grouped(network.parameterCount)) parameters")
        console.note("training: \(trainer.optimizer.spec.description), \(o.epochs) epoch\(o.epochs == 1 ? "" : "s"), "
            + TrainCommand.parallelText(threads: o.threads, layout: trainer.layout)
            + (o.clipNorm.map { ", clip \($0)" } ?? "") + "; \(BLASEnvironment.kernelSummary())")
    }

    func finish() {
        guard !plan.quiet else { return }
        if let ranks = rankSummary { console.note(ranks) }
        if let path = plan.plotPath { console.note("learning curves: \(path)") }
        if best.epoch > 0 {
            console.note("best validation loss: \(Format.fixed(best.loss, 4)) (\(Format.fixed(best.loss / log(2.0), 4)) bpc) at epoch \(best.epoch)")
        }
        console.note("peak memory: \(Format.fixed(peakResidentMegabytes(), 1)) MB (max resident set)")
    }
}
