import Corpus
import TensorCore

/// How to train a character language model.
public struct CharLMOptions: Sendable {
    public var epochs = 3
    /// Contiguous streams the text is cut into: the batch size.
    public var streams = 32
    /// Characters per window: how far gradients flow back.
    public var steps = 200
    public var optimizer = OptimizerSpec()
    public var clipNorm: Float?
    public var seed: UInt64 = 1
    /// Threads that run the shards.
    public var threads = 1
    /// S, the contiguous shares of the streams (`ShardLayout`): the same S
    /// gives the same bits on any threads and ranks. nil: one per thread of
    /// every rank (at most the streams).
    public var shards: Int?
    /// The ranks of a data-parallel run (nil: this process alone). The
    /// streams are cut into S shards; this rank runs (and carries the
    /// state of) its S / ranks contiguous shares.
    public var group: (any RankGroup)?

    public init() {}

    /// S as the run uses it: `shards`, or threads x ranks (each rank at
    /// most as many as it has streams).
    public var shardCount: Int {
        let ranks = group?.size ?? 1
        return shards ?? min(threads, streams / ranks) * ranks
    }
}

/// Trains a character language model with truncated backpropagation
/// through time (char-rnn; the tutorial's `ptb_iterator` loop):
///
///     text -> S streams -> windows [T x S] -> network (per-step head) -> next char
///
/// Each window starts from the state the previous window ended in (per
/// stream, `states`), and no gradient crosses the window boundary; the state
/// is zero at the start of every epoch. The loss is the mean over the
/// window's T*S characters (the tutorial's `reduce_mean`); an epoch's loss is
/// the mean over its windows. Workers take disjoint stream ranges, run the
/// same `NetworkWorker` path as classify and seq2seq, and hand their
/// gradients to the `GradientPath`.
///
/// The streams are cut into S contiguous shares (`ShardLayout`), one worker
/// each; across ranks (`options.group`) rank r runs shares r*m ..< (r+1)*m,
/// so 1 thread, T threads and R ranks run the same shares (dropout is keyed
/// by stream) and sum them by the same tree. Each rank carries the state of
/// its own streams; the checkpoint holds all of them, in stream order,
/// whatever the rank count.
public final class CharLMTrainer: @unchecked Sendable {
    public let network: SequenceNetwork
    public let options: CharLMOptions
    public let optimizer: any Optimizer
    /// One worker per shard of this rank.
    public let workers: [NetworkWorker]
    public let gradientPath: GradientPath
    /// The shards, and which of them this rank runs on which thread.
    public let layout: ShardLayout
    public let train: CharStreams
    public let validation: CharStreams?
    /// The carried state of each worker's streams (`[L]` x `[rows x H]`).
    public let states: [StackState]
    /// Streams of each of this rank's workers, for training and for validation.
    let trainRanges: [Range<Int>], validationRanges: [Range<Int>]
    /// The streams of every shard (rank r's: `r*m ..< (r+1)*m`).
    let allTrainRanges: [Range<Int>]
    /// Stage 2 of the gradient path across ranks (nil in one process).
    public let rankReduction: RankReduction?
    /// Each worker's window ids (one object each: workers fill them at once).
    private let windows: [WindowIDs]
    private let outcomes: ShardOutcomes

    /// `validation` is held-out text read with the same window length by up
    /// to `streams` streams of at least `steps` characters each.
    public init(network: SequenceNetwork, train: ArraySlice<Int32>, validation: ArraySlice<Int32>?, options: CharLMOptions) {
        precondition(options.threads >= 1 && options.streams >= 1 && options.steps >= 1)
        self.network = network
        self.options = options
        self.train = CharStreams(ids: train, streams: options.streams, steps: options.steps)
        precondition(self.train.windows >= 1, "text too short for one window")
        self.validation = validation.flatMap { v in
            let streams = max(1, min(options.streams, v.count / options.steps))
            let s = CharStreams(ids: v, streams: streams, steps: options.steps, partialLast: true)
            return s.windows > 0 ? s : nil
        }
        BLASRuntime.setThreads(1)
        optimizer = options.optimizer.make(parameterCount: network.layout.totalCount)
        let ranks = options.group?.size ?? 1
        precondition(options.streams >= ranks, "every rank needs a stream")
        layout = ShardLayout(shards: options.shardCount, ranks: ranks, rank: options.group?.rank ?? 0, threads: options.threads)
        let s = layout.shards, mine = layout.first ..< layout.first + layout.perRank
        allTrainRanges = CharLMTrainer.split(options.streams, into: s)
        trainRanges = Array(allTrainRanges[mine])
        validationRanges = Array(CharLMTrainer.split(self.validation?.streams ?? s, into: s)[mine])
        let perWorker = max(trainRanges.map(\.count).max()!, 1)
        let workers = mine.map { _ in NetworkWorker(network: network, maxRows: perWorker, maxLength: options.steps) }
        self.workers = workers
        states = mine.map { _ in StackState(stack: network.stack, rows: perWorker) }
        windows = mine.map { _ in WindowIDs() }
        outcomes = ShardOutcomes(count: mine.count, group: options.group)
        gradientPath = GradientPath(network: network, workers: workers, optimizer: optimizer, clipNorm: options.clipNorm,
                                    threads: options.threads)
        rankReduction = options.group.map { RankReduction(group: $0, network: network, owner: workers[0]) }
        rankReduction?.attach(to: gradientPath)
    }

