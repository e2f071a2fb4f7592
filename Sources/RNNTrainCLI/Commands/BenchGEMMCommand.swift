import TensorCore

/// `rnntrain bench-gemm` (not in the main help; used by `make bench`):
/// GFLOP/s on one thread at the GRU's shapes, of OpenBLAS's sgemm and of
/// every kernel family this CPU runs, so a slow machine explains itself. Each shape is repeated
/// for about --seconds after one warm-up call, each call timed; the figure
/// is 2mnk over the fastest call (on a shared machine the mean mostly
/// measures the other processes), and the median call beside it.
enum BenchGEMMCommand {
    static let options: [OptionSpec] = [
        .number("--seconds", "S", 0.001 ... 60, default: "0.3", help: "time per shape"),
    ]

    static let usage = "rnntrain bench-gemm [--seconds S]"
    static let about = "GFLOP/s (one thread) at the GRU's shapes: sgemm and every kernel family this CPU runs."

    /// m x n x k of the model's products (batch 256, E = H = 64, 16-step
    /// batches): the per-step and hoisted input projections, the step's dH,
    /// and the hoisted dW_ih.
    typealias Shape = (m: Int, n: Int, k: Int, transA: Bool, transB: Bool, what: String)
    static let shapes: [Shape] = [
        (256, 192, 64, false, true, "x W^T, one step"),
        (4096, 192, 64, false, true, "x W_ih^T, all steps"),
        (256, 64, 192, false, false, "dG W, one step"),
        (192, 64, 4096, true, false, "dG^T x, all steps"),
    ]

    static func run(_ o: ParsedOptions, _ console: Console) throws -> Int32 {
        let budget = try o.double("--seconds")
        BLASRuntime.setThreads(1)
        let families = KernelFamily.allCases.filter { $0 != .blas && $0.isSupported }
        console.line("GFLOP/s on 1 thread, fastest call (median); sgemm: \(BLASEnvironment.summary())")
        console.line("  " + Format.padRight("m x n x k", 13) + (["sgemm"] + families.map(\.rawValue)).map { Format.padLeft($0, 15) }.joined()
                     + "  product")
        var rng = RNG(seed: 7)
        for s in shapes {
            let (a, b, c) = operands(s, &rng)
            var line = "  " + Format.padRight("\(s.m)x\(s.n)x\(s.k)", 13) + cell(s, budget: budget, sgemmCall(s, a, b, c))
            for f in families { line += cell(s, budget: budget, familyCall(f, s, a, b, c)) }
            console.line(line + "  " + s.what)
        }
        return RNNTrain.ExitCode.ok
    }

    /// The product of shape `s` through OpenBLAS's sgemm, as the `blas` family runs it.
    static func sgemmCall(_ s: Shape, _ a: FloatBuffer, _ b: FloatBuffer, _ c: FloatBuffer) -> () -> Void {
        let am = s.transA ? a.matrix(rows: s.k, cols: s.m) : a.matrix(rows: s.m, cols: s.k)
        let bm = s.transB ? b.matrix(rows: s.n, cols: s.k) : b.matrix(rows: s.k, cols: s.n)
        let cm = c.matrix(rows: s.m, cols: s.n)
        return { sgemm(am, transposeA: s.transA, bm, transposeB: s.transB, into: cm, beta: s.transA ? 1 : 0) }
    }

    /// The product of shape `s` as training runs it under `family`: the
    /// weight gradient `C += A^T B`, or a step's product over a weight
    /// packed once (not timed: once per batch).
    static func familyCall(_ family: KernelFamily, _ s: Shape, _ a: FloatBuffer, _ b: FloatBuffer, _ c: FloatBuffer) -> () -> Void {
        let cm = c.matrix(rows: s.m, cols: s.n)
        if s.transA {
            let am = a.matrix(rows: s.k, cols: s.m), bm = b.matrix(rows: s.k, cols: s.n)
            return { KernelFamily.using(family) { StepGEMM.accumulateTransposed(am, bm, into: cm) } }
        }
        let packed = PackedWeight(k: s.k, n: s.n), am = a.matrix(rows: s.m, cols: s.k)
        KernelFamily.using(family) {
            packed.pack(s.transB ? b.matrix(rows: s.n, cols: s.k) : b.matrix(rows: s.k, cols: s.n), transposed: s.transB)
        }
        return { KernelFamily.using(family) { StepGEMM.multiply(am, packed, into: cm, accumulate: false) } }
    }

    /// A and B of shape `s` filled from `rng` (uniform in [-0.5, 0.5)), and C.
    static func operands(_ s: Shape, _ rng: inout RNG) -> (a: FloatBuffer, b: FloatBuffer, c: FloatBuffer) {
        let a = FloatBuffer(count: s.m * s.k), b = FloatBuffer(count: s.k * s.n)
        for i in 0 ..< a.count { a.base[i] = Float(rng.nextDouble()) - 0.5 }
        for i in 0 ..< b.count { b.base[i] = Float(rng.nextDouble()) - 0.5 }
        return (a, b, FloatBuffer(count: s.m * s.n))
    }

    /// `call` once to warm up, then timed for about `budget` seconds: one
    /// column of shape `s`'s line, "best (median)".
    static func cell(_ s: Shape, budget: Double, _ call: () -> Void) -> String {
        call()
        let rates = callRates(budget: budget, flops: 2 * Double(s.m * s.n * s.k), call)
        return Format.padLeft(Format.fixed(rates.best, 1) + " (" + Format.fixed(rates.median, 0) + ")", 15)
    }

    /// GFLOP/s of each call of `call` run for about `budget` seconds: the
    /// fastest and the median.
    static func callRates(budget: Double, flops: Double, _ call: () -> Void) -> (best: Double, median: Double) {
        let clock = ContinuousClock()
        let start = clock.now
        var rates: [Double] = []
        repeat {
            let t = clock.now
            call()
            rates.append(flops / max((clock.now - t).inSeconds, 1e-9) / 1e9)
        } while (clock.now - start).inSeconds < budget
        rates.sort()
        return (rates.last ?? 0, rates[rates.count / 2])
    }
}
