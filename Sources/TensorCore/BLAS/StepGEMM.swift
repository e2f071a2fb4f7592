import CPUSupport

/// The matrix products of every layer, `C (+)= A B`, through the active
/// `KernelFamily`: the per-step products of a recurrent layer with a weight
/// that stays the same for a whole batch (`multiply`, B packed once per
/// batch), the weight gradients `C += A^T B` (`accumulateTransposed`) and
/// the general `gemm`.
///
/// Why not sgemm: a step's product is small (n_t rows, often 16 to 128), and
/// sgemm repacks B into its own panel layout on every call, once per step;
/// and sgemm's summation order depends on the CPU. Here B is packed once per
/// batch (`PackedWeight`) and a register-blocked kernel reads it as it is:
/// on AVX-512 4 rows x 64 columns of C in 16 registers, one broadcast of A
/// and four loads of B per k (110-117 GFLOP/s on one core at this project's
/// shapes, `rnntrain bench-gemm`).
///
/// Every family computes each element of C the same way: one accumulator,
/// C's value or +0 to start, then `fma(a[i,p], b[p,j], acc)` for p in
/// ascending order. Columns past the last whole 16 go through the same
/// tiles on 16 columns of B padded with zeros (a packed weight's own
/// padding, or a copy of B's last columns), rows past the last whole tile through the
/// tile with its missing rows' A read from the last real row (computed,
/// never stored). So a product's bits depend on neither the family nor the
/// shape of the tiles.
public enum StepGEMM {
    /// `c = a b` (`accumulate == false`) or `c += a b`.   [m x k] x [k x n]
    public static func multiply(_ a: Matrix, _ b: PackedWeight, into c: Matrix, accumulate: Bool) {
        precondition(a.cols == b.k && c.rows == a.rows && c.cols == b.n, "StepGEMM: shapes do not match")
        let family = KernelFamily.active
        guard family != .blas else {
            sgemm(a, b.source, transposeB: b.transposed, into: c, beta: accumulate ? 1 : 0)
            return
        }
        precondition(b.isPacked || !b.transposed, "StepGEMM: W^T used before pack")
        let (base, ld) = b.isPacked ? (b.base, b.ld) : (UnsafePointer(b.source.base), b.source.ld)
        timed {
            run(family, m: a.rows, n: b.n, k: b.k, a: a.base, lda: a.ld, ka: 1, b: base, ldb: ld,
                c: c.base, ldc: c.ld, accumulate: accumulate, bPadded: b.isPacked)
        }
    }

    /// `c += a^T b`, a weight's gradient summed over a batch's rows:
    /// `dW_hh += dG^T h_{t-1}` (a `[N x G]`, b `[N x H]`, c `[G x H]`) and the
    /// like.                                        [G x N] x [N x H]
    ///
    /// Both operands are read where they are: A down its columns (`lda` 1,
    /// `ka` its row stride), in chunks of rows of a and b so b's chunk stays
    /// in L2 while every tile of c passes over it; C is stored exactly
    /// between chunks, so each element's chain runs over the rows in order.
    public static func accumulateTransposed(_ a: Matrix, _ b: Matrix, into c: Matrix) {
        precondition(a.rows == b.rows && c.rows == a.cols && c.cols == b.cols, "accumulateTransposed: shapes do not match")
        let family = KernelFamily.active
        guard family != .blas else {
            sgemm(a, transposeA: true, b, into: c, beta: 1)
            return
        }
        let rows = a.rows, chunk = max(64, chunkFloats / max(c.cols, 1))
        timed {
            var p = 0
            while p < rows {
                let k = min(chunk, rows - p)
                run(family, m: c.rows, n: c.cols, k: k, a: a.row(p), lda: 1, ka: a.ld, b: b.row(p), ldb: b.ld,
                    c: c.base, ldc: c.ld, accumulate: true)
                p += k
            }
        }
    }

    /// Floats of b per chunk of `accumulateTransposed` (1 MB, within L2; at
    /// H = 64 the chunk size hardly matters: 109-117 GFLOP/s from 1,024
    /// floats to all 4,096 rows).
    static let chunkFloats = 1 << 18

    @inline(__always)
    static func timed(_ body: () -> Void) {
        let start = GEMMClock.isOn ? rnntrain_monotonic_ns() : 0
        body()
        if GEMMClock.isOn { rnntrain_counter_add(rnntrain_monotonic_ns() &- start) }
    }