    /// `0 ..< total` in `n` contiguous ranges of near-equal size (an empty
    /// range when there are fewer items than parts).
    static func split(_ total: Int, into n: Int) -> [Range<Int>] {
        (0 ..< n).map { k in total * k / n ..< total * (k + 1) / n }
    }

    /// Zeroes every carried state (the start of an epoch).
    public func resetState() {
        for s in states {
            s.h.base.update(repeating: 0, count: s.h.count)
            if let c = s.c { c.base.update(repeating: 0, count: c.count) }
        }
    }

    /// Trains epoch `epoch` (windows in order), then scores the validation
    /// text. `resuming` carries on an interrupted epoch: its first
    /// `batchesDone` windows are skipped and `states` must hold the state
    /// saved with it; otherwise the state starts at zero. `shouldStop`,
    /// asked before every window, ends the epoch early (no validation).
    public func trainEpoch(_ epoch: Int, resuming: EpochTally = EpochTally(), progress: ((BatchProgress) -> Void)? = nil,
                           shouldStop: (() -> Bool)? = nil) -> EpochStats {
        let clock = ContinuousClock(), start = clock.now
        var t = resuming
        if t.batchesDone == 0 { resetState() }
        var nonFinite: Int?
        for w in t.batchesDone ..< train.windows {
            if stopAgreed(shouldStop) { break }
            let o = trainWindow(w)
            t.lossSum += o.lossSum
            guard o.lossSum.isFinite else { nonFinite = w + 1; break }
            t.correct += o.correct; t.scored += o.count; t.tokens += o.tokens; t.padded += o.tokens
            t.batchesDone = w + 1
            progress?(BatchProgress(batch: w + 1, batches: train.windows, runningLoss: t.lossSum / Double(max(t.scored, 1)),
                                    runningAccuracy: Double(t.correct) / Double(max(t.scored, 1)),
                                    elapsedSeconds: seconds(clock.now - start), tally: t))
        }
        t.seconds = resuming.seconds + seconds(clock.now - start)
        gradientPath.gatherOptimizerState()
        let evalStart = clock.now
        let finished = t.batchesDone == train.windows
        let test = finished && validation != nil ? evaluate() : (loss: Double.nan, accuracy: Double.nan, count: 0)
        return EpochStats(epoch: epoch, trainLoss: t.lossSum / Double(max(t.scored, 1)),
                          trainAccuracy: Double(t.correct) / Double(max(t.scored, 1)),
                          testLoss: test.loss, testAccuracy: test.accuracy, trainSeconds: t.seconds,
                          evalSeconds: seconds(clock.now - evalStart), tokens: t.tokens, batches: train.windows,
                          paddingShare: 0, tally: t, nonFiniteBatch: nonFinite)
    }

    /// One optimisation step on window w of every stream, from the carried
    /// state (which moves on to the window's end).
    @discardableResult
    public func trainWindow(_ w: Int) -> NetworkWorker.Outcome {
        let scale = 1 / Float(train.length(ofWindow: w) * train.streams)
        let key = DropoutKey(seed: options.seed, step: UInt64(optimizer.step + 1))
        run(train, window: w, ranges: trainRanges, dropoutKey: key, gradScale: scale)
        gradientPath.apply(activeWorkers: workers.count, activeRanks: layout.ranks)
        return outcomes.total(active: workers.count)
    }

    /// Loss per character (nats), next-character accuracy and characters
    /// scored on the validation text, from a zero state, without dropout.
    /// Leaves `states` at the end of the validation streams.
    public func evaluate() -> (loss: Double, accuracy: Double, count: Int) {
        guard let v = validation else { return (.nan, .nan, 0) }
        resetState()
        var lossSum = 0.0, correct = 0, count = 0
        for w in 0 ..< v.windows {
            run(v, window: w, ranges: validationRanges, dropoutKey: nil, gradScale: 1)
            let o = outcomes.total(active: workers.count)
            lossSum += o.lossSum; correct += o.correct; count += o.count
        }
        return (lossSum / Double(count), Double(correct) / Double(count), count)
    }

