/// Vectorised transcendental functions on 16 floats at a time.
///
/// Written with `&`-operators and bit patterns only, so nothing in them can
/// trap and the compiler keeps them in vector registers (an `Int32(float)`
/// conversion would trap on overflow and block vectorisation).
public typealias Vec = SIMD16<Float>
public let vecWidth = 16

/// e^x, relative error about 2e-7 over the whole float range (inputs are
/// clamped to [-87, 88], where e^x stays a normal float).
///
/// Cody-Waite range reduction x = n ln2 + r with |r| <= ln2/2, a degree-6
/// polynomial for e^r (Cephes' expf coefficients) and 2^n built directly in
/// the exponent bits.
@inline(__always)
public func vexp(_ x: Vec) -> Vec {
    let xc = pointwiseMax(pointwiseMin(x, Vec(repeating: 88.0)), Vec(repeating: -87.0))
    let shifter = Vec(repeating: 12_582_912.0) // 1.5 * 2^23: adding it rounds to an integer
    let t = xc * 1.442_695_040_888_963_4 + shifter
    let n = t - shifter
    var r = xc - n * 0.693_359_375
    r = r - n * -2.121_944_400_546_905_8e-4
    var p = Vec(repeating: 1.987_569_150_0e-4)
    p = p * r + 1.398_199_950_7e-3
    p = p * r + 8.333_451_907_3e-3
    p = p * r + 4.166_579_589_4e-2
    p = p * r + 1.666_666_545_9e-1
    p = p * r + 5.000_000_120_1e-1
    p = p * (r * r) + r + 1
    // The low mantissa bits of t hold n (two's complement); move n + 127 into
    // the exponent field to get 2^n.
    let nBits = unsafeBitCast(t, to: SIMD16<UInt32>.self) &- 0x4B40_0000
    let scale = unsafeBitCast((nBits &+ 127) &<< 23, to: Vec.self)
    return p * scale
}

/// The logistic function 1 / (1 + e^-x).
@inline(__always)
public func vsigmoid(_ x: Vec) -> Vec {
    1 / (1 + vexp(-x))
}

/// tanh(x) = 1 - 2 / (e^2x + 1): exact limits ±1, absolute error about 1e-7.
@inline(__always)
public func vtanh(_ x: Vec) -> Vec {
    1 - 2 / (vexp(x + x) + 1)
}

/// Loads `count` (<= 16) floats; missing lanes are zero.
@inline(__always)
public func vload(_ p: UnsafePointer<Float>, _ count: Int) -> Vec {
    if count == vecWidth { return UnsafeRawPointer(p).loadUnaligned(as: Vec.self) }
    var v = Vec()
    for i in 0 ..< count { v[i] = p[i] }
    return v
}

/// Stores the first `count` (<= 16) lanes of `v`.
@inline(__always)
public func vstore(_ v: Vec, _ p: UnsafeMutablePointer<Float>, _ count: Int) {
    if count == vecWidth { UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vec.self); return }
    for i in 0 ..< count { p[i] = v[i] }
}

/// Element-wise maps of whole arrays, used for tests and for callers that
/// want the kernels' exact numerics outside the fused loops.
public enum VectorMath {
    public static func apply(_ f: (Vec) -> Vec, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i < count {
            let c = Swift.min(vecWidth, count - i)
            vstore(f(vload(x + i, c)), y + i, c)
            i += vecWidth
        }
    }

    public static func exp(_ x: [Float]) -> [Float] { map(x, vexp) }
    public static func sigmoid(_ x: [Float]) -> [Float] { map(x, vsigmoid) }
    public static func tanh(_ x: [Float]) -> [Float] { map(x, vtanh) }

    static func map(_ x: [Float], _ f: (Vec) -> Vec) -> [Float] {
        var y = [Float](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                if let xb = xp.baseAddress, let yb = yp.baseAddress { apply(f, xb, yb, count: x.count) }
            }
        }
        return y
    }
}
