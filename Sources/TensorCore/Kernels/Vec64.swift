import CPUSupport

/// 64 floats processed as four independent `SIMD16<Float>` registers.
///
/// Why four: the gate math (three exponentials, three divisions per element)
/// is a long dependent chain per register; carrying four independent chains
/// through every operation lets the CPU overlap them. (`SIMD64<Float>` would
/// say the same, but the standard library lowers it element by element;
/// `SIMD16` is the widest type that maps onto vector registers.)
///
/// Everything is `@_transparent`, so kernels compile to straight vector
/// code, and nothing here can trap (bit patterns and `&` operators only),
/// which keeps loops vectorised.
public struct Vec64 {
    public typealias Part = SIMD16<Float>
    public var a: Part, b: Part, c: Part, d: Part
    public static let width = 64

    @_transparent public init(_ a: Part, _ b: Part, _ c: Part, _ d: Part) {
        self.a = a; self.b = b; self.c = c; self.d = d
    }

    @_transparent public init(_ s: Float) {
        let v = Part(repeating: s)
        a = v; b = v; c = v; d = v
    }

    /// Loads 64 floats from `p` (no alignment needed).
    @_transparent public init(_ p: UnsafePointer<Float>) {
        let r = UnsafeRawPointer(p)
        a = r.loadUnaligned(as: Part.self)
        b = r.loadUnaligned(fromByteOffset: 64, as: Part.self)
        c = r.loadUnaligned(fromByteOffset: 128, as: Part.self)
        d = r.loadUnaligned(fromByteOffset: 192, as: Part.self)
    }

    /// Loads `count` (< 64) floats; the other lanes are zero. Slow path for
    /// the end of a vector whose length is not a multiple of 64.
    @inline(never)
    public init(_ p: UnsafePointer<Float>, count: Int) {
        self = withUnsafeTemporaryAllocation(of: Float.self, capacity: 64) { lanes in
            let t = lanes.baseAddress!
            t.initialize(repeating: 0, count: 64)
            t.update(from: p, count: count)
            return Vec64(UnsafePointer(t))
        }
    }

    @_transparent public func store(_ p: UnsafeMutablePointer<Float>) {
        let r = UnsafeMutableRawPointer(p)
        r.storeBytes(of: a, as: Part.self)
        r.storeBytes(of: b, toByteOffset: 64, as: Part.self)
        r.storeBytes(of: c, toByteOffset: 128, as: Part.self)
        r.storeBytes(of: d, toByteOffset: 192, as: Part.self)
    }

    /// Stores the first `count` (< 64) lanes.
    @inline(never)
    public func store(_ p: UnsafeMutablePointer<Float>, count: Int) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 64) { lanes in
            let t = lanes.baseAddress!
            store(t)
            p.update(from: t, count: count)
        }
    }

    @_transparent public static func + (x: Vec64, y: Vec64) -> Vec64 { Vec64(x.a + y.a, x.b + y.b, x.c + y.c, x.d + y.d) }
    @_transparent public static func - (x: Vec64, y: Vec64) -> Vec64 { Vec64(x.a - y.a, x.b - y.b, x.c - y.c, x.d - y.d) }
    @_transparent public static func * (x: Vec64, y: Vec64) -> Vec64 { Vec64(x.a * y.a, x.b * y.b, x.c * y.c, x.d * y.d) }
    @_transparent public static func / (x: Vec64, y: Vec64) -> Vec64 { Vec64(x.a / y.a, x.b / y.b, x.c / y.c, x.d / y.d) }
    @_transparent public static func + (x: Vec64, y: Float) -> Vec64 { Vec64(x.a + y, x.b + y, x.c + y, x.d + y) }
    @_transparent public static func * (x: Vec64, y: Float) -> Vec64 { Vec64(x.a * y, x.b * y, x.c * y, x.d * y) }
    @_transparent public static func * (x: Float, y: Vec64) -> Vec64 { y * x }
    @_transparent public static func - (x: Float, y: Vec64) -> Vec64 { Vec64(x - y.a, x - y.b, x - y.c, x - y.d) }
    @_transparent public static func / (x: Float, y: Vec64) -> Vec64 { Vec64(x / y.a, x / y.b, x / y.c, x / y.d) }
    @_transparent public static prefix func - (x: Vec64) -> Vec64 { Vec64(-x.a, -x.b, -x.c, -x.d) }
    @_transparent public static func += (x: inout Vec64, y: Vec64) { x = x + y }

    /// self + x * y with one rounding (fused multiply-add).
    @_transparent public func adding(_ x: Vec64, times y: Vec64) -> Vec64 {
        Vec64(a.addingProduct(x.a, y.a), b.addingProduct(x.b, y.b), c.addingProduct(x.c, y.c), d.addingProduct(x.d, y.d))
    }

    /// Lane-wise, correctly rounded (`rnntrain_sqrt16`: vector instructions,
    /// where `SIMD16.squareRoot()` calls `sqrtf` lane by lane).
    @_transparent public func squareRoot() -> Vec64 {
        Vec64(rnntrain_sqrt16(a), rnntrain_sqrt16(b), rnntrain_sqrt16(c), rnntrain_sqrt16(d))
    }

    /// Sum of all lanes.
    @_transparent public func sum() -> Float { (a + b + c + d).sum() }
}

