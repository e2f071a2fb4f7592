import TensorCore

/// Dense Adam over a large embedding table without streaming the table
/// through memory every step.
///
/// A batch touches a few thousand of V rows; every other row's gradient is
/// zero, and a zero-gradient update of a row depends only on that row and
/// the step's scalars. So those updates are postponed: each row records how
/// many updates it has had (`applied`), each step records its scalars
/// (`history`), and a row is brought up to date, by replaying the missing
/// updates in registers (`ZeroGradientReplaying`), only when something is
/// about to read it:
///
///     before a batch's forward pass   the rows of its tokens   (`catchUp`)
///     before evaluation, a checkpoint every row                (`catchUpAll`)
///
/// The result is bit for bit the eager update of every row at every step
/// (tested): PyTorch's dense Adam, moments decayed every step, not lazy Adam.
/// The touched rows themselves are updated at their step as usual.
final class DeferredRows: @unchecked Sendable {
    let table: RowTable
    private let params: FloatBuffer
    private let optimizer: any ZeroGradientReplaying
    /// Updates applied to each row so far.
    private var applied: [Int]
    /// The scalars of updates `base + 1 ... optimizer.step`.
    private var history: [SIMD4<Float>] = []
    private var base: Int
    /// Rows to bring up to date, each with its `applied` count (scratch).
    private var stale: [(row: Int32, from: Int)] = []

    init(table: RowTable, params: FloatBuffer, optimizer: any ZeroGradientReplaying) {
        self.table = table
        self.params = params
        self.optimizer = optimizer
        base = optimizer.step
        applied = Array(repeating: optimizer.step, count: table.rows)
    }

    /// After an update in which `touched` rows were updated with their
    /// gradient (each was current before it) and the others were not.
    func record(gradScale: Float, touched: [Int32]) {
        let step = optimizer.step
        history.append(optimizer.zeroGradientScalars(gradScale: gradScale))
        precondition(history.count == step - base, "an update was not recorded")
        for r in touched {
            precondition(applied[Int(r)] == step - 1, "row \(r) was updated without being brought up to date")
            applied[Int(r)] = step
        }
    }

    /// Brings every row in `ids` (repeats allowed) up to date, in `threads`
    /// threads.
    func catchUp(_ ids: [[Int32]], threads: Int) {
        let step = optimizer.step
        stale.removeAll(keepingCapacity: true)
        for list in ids {
            for r in list where applied[Int(r)] < step {
                stale.append((r, applied[Int(r)]))
                applied[Int(r)] = step
            }
        }
        replayStale(threads: threads)
    }

    /// Brings every row up to date and forgets the recorded steps.
    func catchUpAll(threads: Int) {
        let step = optimizer.step
        stale.removeAll(keepingCapacity: true)
        for r in 0 ..< table.rows where applied[r] < step {
            stale.append((Int32(r), applied[r]))
            applied[r] = step
        }
        replayStale(threads: threads)
        history.removeAll(keepingCapacity: true)
        base = step
    }

    /// Replays, for each stale row, the updates after its `from` count.
    private func replayStale(threads: Int) {
        guard !stale.isEmpty else { return }
        history.withUnsafeBufferPointer { steps in
            stale.withUnsafeBufferPointer { rows in
                let n = min(threads, max(rows.count / 64, 1))
                runParallel(n) { k in
                    for i in GradientPath.chunk(k, of: n, count: rows.count) {
                        let (r, from) = rows[i]
                        self.optimizer.replayZeroGradient(params: self.params.base, range: self.table.range(ofRow: r),
                                                          steps: UnsafeBufferPointer(rebasing: steps[(from - self.base)...]))
                    }
                }
            }
        }
    }
}
