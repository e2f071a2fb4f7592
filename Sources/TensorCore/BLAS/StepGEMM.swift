import CPUSupport

/// The per-step products of a recurrent layer, `C (+)= A B` with a weight B
/// that stays the same for every step of a batch: `h_{t-1} W_hh^T` forward
/// (A `[n_t x H]`, B = W_hh^T `[H x G]`) and `dA W_hh` backward (A `[n_t x
/// G]`, B = W_hh `[G x H]`).
///
/// Why not sgemm: a step's product is small (n_t rows, often 16 to 128), and
/// sgemm repacks B into its own panel layout on every call, once per step.
/// Here B is packed once per batch (`PackedWeight`: row-major, rows padded to
/// a multiple of 16 floats) and a register-blocked kernel reads it as it is:
/// 4 rows x 64 columns of C in 16 AVX-512 registers, one broadcast of A and
/// four loads of B per k. On this project's shapes it runs at 110-116
/// GFLOP/s on one core where sgemm gives 68-114 (`rnntrain bench-gemm`).
///
/// The kernel needs 32 vector registers of 16 floats: it is used only when
/// the CPU and the OS support AVX-512 (`StepGEMM.isFast`, read once);
/// otherwise `multiply` calls sgemm with the weight as it was given.
public enum StepGEMM {
    /// AVX-512F present and enabled by the OS.
    public static let isFast: Bool = {
        let f = rnntrain_cpu_read_features()
        return f.avx512f && f.osSavesAVX512
    }()

    /// `c = a b` (`accumulate == false`) or `c += a b`.   [m x k] x [k x n]
    public static func multiply(_ a: Matrix, _ b: PackedWeight, into c: Matrix, accumulate: Bool) {
        precondition(a.cols == b.k && c.rows == a.rows && c.cols == b.n, "StepGEMM: shapes do not match")
        guard b.isPacked else {
            gemm(a, b.source, transposeB: b.transposed, into: c, beta: accumulate ? 1 : 0)
            return
        }
        if a.rows == 0 || b.n == 0 { return }
        let start = GEMMClock.isOn ? rnntrain_monotonic_ns() : 0
        defer { if GEMMClock.isOn { rnntrain_counter_add(rnntrain_monotonic_ns() &- start) } }
        let m = a.rows, n = b.n
        var i = 0
        while i < m {
            let rows = min(4, m - i)
            var j = 0
            while j < n {
                let cols = min(64, n - j)
                block(rows: rows, cols: cols, k: b.k, a: a.row(i), lda: a.ld, b: b.base + j, ldb: b.ld,
                      c: c.row(i) + j, ldc: c.ld, accumulate: accumulate, scratch: b.scratch)
                j += 64
            }
            i += 4
        }
    }

    /// `c += a^T b`, a weight's gradient summed over a batch's rows:
    /// `dW_hh += dG^T h_{t-1}` (a `[N x G]`, b `[N x H]`, c `[G x H]`) and the
    /// like.                                        [G x N] x [N x H]
    ///
    /// sgemm packs both operands on every call; here both are read where
    /// they are, by the same 4 x 64 register kernel with A walked down its
    /// columns (four adjacent floats of a row of a per k), in chunks of rows
    /// of a and b so b's chunk stays in L2 while every tile of c passes over
    /// it. Needs the fast kernel, c's rows a multiple of 4
    /// and its columns of 16; otherwise (and for few rows) it is sgemm's.
    public static func accumulateTransposed(_ a: Matrix, _ b: Matrix, into c: Matrix) {
        precondition(a.rows == b.rows && c.rows == a.cols && c.cols == b.cols, "accumulateTransposed: shapes do not match")
        let m = c.rows, n = c.cols, rows = a.rows
        guard isFast && m % 4 == 0 && n % 16 == 0 && rows >= PackedWeight.minimumRows else {
            gemm(a, transposeA: true, b, into: c, beta: 1)
            return
        }
        let start = GEMMClock.isOn ? rnntrain_monotonic_ns() : 0
        defer { if GEMMClock.isOn { rnntrain_counter_add(rnntrain_monotonic_ns() &- start) } }
        let chunk = max(64, chunkFloats / n)
        var p = 0
        while p < rows {
            let k = min(chunk, rows - p)
            let ap = UnsafePointer(a.row(p)), bp = UnsafePointer(b.row(p))
            var i = 0
            while i < m {
                var j = 0
                while j + 64 <= n {
                    kernel4x64(k: k, a: ap + i, lda: 1, ka: a.ld, b: bp + j, ldb: b.ld, c: c.row(i) + j, ldc: c.ld, accumulate: true)
                    j += 64
                }
                while j < n {
                    kernel4x16(k: k, a: ap + i, lda: 1, ka: a.ld, b: bp + j, ldb: b.ld, c: c.row(i) + j, ldc: c.ld, accumulate: true)
                    j += 16
                }
                i += 4
            }
            p += k
        }
    }

