/// The register tiles of the three kernel families (`KernelFamily`). Each
/// keeps one accumulator lane per element of C and adds one product per k,
/// in ascending k, with a fused multiply-add: only the number of lanes per
/// register and of registers per tile differ, never an element's chain.
///
/// Rows: a tile of `rows` < `Self.rows` reads its missing rows of A from
/// the last real row (`Operands.aRow`) and neither loads nor stores them in C.

/// C[4 x 4w] in 16 registers of w = `V.scalarCount` floats: per k one
/// broadcast of each row of A and four loads of B. With `SIMD16` this is
/// the AVX-512 tile (4 x 64 in 16 of the 32 zmm registers), with `SIMD4`
/// the portable one (4 x 16 in 128-bit registers, which every SIMD
/// instruction set has: NEON, SSE; no x86 assumption).
enum FourRowTile<V: SIMD>: RegisterTile where V.Scalar == Float {
    static var rows: Int { 4 }
    static var width: Int { 4 * V.scalarCount }
    static var narrowWidth: Int { V.scalarCount }

    @inline(never)
    static func wide(rows: Int, _ o: Operands) {
        let rc = UnsafeMutableRawPointer(o.c), rb = UnsafeRawPointer(o.b), w = V.scalarCount, bytes = 4 &* w
        func load(_ r: Int, _ j: Int) -> V {
            o.accumulate && r < rows ? rc.loadUnaligned(fromByteOffset: (r &* o.ldc &+ j &* w) &* 4, as: V.self) : V()
        }
        var c00 = load(0, 0), c01 = load(0, 1), c02 = load(0, 2), c03 = load(0, 3)
        var c10 = load(1, 0), c11 = load(1, 1), c12 = load(1, 2), c13 = load(1, 3)
        var c20 = load(2, 0), c21 = load(2, 1), c22 = load(2, 2), c23 = load(2, 3)
        var c30 = load(3, 0), c31 = load(3, 1), c32 = load(3, 2), c33 = load(3, 3)
        let a0 = o.a, a1 = o.aRow(1, of: rows), a2 = o.aRow(2, of: rows), a3 = o.aRow(3, of: rows)
        let ka = o.ka, ldb = o.ldb
        for p in 0 ..< o.k {
            let off = p &* ldb &* 4
            let b0 = rb.loadUnaligned(fromByteOffset: off, as: V.self)
            let b1 = rb.loadUnaligned(fromByteOffset: off &+ bytes, as: V.self)
            let b2 = rb.loadUnaligned(fromByteOffset: off &+ 2 &* bytes, as: V.self)
            let b3 = rb.loadUnaligned(fromByteOffset: off &+ 3 &* bytes, as: V.self)
            let q = p &* ka
            let x0 = V(repeating: a0[q]), x1 = V(repeating: a1[q]), x2 = V(repeating: a2[q]), x3 = V(repeating: a3[q])
            c00.addProduct(x0, b0); c01.addProduct(x0, b1); c02.addProduct(x0, b2); c03.addProduct(x0, b3)
            c10.addProduct(x1, b0); c11.addProduct(x1, b1); c12.addProduct(x1, b2); c13.addProduct(x1, b3)
            c20.addProduct(x2, b0); c21.addProduct(x2, b1); c22.addProduct(x2, b2); c23.addProduct(x2, b3)
            c30.addProduct(x3, b0); c31.addProduct(x3, b1); c32.addProduct(x3, b2); c33.addProduct(x3, b3)
        }
        func store(_ v: V, _ r: Int, _ j: Int) {
            if r < rows { rc.storeBytes(of: v, toByteOffset: (r &* o.ldc &+ j &* w) &* 4, as: V.self) }
        }
        store(c00, 0, 0); store(c01, 0, 1); store(c02, 0, 2); store(c03, 0, 3)
        store(c10, 1, 0); store(c11, 1, 1); store(c12, 1, 2); store(c13, 1, 3)
        store(c20, 2, 0); store(c21, 2, 1); store(c22, 2, 2); store(c23, 2, 3)
        store(c30, 3, 0); store(c31, 3, 1); store(c32, 3, 2); store(c33, 3, 3)
    }

