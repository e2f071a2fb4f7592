#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A seeded, platform-independent random number generator (xoshiro256**,
/// seeded through SplitMix64).
///
/// Every random decision in rnntrain (synthetic data, shuffles, splits,
/// initialisation, dropout) goes through this type and the helpers below,
/// never through `SystemRandomNumberGenerator` or the standard library's
/// `shuffle`, whose algorithms may change between Swift releases. Same seed,
/// same sequence, on every machine and toolchain.
public struct RNG: RandomNumberGenerator, Sendable, Equatable {
    public var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var sm = seed
        state = (RNG.splitMix(&sm), RNG.splitMix(&sm), RNG.splitMix(&sm), RNG.splitMix(&sm))
    }

    /// Restores a generator from a saved `state` (checkpoints).
    public init(state: (UInt64, UInt64, UInt64, UInt64)) {
        self.state = state
    }

    public static func == (a: RNG, b: RNG) -> Bool {
        a.state.0 == b.state.0 && a.state.1 == b.state.1 && a.state.2 == b.state.2 && a.state.3 == b.state.3
    }

    @inline(__always)
    static func splitMix(_ x: inout UInt64) -> UInt64 {
        x &+= 0x9E37_79B9_7F4A_7C15
        return mix64(x)
    }

    /// SplitMix64's finaliser: a fast bijective hash of 64 bits. Used to derive
    /// independent streams from (seed, step, row) keys.
    @inline(__always)
    public static func mix64(_ v: UInt64) -> UInt64 {
        var z = v
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A generator for the stream named by `keys` under `seed`: the same keys
    /// give the same stream whatever else was drawn before.
    public static func derived(seed: UInt64, _ keys: UInt64...) -> RNG {
        var h = mix64(seed ^ 0x5851_F42D_4C95_7F2D)
        for k in keys { h = mix64(h ^ k &+ 0x9E37_79B9_7F4A_7C15) }
        return RNG(seed: h)
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = rotl(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotl(state.3, 45)
        return result
    }

    @inline(__always)
    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 &- k)) }

    /// Uniform in [0, 1) with 24 random bits.
    @inline(__always)
    public mutating func nextFloat() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }

    /// Uniform in [0, 1) with 53 random bits.
    @inline(__always)
    public mutating func nextDouble() -> Double { Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0) }

    /// Uniform in [low, high).
    @inline(__always)
    public mutating func uniform(_ low: Float, _ high: Float) -> Float { low + (high - low) * nextFloat() }

    /// Uniform integer in [0, n), unbiased (Lemire's multiply-and-reject).
    @inline(__always)
    public mutating func below(_ n: Int) -> Int {
        precondition(n > 0, "below(n) needs n > 0")
        let bound = UInt64(n)
        var m = next().multipliedFullWidth(by: bound)
        if m.low < bound {
            let threshold = (0 &- bound) % bound
            while m.low < threshold { m = next().multipliedFullWidth(by: bound) }
        }
        return Int(m.high)
    }

    /// Standard normal deviate (Box-Muller, one value per call).
    public mutating func normal() -> Double {
        var u = nextDouble()
        while u <= 0 { u = nextDouble() }
        let v = nextDouble()
        return (-2 * _log(u)).squareRoot() * _cos(2 * Double.pi * v)
    }

    /// Fisher-Yates shuffle, stable across toolchains. (`@inlinable` so it
    /// is specialised for the element type where it is called.)
    @inlinable
    public mutating func shuffle<T>(_ a: inout [T]) {
        var i = a.count - 1
        while i > 0 {
            let j = below(i + 1)
            a.swapAt(i, j)
            i -= 1
        }
    }

    /// Shuffles `a[range]` in place.
    @inlinable
    public mutating func shuffle<T>(_ a: inout [T], range: Range<Int>) {
        var i = range.upperBound - 1
        while i > range.lowerBound {
            let j = range.lowerBound + below(i - range.lowerBound + 1)
            a.swapAt(i, j)
            i -= 1
        }
    }
}

@inline(__always) func _log(_ x: Double) -> Double { log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { cos(x) }
