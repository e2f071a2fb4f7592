import TensorCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Generates text one character at a time from a character language model
/// (one stream): feed a prime, then sample the next character, feed it, and
/// so on. Every buffer is allocated here, once; a step allocates nothing:
///
///     id -> embedding row x [1 x E] -> RecurrentStack.step (carried state)
///        -> top [1 x H] -> Linear -> logits [1 x V] -> probabilities [V] -> sample
/// It holds its packed weights for its whole life (`holdPackedWeights`):
/// make a new one after the weights change.
public final class CharGenerator {
    public let network: SequenceNetwork
    /// Characters fed per pass when priming (longer primes go in chunks).
    public let chunk: Int
    let batch = PackedBatch()
    let state: StackState
    let workspace: RecurrentStack.Workspace
    /// x [C x E], logits [1 x V], probabilities and a scratch copy [V].
    let x: FloatBuffer, logits: FloatBuffer, probs: FloatBuffer, scratch: FloatBuffer
    private var one: [Int32] = [0]
    /// Whether the logits hold a prediction (something was fed).
    public private(set) var primed = false

    public init(network: SequenceNetwork, chunk: Int = 256) {
        precondition(network.spec.directions == 1 && network.spec.pooling == .perStep, "not a language model")
        self.network = network
        self.chunk = chunk
        let s = network.spec
        state = StackState(stack: network.stack, rows: 1)
        workspace = network.stack.makeWorkspace(maxRows: 1, maxTokens: chunk)
        workspace.holdPackedWeights()
        x = FloatBuffer(count: chunk * s.embedDim)
        logits = FloatBuffer(count: s.numClasses)
        probs = FloatBuffer(count: s.numClasses)
        scratch = FloatBuffer(count: s.numClasses)
    }

    public var vocabularySize: Int { network.spec.numClasses }

    /// Back to the zero state (the state a training epoch starts from).
    public func reset() {
        state.h.base.update(repeating: 0, count: state.h.count)
        if let c = state.c { c.base.update(repeating: 0, count: c.count) }
        primed = false
    }

    /// Runs `ids` through the network from the current state; the logits
    /// then predict the character after the last one.
    public func feed(_ ids: UnsafeBufferPointer<Int32>) {
        var start = 0
        while start < ids.count {
            let n = min(chunk, ids.count - start)
            run(UnsafeBufferPointer(rebasing: ids[start ..< start + n]))
            start += n
        }
    }

    /// Feeds one character (the single-step path).
    public func feed(_ id: Int32) {
        one[0] = id
        one.withUnsafeBufferPointer { run($0) }
    }

    private func run(_ ids: UnsafeBufferPointer<Int32>) {
        let p = UnsafePointer(network.params.base), e = network.spec.embedDim
        batch.fillUniform(rows: 1, ids: ids)
        let xm = x.matrix(rows: ids.count, cols: e)                              // [n x E]
        network.embedding.forward(p, ids: ids, out: xm)
        let top = network.stack.step(p, input: xm, batch: batch, workspace: workspace, state: state)   // [n x H]
        network.classifier.forward(p, x: top.rows(ids.count - 1, 1), y: logits.matrix(rows: 1, cols: vocabularySize))
        primed = true
    }

    /// The next character's probabilities `[V]` (valid until the next call):
    /// softmax(logits / temperature) over the `topK` most likely characters
    /// (all when nil); temperature 0 puts probability 1 on the most likely.
    public func distribution(temperature: Float, topK: Int? = nil) -> UnsafeBufferPointer<Float> {
        precondition(primed, "feed at least one character first")
        let v = vocabularySize, z = logits.base, p = probs.base
        var best = 0
        for j in 1 ..< v where z[j] > z[best] { best = j }
        if temperature <= 0 {
            p.update(repeating: 0, count: v)
            p[best] = 1
            return UnsafeBufferPointer(start: p, count: v)
        }
        let threshold = topK.map { kthLargest(min(max($0, 1), v)) } ?? -Float.infinity
        let m = z[best]
        var sum: Float = 0
        for j in 0 ..< v {
            p[j] = z[j] >= threshold ? expf((z[j] - m) / temperature) : 0
            sum += p[j]
        }
        for j in 0 ..< v { p[j] /= sum }
        return UnsafeBufferPointer(start: p, count: v)
    }

    /// Draws the next character from `distribution(temperature:topK:)`.
    public func sample(temperature: Float, topK: Int? = nil, rng: inout RNG) -> Int32 {
        let p = distribution(temperature: temperature, topK: topK)
        let u = Float(rng.nextDouble())
        var acc: Float = 0, last = 0
        for j in 0 ..< p.count where p[j] > 0 {
            acc += p[j]
            last = j
            if u < acc { return Int32(j) }
        }
        return Int32(last)   // rounding left u just above the total
    }

    /// The k-th largest logit (k passes of a maximum over a scratch copy).
    private func kthLargest(_ k: Int) -> Float {
        let v = vocabularySize, s = scratch.base
        s.update(from: logits.base, count: v)
        var value = -Float.infinity
        for _ in 0 ..< k {
            var best = 0
            for j in 1 ..< v where s[j] > s[best] { best = j }
            value = s[best]
            s[best] = -.infinity
        }
        return value
    }
}