    /// C[4 x w]: one register per row, for the last columns of a row.
    @inline(never)
    static func narrow(rows: Int, _ o: Operands) {
        let rc = UnsafeMutableRawPointer(o.c), rb = UnsafeRawPointer(o.b)
        func load(_ r: Int) -> V { o.accumulate && r < rows ? rc.loadUnaligned(fromByteOffset: r &* o.ldc &* 4, as: V.self) : V() }
        var c0 = load(0), c1 = load(1), c2 = load(2), c3 = load(3)
        let a0 = o.a, a1 = o.aRow(1, of: rows), a2 = o.aRow(2, of: rows), a3 = o.aRow(3, of: rows)
        for p in 0 ..< o.k {
            let b0 = rb.loadUnaligned(fromByteOffset: p &* o.ldb &* 4, as: V.self), q = p &* o.ka
            c0.addProduct(V(repeating: a0[q]), b0); c1.addProduct(V(repeating: a1[q]), b0)
            c2.addProduct(V(repeating: a2[q]), b0); c3.addProduct(V(repeating: a3[q]), b0)
        }
        func store(_ v: V, _ r: Int) { if r < rows { rc.storeBytes(of: v, toByteOffset: r &* o.ldc &* 4, as: V.self) } }
        store(c0, 0); store(c1, 1); store(c2, 2); store(c3, 3)
    }
}

/// AVX-512: C[4 x 64] (and C[4 x 16] for the last columns of a row).
typealias AVX512Tile = FourRowTile<SIMD16<Float>>
/// Portable: C[4 x 16] of `SIMD4`.
typealias PortableTile = FourRowTile<SIMD4<Float>>

/// AVX2 + FMA: C[6 x 16] in 12 registers of 8 floats (16 ymm registers in
/// all: 12 accumulators, two loads of B, one broadcast); per k six
/// broadcasts and two loads for twelve fused multiply-adds.
enum AVX2Tile: RegisterTile {
    typealias V = SIMD8<Float>
    static var rows: Int { 6 }
    static var width: Int { 16 }
    static var narrowWidth: Int { 16 }

    @inline(never)
    static func wide(rows: Int, _ o: Operands) {
        let rc = UnsafeMutableRawPointer(o.c), rb = UnsafeRawPointer(o.b)
        func load(_ r: Int, _ j: Int) -> V {
            o.accumulate && r < rows ? rc.loadUnaligned(fromByteOffset: (r &* o.ldc &+ j) &* 4, as: V.self) : V()
        }
        var c00 = load(0, 0), c01 = load(0, 8), c10 = load(1, 0), c11 = load(1, 8)
        var c20 = load(2, 0), c21 = load(2, 8), c30 = load(3, 0), c31 = load(3, 8)
        var c40 = load(4, 0), c41 = load(4, 8), c50 = load(5, 0), c51 = load(5, 8)
        let a0 = o.a, a1 = o.aRow(1, of: rows), a2 = o.aRow(2, of: rows)
        let a3 = o.aRow(3, of: rows), a4 = o.aRow(4, of: rows), a5 = o.aRow(5, of: rows)
        let ka = o.ka, ldb = o.ldb
        for p in 0 ..< o.k {
            let off = p &* ldb &* 4
            let b0 = rb.loadUnaligned(fromByteOffset: off, as: V.self)
            let b1 = rb.loadUnaligned(fromByteOffset: off &+ 32, as: V.self)
            let q = p &* ka
            var x = V(repeating: a0[q]); c00.addProduct(x, b0); c01.addProduct(x, b1)
            x = V(repeating: a1[q]); c10.addProduct(x, b0); c11.addProduct(x, b1)
            x = V(repeating: a2[q]); c20.addProduct(x, b0); c21.addProduct(x, b1)
            x = V(repeating: a3[q]); c30.addProduct(x, b0); c31.addProduct(x, b1)
            x = V(repeating: a4[q]); c40.addProduct(x, b0); c41.addProduct(x, b1)
            x = V(repeating: a5[q]); c50.addProduct(x, b0); c51.addProduct(x, b1)
        }
        func store(_ v: V, _ r: Int, _ j: Int) {
            if r < rows { rc.storeBytes(of: v, toByteOffset: (r &* o.ldc &+ j) &* 4, as: V.self) }
        }
        store(c00, 0, 0); store(c01, 0, 8); store(c10, 1, 0); store(c11, 1, 8)
        store(c20, 2, 0); store(c21, 2, 8); store(c30, 3, 0); store(c31, 3, 8)
        store(c40, 4, 0); store(c41, 4, 8); store(c50, 5, 0); store(c51, 5, 8)
    }

    static func narrow(rows: Int, _ o: Operands) { wide(rows: rows, o) }
}