    /// Every worker runs window w of its streams from its carried state.
    private func run(_ s: CharStreams, window w: Int, ranges: [Range<Int>], dropoutKey: DropoutKey?, gradScale: Float) {
        layout.run(workers.count) { k in
            let rows = ranges[k]
            guard !rows.isEmpty else { // fewer streams than shards: this one adds zeros
                if dropoutKey != nil { self.workers[k].clearGradients(recording: false) }
                self.outcomes.slots[k] = NetworkWorker.Outcome()
                return
            }
            let ids = self.windows[k], worker = self.workers[k]
            s.fill(window: w, rows: rows, inputs: &ids.inputs, targets: &ids.targets)
            ids.inputs.withUnsafeBufferPointer { x in
                ids.targets.withUnsafeBufferPointer { y in
                    worker.batch.fillUniform(rows: rows.count, ids: x, stepLabels: y, firstRow: rows.lowerBound)
                }
            }
            self.outcomes.slots[k] = worker.run(dropoutKey: dropoutKey, gradScale: gradScale, carried: self.states[k])
        }
    }

    /// `shouldStop`, agreed by every rank: all stop at the same window when
    /// any asks (nothing to agree in one process).
    private func stopAgreed(_ shouldStop: (() -> Bool)?) -> Bool {
        let local = shouldStop?() ?? false
        return options.group?.any(local) ?? local
    }
}

/// One worker's window: inputs and targets, time-major `[T x b]`.
final class WindowIDs {
    var inputs: [Int32] = [], targets: [Int32] = []
}

extension CharLMTrainer {
    /// The carried state as checkpoint tensors `charlm.state.h` (and `.c`),
    /// `[L x S x H]`, streams in order (for resuming mid-epoch), the same
    /// tensors whatever the rank count. Across ranks every rank must call it
    /// (an allgather of each rank's streams); every rank gets the whole state.
    public func stateTensors() -> [String: Safetensors.Tensor] {
        var out = ["charlm.state.h": gatherState { $0.h }!]
        if let c = gatherState({ $0.c }) { out["charlm.state.c"] = c }
        return out
    }

    /// One carried vector of every stream, `[L x S x H]`; nil when the
    /// cell carries no such vector.
    private func gatherState(_ pick: (StackState) -> FloatBuffer?) -> Safetensors.Tensor? {
        let l = network.spec.layers, h = network.spec.hiddenSize, s = options.streams
        guard pick(states[0]) != nil else { return nil }
        // This rank's streams [L x mine x H], padded to the widest rank's share.
        let n = trainRanges.count, ranks = options.group?.size ?? 1
        let widest = (0 ..< ranks).map { r in allTrainRanges[r * n ..< (r + 1) * n].reduce(0) { $0 + $1.count } }.max()!
        var mine = [Float](repeating: 0, count: l * widest * h)
        for layer in 0 ..< l {
            var at = layer * widest * h
            for (k, rows) in trainRanges.enumerated() {
                let base = pick(states[k])!.base + layer * states[k].rows * h
                for i in 0 ..< rows.count * h { mine[at + i] = base[i] }
                at += rows.count * h
            }
        }
        var all = mine
        if let group = options.group {
            all = [Float](repeating: 0, count: mine.count * ranks)
            mine.withUnsafeBufferPointer { m in
                all.withUnsafeMutableBufferPointer { group.allgather(m.baseAddress!, count: m.count, into: $0.baseAddress!) }
            }
        }
        var values = [Float](repeating: 0, count: l * s * h)
        for r in 0 ..< ranks {
            let streams = allTrainRanges[r * n].lowerBound ..< allTrainRanges[(r + 1) * n - 1].upperBound
            for layer in 0 ..< l {
                let src = (r * l + layer) * widest * h, dst = (layer * s + streams.lowerBound) * h
                for i in 0 ..< streams.count * h { values[dst + i] = all[src + i] }
            }
        }
        return Safetensors.Tensor(shape: [l, s, h], values: values)
    }

    /// Restores the carried state saved by `stateTensors`; false when the
    /// tensors are missing or of another shape.
    public func restoreState(_ tensors: [String: Safetensors.Tensor]) -> Bool {
        let l = network.spec.layers, h = network.spec.hiddenSize, s = options.streams
        func scatter(_ name: String, _ pick: (StackState) -> FloatBuffer?) -> Bool {
            guard let t = tensors[name], t.shape == [l, s, h] else { return false }
            for layer in 0 ..< l {
                for (k, rows) in trainRanges.enumerated() {
                    guard let b = pick(states[k]) else { return false }
                    let src = (layer * s + rows.lowerBound) * h
                    t.values.withUnsafeBufferPointer { (b.base + layer * states[k].rows * h).update(from: $0.baseAddress! + src, count: rows.count * h) }
                }
            }
            return true
        }
        return scatter("charlm.state.h") { $0.h } && (states[0].c == nil || scatter("charlm.state.c") { $0.c })
    }
}