    /// Floats of b per chunk of `accumulateTransposed` (1 MB, within L2; at
    /// H = 64 the chunk size hardly matters: 109-117 GFLOP/s from 1,024
    /// floats to all 4,096 rows).
    static let chunkFloats = 1 << 18

    /// One block of at most 4 x 64 of C. Full blocks go straight to the
    /// kernel; edge blocks go through a 4 x 64 tile of C (B's padding makes
    /// reading whole 16-column groups safe; only `cols` are stored back), and
    /// fewer than 4 rows of A through a zero-padded copy (`scratch`: 4 x 64
    /// + 4 x k floats, the weight's own, so no allocation per call).
    @inline(__always)
    static func block(rows: Int, cols: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                      c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, scratch tile: UnsafeMutablePointer<Float>) {
        if rows == 4 && cols == 64 {
            kernel4x64(k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, accumulate: accumulate)
            return
        }
        do {
            tile.update(repeating: 0, count: 4 * 64)
            var aRows = a, aLd = lda
            if rows < 4 {
                let copy = tile + 4 * 64
                copy.update(repeating: 0, count: 4 * k)
                for r in 0 ..< rows { (copy + r * k).update(from: a + r * lda, count: k) }
                aRows = UnsafePointer(copy)
                aLd = k
            }
            if accumulate { for r in 0 ..< rows { (tile + r * 64).update(from: c + r * ldc, count: cols) } }
            let width = (cols + 15) / 16 * 16
            if width == 64 {
                kernel4x64(k: k, a: aRows, lda: aLd, b: b, ldb: ldb, c: tile, ldc: 64, accumulate: accumulate)
            } else {
                for j in stride(from: 0, to: width, by: 16) {
                    kernel4x16(k: k, a: aRows, lda: aLd, b: b + j, ldb: ldb, c: tile + j, ldc: 64, accumulate: accumulate)
                }
            }
            for r in 0 ..< rows { (c + r * ldc).update(from: tile + r * 64, count: cols) }
        }
    }

    typealias V = SIMD16<Float>

    /// C[4 x 64] (+)= A[4 x k] B[k x 64]: 16 accumulators, k steps of one
    /// broadcast per row and four loads of B. Element (i, p) of A is at
    /// `a[i * lda + p * ka]`: `ka` 1 for A as stored, `ka = ld, lda = 1` for
    /// the transpose of a stored matrix (`accumulateTransposed`).
    @inline(never)
    static func kernel4x64(k: Int, a: UnsafePointer<Float>, lda: Int, ka: Int = 1, b: UnsafePointer<Float>, ldb: Int,
                           c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        let rc = UnsafeMutableRawPointer(c), rb = UnsafeRawPointer(b)
        func load(_ r: Int, _ j: Int) -> V { accumulate ? rc.loadUnaligned(fromByteOffset: (r &* ldc &+ j) &* 4, as: V.self) : V() }
        var c00 = load(0, 0), c01 = load(0, 16), c02 = load(0, 32), c03 = load(0, 48)
        var c10 = load(1, 0), c11 = load(1, 16), c12 = load(1, 32), c13 = load(1, 48)
        var c20 = load(2, 0), c21 = load(2, 16), c22 = load(2, 32), c23 = load(2, 48)
        var c30 = load(3, 0), c31 = load(3, 16), c32 = load(3, 32), c33 = load(3, 48)
        let a1 = a + lda, a2 = a + 2 &* lda, a3 = a + 3 &* lda
        for p in 0 ..< k {
            let o = p &* ldb &* 4
            let b0 = rb.loadUnaligned(fromByteOffset: o, as: V.self)
            let b1 = rb.loadUnaligned(fromByteOffset: o &+ 64, as: V.self)
            let b2 = rb.loadUnaligned(fromByteOffset: o &+ 128, as: V.self)
            let b3 = rb.loadUnaligned(fromByteOffset: o &+ 192, as: V.self)
            let q = p &* ka
            let x0 = V(repeating: a[q]), x1 = V(repeating: a1[q]), x2 = V(repeating: a2[q]), x3 = V(repeating: a3[q])
            c00.addProduct(x0, b0); c01.addProduct(x0, b1); c02.addProduct(x0, b2); c03.addProduct(x0, b3)
            c10.addProduct(x1, b0); c11.addProduct(x1, b1); c12.addProduct(x1, b2); c13.addProduct(x1, b3)
            c20.addProduct(x2, b0); c21.addProduct(x2, b1); c22.addProduct(x2, b2); c23.addProduct(x2, b3)
            c30.addProduct(x3, b0); c31.addProduct(x3, b1); c32.addProduct(x3, b2); c33.addProduct(x3, b3)
        }
        func store(_ v: V, _ r: Int, _ j: Int) { rc.storeBytes(of: v, toByteOffset: (r &* ldc &+ j) &* 4, as: V.self) }
        store(c00, 0, 0); store(c01, 0, 16); store(c02, 0, 32); store(c03, 0, 48)
        store(c10, 1, 0); store(c11, 1, 16); store(c12, 1, 32); store(c13, 1, 48)
        store(c20, 2, 0); store(c21, 2, 16); store(c22, 2, 32); store(c23, 2, 48)
        store(c30, 3, 0); store(c31, 3, 16); store(c32, 3, 32); store(c33, 3, 48)
    }