    /// C[m x n] (+)= A[m x k] B[k x n] by `family`'s tiles. Element (i, p) of
    /// A is at `a[i * lda + p * ka]`, element (p, j) of B at `b[p * ldb + j]`;
    /// `bPadded`: B's rows hold zeros from column n to the next multiple of 16.
    static func run(_ family: KernelFamily, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, ka: Int,
                    b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool,
                    bPadded: Bool = false) {
        if m == 0 || n == 0 { return }
        let o = Operands(k: k, a: a, lda: lda, ka: ka, b: b, ldb: ldb, c: c, ldc: ldc, accumulate: accumulate, bPadded: bPadded)
        switch family {
        case .avx512: tiles(AVX512Tile.self, m: m, n: n, o)
        case .avx2: tiles(AVX2Tile.self, m: m, n: n, o)
        case .portable, .blas: tiles(PortableTile.self, m: m, n: n, o)
        }
    }

    /// Every whole 16-column group of C through `K`'s tiles.
    @inline(__always)
    static func tiles<K: RegisterTile>(_: K.Type, m: Int, n: Int, _ o: Operands) {
        let whole = n / 16 * 16
        var i = 0
        while i < m {
            let rows = min(K.rows, m - i)
            var t = o
            t.a = o.a + i * o.lda
            t.c = o.c + i * o.ldc
            var j = 0
            while j + K.width <= whole { K.wide(rows: rows, t.shifted(j)); j += K.width }
            while j < whole { K.narrow(rows: rows, t.shifted(j)); j += K.narrowWidth }
            i += K.rows
        }
        if whole < n { remainder(K.self, m: m, columns: whole ..< n, o) }
    }

    /// Columns past the last whole 16 (H = 100 leaves 4), through the same
    /// tiles on 16 columns of B whose extra ones are zeros: a packed B's own
    /// padding, else a copy of B's last columns padded with zeros. Each
    /// block of C's rows is computed into a 16-wide tile (loaded from C when
    /// accumulating) and its real columns stored back. Every element still
    /// has its one chain; the padding columns are discarded.
    static func remainder<K: RegisterTile>(_: K.Type, m: Int, columns: Range<Int>, _ o: Operands) {
        let k = o.k, rem = columns.count, j0 = columns.lowerBound
        if o.bPadded { return tail(K.self, m: m, columns: columns, o, b: o.b + j0, ldb: o.ldb) }
        withUnsafeTemporaryAllocation(of: Float.self, capacity: k * 16) { buffer in
            let bt = buffer.baseAddress!                                      // B's columns [k x 16]
            for p in 0 ..< k {
                let row = o.b + (p &* o.ldb &+ j0)
                for j in 0 ..< 16 { bt[p &* 16 &+ j] = j < rem ? row[j] : 0 }
            }
            tail(K.self, m: m, columns: columns, o, b: UnsafePointer(bt), ldb: 16)
        }
    }

    /// C's `columns` (fewer than 16) from `b`, 16 columns of B whose extra ones are zeros.
    static func tail<K: RegisterTile>(_: K.Type, m: Int, columns: Range<Int>, _ o: Operands, b: UnsafePointer<Float>, ldb: Int) {
        let rem = columns.count, j0 = columns.lowerBound
        withUnsafeTemporaryAllocation(of: Float.self, capacity: K.rows * 16) { buffer in
            let ct = buffer.baseAddress!                                      // C's tile [rows x 16]
            var i = 0
            while i < m {
                let rows = min(K.rows, m - i)
                for r in 0 ..< rows {
                    for j in 0 ..< 16 { ct[r &* 16 &+ j] = o.accumulate && j < rem ? o.c[(i + r) &* o.ldc &+ j0 &+ j] : 0 }
                }
                var t = o
                (t.a, t.b, t.ldb, t.c, t.ldc) = (o.a + i * o.lda, b, ldb, ct, 16)
                if K.width == 16 { K.wide(rows: rows, t) } else { K.narrow(rows: rows, t) }
                for r in 0 ..< rows {
                    for j in 0 ..< rem { o.c[(i + r) &* o.ldc &+ j0 &+ j] = ct[r &* 16 &+ j] }
                }
                i += K.rows
            }
        }
    }
}

