import Corpus
import TensorCore

/// How a text is cut into windows (charlm).
public struct WindowOptions: Sendable {
    /// Contiguous streams the text is cut into: the batch size.
    public var streams = 32
    /// Characters per window: how far gradients flow back.
    public var steps = 200

    public init() {}
}

/// The batch source of a character language model trained with truncated
/// backpropagation through time (char-rnn; the tutorial's `ptb_iterator`
/// loop):
///
///     text -> S streams -> windows [T x S] -> network (per-step head) -> next char
///
/// Each window starts from the state the previous window ended in (per
/// stream, `states`), and no gradient crosses the window boundary; the state
/// is zero at the start of every epoch. The loss is the mean over the
/// window's T*S characters (the tutorial's `reduce_mean`); an epoch's loss is
/// the mean over its windows.
///
/// The streams are cut into S contiguous shares (`ShardLayout`), one worker
/// each; across ranks rank r runs shares r*m ..< (r+1)*m, so 1 thread, T
/// threads and R ranks run the same shares (dropout is keyed by stream) and
/// sum them by the same tree. Each rank carries the state of its own
/// streams; the checkpoint holds all of them, in stream order, whatever the
/// rank count.
public final class TextWindows: BatchSource, @unchecked Sendable {
    public let options: WindowOptions
    public let train: CharStreams
    public let validation: CharStreams?
    /// The carried state of each worker's streams (`[L]` x `[rows x H]`).
    public private(set) var states: [StackState] = []
    /// Streams of each of this rank's workers, for training and for validation.
    private(set) var trainRanges: [Range<Int>] = [], validationRanges: [Range<Int>] = []
    /// The streams of every shard (rank r's: `r*m ..< (r+1)*m`).
    private(set) var allTrainRanges: [Range<Int>] = []
    /// Each worker's window ids (one object each: workers fill them at once).
    private var windows: [WindowIDs] = []
    private var team: WorkerTeam!
    private var network: SequenceNetwork!
    private var group: (any RankGroup)?

    /// `validation` is held-out text read with the same window length by up
    /// to `streams` streams of at least `steps` characters each.
    public init(train: ArraySlice<Int32>, validation: ArraySlice<Int32>?, options: WindowOptions) {
        precondition(options.streams >= 1 && options.steps >= 1)
        self.options = options
        self.train = CharStreams(ids: train, streams: options.streams, steps: options.steps)
        precondition(self.train.windows >= 1, "text too short for one window")
        self.validation = validation.flatMap { v in
            let streams = max(1, min(options.streams, v.count / options.steps))
            let s = CharStreams(ids: v, streams: streams, steps: options.steps, partialLast: true)
            return s.windows > 0 ? s : nil
        }
    }

    /// `shards`, or one per thread of every rank, each rank at most as many
    /// as it has streams.
    public func shardCount(_ o: TrainingOptions) -> Int {
        let ranks = o.group?.size ?? 1
        precondition(options.streams >= ranks, "every rank needs a stream")
        return o.shards ?? min(o.threads, options.streams / ranks) * ranks
    }

    public func workerSize(layout: ShardLayout) -> (rows: Int, length: Int) {
        let mine = TextWindows.split(options.streams, into: layout.shards)[layout.first ..< layout.first + layout.perRank]
        return (max(mine.map(\.count).max()!, 1), options.steps)
    }

    public func attach(_ team: WorkerTeam, options training: TrainingOptions) {
        let layout = team.layout, mine = layout.first ..< layout.first + layout.perRank
        (self.team, network, group) = (team, team.workers[0].network, training.group)
        allTrainRanges = TextWindows.split(options.streams, into: layout.shards)
        trainRanges = Array(allTrainRanges[mine])
        validationRanges = Array(TextWindows.split(validation?.streams ?? layout.shards, into: layout.shards)[mine])
        let rows = workerSize(layout: layout).rows
        states = mine.map { _ in StackState(stack: network.stack, rows: rows) }
        windows = mine.map { _ in WindowIDs() }
    }

    /// `0 ..< total` in `n` contiguous ranges of near-equal size (an empty
    /// range when there are fewer items than parts).
    static func split(_ total: Int, into n: Int) -> [Range<Int>] {
        (0 ..< n).map { k in total * k / n ..< total * (k + 1) / n }
    }

    public func batchCount(epoch: Int) -> Int { train.windows }

    /// The state starts at zero unless the epoch continues (its carried
    /// state restored by `restoreState`).
    public func startEpoch(_ epoch: Int, resuming: Bool) -> Int {
        if !resuming { resetState() }
        return train.windows
    }

    /// Zeroes every carried state.
    public func resetState() {
        for s in states {
            s.h.base.update(repeating: 0, count: s.h.count)
            if let c = s.c { c.base.update(repeating: 0, count: c.count) }
        }
    }

    /// Window w of every stream, from the carried state (which moves on to
    /// the window's end).
    public func runBatch(_ w: Int, dropoutKey: DropoutKey) -> BatchRun {
        let scale = 1 / Float(train.length(ofWindow: w) * train.streams)
        run(train, window: w, ranges: trainRanges, dropoutKey: dropoutKey, gradScale: scale)
        return BatchRun(workers: team.workers.count, ranks: team.layout.ranks, padded: nil)
    }

    public func evaluateHeldOut() -> (test: HeldOutFigures, val: HeldOutFigures) {
        (HeldOutFigures(), validation == nil ? HeldOutFigures() : evaluate())
    }

    /// Loss per character (nats), next-character accuracy and characters
    /// scored on the validation text, from a zero state, without dropout.
    /// Leaves `states` at the end of the validation streams.
    public func evaluate() -> HeldOutFigures {
        guard let v = validation else { return HeldOutFigures() }
        resetState()
        var lossSum = 0.0, correct = 0, count = 0
        for w in 0 ..< v.windows {
            run(v, window: w, ranges: validationRanges, dropoutKey: nil, gradScale: 1)
            let o = team.total(active: team.workers.count)
            lossSum += o.lossSum; correct += o.correct; count += o.count
        }
        return HeldOutFigures(loss: lossSum / Double(count), accuracy: Double(correct) / Double(count), count: count)
    }

    /// Every worker runs window w of its streams from its carried state.
    private func run(_ s: CharStreams, window w: Int, ranges: [Range<Int>], dropoutKey: DropoutKey?, gradScale: Float) {
        team.run(team.workers.count) { k in
            let rows = ranges[k], worker = self.team.workers[k]
            guard !rows.isEmpty else { // fewer streams than shards: this one adds zeros
                if dropoutKey != nil { worker.clearGradients(recording: false) }
                return NetworkWorker.Outcome()
            }
            let ids = self.windows[k]
            s.fill(window: w, rows: rows, inputs: &ids.inputs, targets: &ids.targets)
            ids.inputs.withUnsafeBufferPointer { x in
                ids.targets.withUnsafeBufferPointer { y in
                    worker.batch.fillUniform(rows: rows.count, ids: x, stepLabels: y, firstRow: rows.lowerBound)
                }
            }
            return worker.run(dropoutKey: dropoutKey, gradScale: gradScale, carried: self.states[k])
        }
    }
}

/// One worker's window: inputs and targets, time-major `[T x b]`.
final class WindowIDs {
    var inputs: [Int32] = [], targets: [Int32] = []
}

extension TextWindows {
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
        let n = trainRanges.count, ranks = group?.size ?? 1
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
        if let group {
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