/// e^x, relative error about 2e-7 over the float range (inputs are clamped
/// to [-87, 88], where e^x stays a normal float).
///
/// Cody-Waite range reduction x = n ln2 + r with |r| <= ln2/2, a degree-6
/// polynomial for e^r (Cephes' expf coefficients) and 2^n written straight
/// into the exponent bits.
@_transparent
public func vexp(_ x: Vec64) -> Vec64 {
    let xc = Vec64(clampExp(x.a), clampExp(x.b), clampExp(x.c), clampExp(x.d))
    // Adding 1.5 * 2^23 rounds x/ln2 to an integer n, held in the low mantissa bits.
    let t = Vec64(12_582_912.0).adding(xc, times: Vec64(1.442_695_040_888_963_4))
    let n = t + -12_582_912.0
    var r = xc.adding(n, times: Vec64(-0.693_359_375))
    r = r.adding(n, times: Vec64(2.121_944_400_546_905_8e-4))
    var p = Vec64(1.398_199_950_7e-3).adding(Vec64(1.987_569_150_0e-4), times: r)
    p = Vec64(8.333_451_907_3e-3).adding(p, times: r)
    p = Vec64(4.166_579_589_4e-2).adding(p, times: r)
    p = Vec64(1.666_666_545_9e-1).adding(p, times: r)
    p = Vec64(5.000_000_120_1e-1).adding(p, times: r)
    p = (r + 1).adding(p, times: r * r)
    return p * Vec64(powerOfTwo(t.a), powerOfTwo(t.b), powerOfTwo(t.c), powerOfTwo(t.d))
}

/// Clamps to [-87, 88], where e^x is a normal float.
@_transparent
public func clampExp(_ v: SIMD16<Float>) -> SIMD16<Float> {
    let hi = v.replacing(with: 88, where: v .> 88)
    return hi.replacing(with: -87, where: hi .< -87)
}

/// 2^n for t = n + 1.5 * 2^23: the low mantissa bits of t hold n (two's
/// complement); n + 127 moved into the exponent field is 2^n.
@_transparent
public func powerOfTwo(_ t: SIMD16<Float>) -> SIMD16<Float> {
    let nBits = unsafeBitCast(t, to: SIMD16<UInt32>.self) &- 0x4B40_0000
    return unsafeBitCast((nBits &+ 127) &<< 23, to: SIMD16<Float>.self)
}

/// The logistic function 1 / (1 + e^-x).
@_transparent
public func vsigmoid(_ x: Vec64) -> Vec64 { 1 / (vexp(-x) + 1) }

/// tanh(x) = 1 - 2 / (e^2x + 1): exact limits ±1, absolute error about 1e-7.
@_transparent
public func vtanh(_ x: Vec64) -> Vec64 { 1 - 2 / (vexp(x + x) + 1) }

/// Element-wise maps of whole arrays with the kernels' exact numerics (tests,
/// and callers outside the fused loops).
public enum VectorMath {
    public static func apply(_ f: (Vec64) -> Vec64, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 64 <= count {
            f(Vec64(x + i)).store(y + i)
            i += 64
        }
        if i < count { f(Vec64(x + i, count: count - i)).store(y + i, count: count - i) }
    }

    public static func exp(_ x: [Float]) -> [Float] { map(x) { vexp($0) } }
    public static func sigmoid(_ x: [Float]) -> [Float] { map(x) { vsigmoid($0) } }
    public static func tanh(_ x: [Float]) -> [Float] { map(x) { vtanh($0) } }

    static func map(_ x: [Float], _ f: (Vec64) -> Vec64) -> [Float] {
        var y = [Float](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                if let xb = xp.baseAddress, let yb = yp.baseAddress { apply(f, xb, yb, count: x.count) }
            }
        }
        return y
    }
}