/// The operands of one product as the tiles see them (see `StepGEMM.run`).
struct Operands {
    var k: Int
    var a: UnsafePointer<Float>, lda: Int, ka: Int
    var b: UnsafePointer<Float>, ldb: Int
    var c: UnsafeMutablePointer<Float>, ldc: Int
    var accumulate: Bool
    /// B's rows hold zeros past its last column, to the next multiple of 16.
    var bPadded = false

    /// The same product from column `j` of B and C on.
    @inline(__always)
    func shifted(_ j: Int) -> Operands {
        var o = self
        o.b = b + j
        o.c = c + j
        return o
    }

    /// Row `r` of A, or the last real row when the tile has only `rows`.
    @inline(__always)
    func aRow(_ r: Int, of rows: Int) -> UnsafePointer<Float> { a + Swift.min(r, rows - 1) &* lda }
}

/// One family's register tiles: `wide` computes C[rows x width], `narrow`
/// C[rows x narrowWidth] (a divisor of 16), for `rows` <= `Self.rows` (the
/// missing rows are computed from the last real row of A and not stored).
protocol RegisterTile {
    static var rows: Int { get }
    static var width: Int { get }
    static var narrowWidth: Int { get }
    static func wide(rows: Int, _ o: Operands)
    static func narrow(rows: Int, _ o: Operands)
}

/// A weight laid out for `StepGEMM`: B `[k x n]` row-major with rows padded
/// with zeros to a multiple of 16 floats. Packed once per batch from the
/// parameter slab: `pack(w, transposed: true)` gives B = w^T (w `[n x k]`);
/// B = w (`transposed: false`) is read in place, where it already lies row
/// by row, when n is a multiple of 16, else copied row by row, so that the
/// columns past the last whole 16 read the zero padding instead of a copy
/// at every step. Under the `blas` family nothing is packed: sgemm gets `w`
/// itself.
public final class PackedWeight {
    public let k: Int, n: Int
    /// Floats between B's rows.
    public let ld: Int
    private var buffer: FloatBuffer?
    public private(set) var source: Matrix
    public private(set) var transposed = false
    public private(set) var isPacked = false
    /// Keep the packing while the weight it came from is the same view:
    /// for inference, where the weights do not change between calls
    /// (`CharGenerator` feeds one character at a time).
    public var holdsPacking = false

    /// For a B of `k x n`.
    public init(k: Int, n: Int) {
        self.k = k
        self.n = n
        ld = (n + 15) / 16 * 16
        source = Matrix(UnsafeMutablePointer(bitPattern: 16)!, rows: 0, cols: 0)
    }

    public var base: UnsafePointer<Float> { UnsafePointer(buffer!.base) }

    /// Takes B = w^T (`transposed`, w `[n x k]`) or B = w (w `[k x n]`) for
    /// the products until the next `pack`.
    public func pack(_ w: Matrix, transposed t: Bool) {
        precondition(t ? (w.rows == n && w.cols == k) : (w.rows == k && w.cols == n), "PackedWeight: wrong shape")
        let same = isPacked && source.base == w.base && source.ld == w.ld && transposed == t
        source = w
        transposed = t
        if holdsPacking && same { return }
        isPacked = (t || n % 16 != 0) && KernelFamily.active != .blas
        guard isPacked else { return }
        if buffer == nil { buffer = FloatBuffer(count: k * ld) }   // zeros: columns n ..< ld are never written
        let p = buffer!.base
        if t {
            PackedWeight.transpose(w, into: p, ld: ld)
        } else {
            for i in 0 ..< k { (p + i * ld).update(from: w.row(i), count: n) }
        }
    }

    /// `dst[i * ld + j] = w[j, i]` (w `[n x k]` to `[k x n]` with row stride
    /// `ld`), in 16 x 16 blocks: a block's reads and writes stay in L1.
    static func transpose(_ w: Matrix, into dst: UnsafeMutablePointer<Float>, ld: Int) {
        let n = w.rows, k = w.cols
        for j0 in stride(from: 0, to: n, by: 16) {
            for i0 in stride(from: 0, to: k, by: 16) {
                for j in j0 ..< min(j0 + 16, n) {
                    let row = w.row(j)
                    for i in i0 ..< min(i0 + 16, k) { dst[i &* ld &+ j] = row[i] }
                }
            }
        }
    }
}
