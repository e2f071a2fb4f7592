import TensorCore

/// A dense layer `y = x W^T + b`, PyTorch's `nn.Linear` (`fc.weight [K, H]`,
/// `fc.bias [K]`).
public struct Linear: Sendable {
    public let inputSize: Int
    public let outputSize: Int
    public let weight: Int, bias: Int

    public init(inputSize: Int, outputSize: Int, layout: inout ParameterLayout, prefix: String = "fc.") {
        self.inputSize = inputSize
        self.outputSize = outputSize
        weight = layout.add("\(prefix)weight", shape: [outputSize, inputSize])
        bias = layout.add("\(prefix)bias", shape: [outputSize])
    }

    /// Glorot-uniform weight and zero bias (TensorFlow's dense-layer defaults).
    public func initialize(_ params: UnsafeMutablePointer<Float>, rng: inout RNG) {
        Initializer.glorotUniform(params + weight, fanIn: inputSize, fanOut: outputSize, rng: &rng)
        (params + bias).update(repeating: 0, count: outputSize)
    }

    /// y = x W^T + b.   x: [M x in], y: [M x out]
    public func forward(_ params: UnsafePointer<Float>, x: Matrix, y: Matrix) {
        let w = Matrix(UnsafeMutablePointer(mutating: params) + weight, rows: outputSize, cols: inputSize)
        for r in 0 ..< y.rows { y.row(r).update(from: params + bias, count: outputSize) }
        gemm(x, w, transposeB: true, into: y, beta: 1)
    }

    /// dW += dy^T x, db += Σ dy, and dx = dy W when asked.
    public func backward(_ params: UnsafePointer<Float>, _ grads: UnsafeMutablePointer<Float>,
                         x: Matrix, dy: Matrix, dx: Matrix?) {
        let w = Matrix(UnsafeMutablePointer(mutating: params) + weight, rows: outputSize, cols: inputSize)
        StepGEMM.accumulateTransposed(dy, x, into: Matrix(grads + weight, rows: outputSize, cols: inputSize))
        Kernels.addColumnSums(dy, into: grads + bias)
        if let dx { gemm(dy, w, into: dx) }
    }
}
