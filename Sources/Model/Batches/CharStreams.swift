/// A text cut into `streams` contiguous streams and read in windows of
/// `steps` characters, as TensorFlow's `ptb_iterator` does: stream s is
/// `text[s*L ..< (s+1)*L]` (L = count / streams, the remainder dropped);
/// window w's inputs are its characters `w*T ..< w*T + T` and its targets the
/// characters one further on. Window w of every stream follows window w-1
/// directly, so the state at the end of one window is the right start of
/// the next (truncated backpropagation through time).
///
/// With `partialLast` the last window takes whatever is left (shorter than
/// T), so every character after a stream's first is scored once
/// (validation); without it, as `ptb_iterator`, only whole windows:
/// `(L - 1) / T` of them.
public struct CharStreams: Sendable {
    public let ids: ArraySlice<Int32>
    public let streams: Int
    public let steps: Int
    public let streamLength: Int
    public let partialLast: Bool

    public init(ids: ArraySlice<Int32>, streams: Int, steps: Int, partialLast: Bool = false) {
        precondition(streams >= 1 && steps >= 1)
        self.ids = ids
        self.streams = streams
        self.steps = steps
        self.partialLast = partialLast
        streamLength = ids.count / streams
    }

    public var windows: Int {
        guard streamLength >= 2 else { return 0 }
        return partialLast ? (streamLength - 1 + steps - 1) / steps : (streamLength - 1) / steps
    }

    /// Steps of window w (T, or less for a partial last window).
    public func length(ofWindow w: Int) -> Int { min(steps, streamLength - 1 - w * steps) }

    /// Characters scored per epoch.
    public var scoredCount: Int { (0 ..< windows).reduce(0) { $0 + length(ofWindow: $1) } * streams }

    /// Writes window w of streams `rows` time-major: `inputs[t * b + i]` is
    /// step t of stream `rows.lowerBound + i`, `targets` the next characters.
    /// Both hold `length(ofWindow: w) * rows.count` values.
    public func fill(window w: Int, rows: Range<Int>, inputs: inout [Int32], targets: inout [Int32]) {
        let t = length(ofWindow: w), b = rows.count
        inputs.removeAll(keepingCapacity: true)
        targets.removeAll(keepingCapacity: true)
        inputs.append(contentsOf: repeatElement(0, count: t * b))
        targets.append(contentsOf: repeatElement(0, count: t * b))
        let base = ids.startIndex
        for (i, s) in rows.enumerated() {
            let start = base + s * streamLength + w * steps
            for step in 0 ..< t {
                inputs[step * b + i] = ids[start + step]
                targets[step * b + i] = ids[start + step + 1]
            }
        }
    }
}
