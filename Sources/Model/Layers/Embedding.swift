import TensorCore

/// Token embedding, PyTorch's `nn.Embedding` (`embedding.weight`, `[V, E]`).
///
/// forward gathers one table row per packed token; backward scatter-adds the
/// token gradients back into the table's gradient (rows of tokens that did not
/// occur stay untouched). The result is one gradient row per distinct token,
/// each summed in packed order (time-major, longest row first): a fixed order
/// for a given batch, whichever update follows. The dense update reads the
/// whole table, the sparse one (`GradientPath`, `SparseRowOptimizer`) only
/// these rows: the same numbers either way. Id 0 (`<UNK>`, also the padding value) is an ordinary
/// trainable row: padding never reaches this layer because batches are packed.
public struct Embedding: Sendable {
    public let vocabularySize: Int
    public let dim: Int
    public let offset: Int

    public init(vocabularySize: Int, dim: Int, layout: inout ParameterLayout, name: String = "embedding.weight") {
        self.vocabularySize = vocabularySize
        self.dim = dim
        offset = layout.add(name, shape: [vocabularySize, dim])
    }

    /// Glorot-uniform, as TensorFlow initialises embedding variables.
    public func initialize(_ params: UnsafeMutablePointer<Float>, rng: inout RNG) {
        Initializer.glorotUniform(params + offset, fanIn: vocabularySize, fanOut: dim, rng: &rng)
    }

    /// out[i] = table[ids[i]].   ids: [N], out: [N x E]
    public func forward(_ params: UnsafePointer<Float>, ids: UnsafeBufferPointer<Int32>, out: Matrix) {
        let table = params + offset
        for i in 0 ..< ids.count {
            out.row(i).update(from: table + Int(ids[i]) * dim, count: dim)
        }
    }

    /// dTable[t.ids[k]] += t.gradients[k]: the gradient of a batch's
    /// distinct tokens (`TokenInput`), each row already summed over its
    /// positions.
    public func backward(_ grads: UnsafeMutablePointer<Float>, tokens t: TokenInput) {
        let table = Matrix(grads + offset, rows: vocabularySize, cols: dim)
        t.ids.withUnsafeBufferPointer { Kernels.addRows(t.gradients, into: table, at: $0) }
    }

    /// dTable[ids[i]] += dOut[i].   dOut: [N x E]
    public func backward(_ grads: UnsafeMutablePointer<Float>, ids: UnsafeBufferPointer<Int32>, dOut: Matrix) {
        Kernels.addRows(dOut, into: Matrix(grads + offset, rows: vocabularySize, cols: dim), at: ids)
    }
}
