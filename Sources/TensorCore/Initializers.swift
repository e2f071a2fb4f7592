/// Weight initialisers. Each fills a block of a parameter slab from the
/// trainer's seeded `RNG`, in row-major order, so the same seed gives the same
/// network.
public enum Initializer {
    /// Uniform in [-limit, limit].
    public static func uniform(_ p: UnsafeMutablePointer<Float>, count: Int, limit: Float, rng: inout RNG) {
        for i in 0 ..< count { p[i] = rng.uniform(-limit, limit) }
    }

    /// Glorot (Xavier) uniform: limit sqrt(6 / (fanIn + fanOut)), TensorFlow's
    /// default for dense and embedding weights.
    public static func glorotUniform(_ p: UnsafeMutablePointer<Float>, fanIn: Int, fanOut: Int, rng: inout RNG) {
        let limit = (6.0 / Float(fanIn + fanOut)).squareRoot()
        uniform(p, count: fanIn * fanOut, limit: limit, rng: &rng)
    }
}