    /// C[4 x 16] (+)= A[4 x k] B[k x 16], for the last columns of a row
    /// (A's layout as in `kernel4x64`).
    @inline(never)
    static func kernel4x16(k: Int, a: UnsafePointer<Float>, lda: Int, ka: Int = 1, b: UnsafePointer<Float>, ldb: Int,
                           c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        let rc = UnsafeMutableRawPointer(c), rb = UnsafeRawPointer(b)
        func load(_ r: Int) -> V { accumulate ? rc.loadUnaligned(fromByteOffset: r &* ldc &* 4, as: V.self) : V() }
        var c0 = load(0), c1 = load(1), c2 = load(2), c3 = load(3)
        let a1 = a + lda, a2 = a + 2 &* lda, a3 = a + 3 &* lda
        for p in 0 ..< k {
            let b0 = rb.loadUnaligned(fromByteOffset: p &* ldb &* 4, as: V.self), q = p &* ka
            c0.addProduct(V(repeating: a[q]), b0); c1.addProduct(V(repeating: a1[q]), b0)
            c2.addProduct(V(repeating: a2[q]), b0); c3.addProduct(V(repeating: a3[q]), b0)
        }
        rc.storeBytes(of: c0, toByteOffset: 0, as: V.self)
        rc.storeBytes(of: c1, toByteOffset: ldc &* 4, as: V.self)
        rc.storeBytes(of: c2, toByteOffset: 2 &* ldc &* 4, as: V.self)
        rc.storeBytes(of: c3, toByteOffset: 3 &* ldc &* 4, as: V.self)
    }
}

/// A weight laid out for `StepGEMM`: B `[k x n]` row-major with rows padded
/// to a multiple of 16 floats (zeros), plus 48 floats of slack so a last
/// 64-wide read stays inside. Packed once per batch from the parameter slab:
/// `pack(w, transposed: true)` gives B = w^T (w `[n x k]`), `false` B = w.
/// Without the fast kernel, or for too few rows to repay the packing, it
/// only remembers `w` for sgemm.
public final class PackedWeight {
    /// Products over fewer rows in all (a batch's packed tokens) go to sgemm:
    /// packing reads and writes k x n floats, a product 2 x rows x k x n
    /// flops, so at 32 rows packing costs a few percent, at 1 row (generating
    /// one character at a time) several times the product itself.
    public static let minimumRows = 32

    public let k: Int, n: Int
    /// Floats between B's rows.
    public let ld: Int
    private let buffer: FloatBuffer
    /// `StepGEMM`'s tile for the edges: 4 x 64 of C and 4 x k of A.
    private let tiles: FloatBuffer
    public private(set) var source: Matrix
    public private(set) var transposed = false
    public private(set) var isPacked = false

    /// For a B of `k x n`.
    public init(k: Int, n: Int) {
        self.k = k
        self.n = n
        ld = (n + 15) / 16 * 16
        buffer = FloatBuffer(count: StepGEMM.isFast ? k * ld + 48 : 0)
        tiles = FloatBuffer(count: StepGEMM.isFast ? 4 * 64 + 4 * k : 0)
        source = Matrix(buffer.base, rows: 0, cols: 0)
    }

    public var base: UnsafePointer<Float> { UnsafePointer(buffer.base) }
    var scratch: UnsafeMutablePointer<Float> { tiles.base }

    /// Takes B = w^T (`transposed`, w `[n x k]`) or B = w (w `[k x n]`) for
    /// products over `rows` rows in all until the next `pack`.
    public func pack(_ w: Matrix, transposed t: Bool, forRows rows: Int) {
        precondition(t ? (w.rows == n && w.cols == k) : (w.rows == k && w.cols == n), "PackedWeight: wrong shape")
        source = w
        transposed = t
        isPacked = StepGEMM.isFast && rows >= PackedWeight.minimumRows
        guard isPacked else { return }
        let p = buffer.base
        if t {
            for j in 0 ..< n { let row = w.row(j); for i in 0 ..< k { p[i * ld + j] = row[i] } }
        } else {
            for i in 0 ..< k { (p + i * ld).update(from: w.row(i), count: n) }
        }
    }
}
