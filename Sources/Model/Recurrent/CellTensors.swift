import TensorCore

/// The four tensors of a PyTorch recurrent cell with `gates` gate blocks
/// (LSTM 4, Elman RNN 1): `weight_ih [G, in]`, `weight_hh [G, H]`,
/// `bias_ih [G]`, `bias_hh [G]` with G = gates * H, declared in that order
/// under PyTorch's names, and the parts of forward and backward that are the
/// same for every cell whose input and recurrent pre-activations are summed
/// (`a = x W_ih^T + b_ih + h W_hh^T + b_hh`, so dA is the gradient of both).
public struct CellTensors: Sendable {
    public let inputSize: Int, hiddenSize: Int
    /// G = gates * hiddenSize: the width of a pre-activation row.
    public let width: Int
    /// Offsets in the parameter slab.
    public let weightIH: Int, weightHH: Int, biasIH: Int, biasHH: Int

    public init(gates: Int, inputSize: Int, hiddenSize: Int, layout: inout ParameterLayout, names: CellNames) {
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        width = gates * hiddenSize
        weightIH = layout.add(names.name("weight_ih"), shape: [width, inputSize])
        weightHH = layout.add(names.name("weight_hh"), shape: [width, hiddenSize])
        biasIH = layout.add(names.name("bias_ih"), shape: [width])
        biasHH = layout.add(names.name("bias_hh"), shape: [width])
    }

    /// PyTorch's init: all four tensors uniform in ±1/sqrt(H), in order.
    public func initialize(_ params: UnsafeMutablePointer<Float>, rng: inout RNG) {
        let k = 1 / Float(hiddenSize).squareRoot()
        Initializer.uniform(params + weightIH, count: width * inputSize, limit: k, rng: &rng)
        Initializer.uniform(params + weightHH, count: width * hiddenSize, limit: k, rng: &rng)
        Initializer.uniform(params + biasIH, count: width, limit: k, rng: &rng)
        Initializer.uniform(params + biasHH, count: width, limit: k, rng: &rng)
    }

    /// Views of `weight_ih [G x in]` and `weight_hh [G x H]`.
    public func weights(_ params: UnsafePointer<Float>) -> (ih: Matrix, hh: Matrix) {
        let p = UnsafeMutablePointer(mutating: params)
        return (Matrix(p + weightIH, rows: width, cols: inputSize),
                Matrix(p + weightHH, rows: width, cols: hiddenSize))
    }

    /// Copies h_{t-1} of the rows active at step t into `hPrev` (its rows
    /// for step t): the start state at t = 0 (an `ld == 0` view repeats one
    /// vector), else the rows' outputs at step t - 1.
    public func gatherPrevious(step t: Int, batch: PackedBatch, start: Matrix, output: Matrix, into hPrev: Matrix) {
        let n = batch.active[t], dst = hPrev.rows(batch.offsets[t], n)
        let src = t == 0 ? start : output.rows(batch.offsets[t - 1], n)
        if src.ld == hiddenSize && dst.ld == hiddenSize {                  // one block: the rows are adjacent
            dst.base.update(from: src.base, count: n * hiddenSize)
        } else {
            for r in 0 ..< n { dst.row(r).update(from: src.row(r), count: hiddenSize) }
        }
    }

    /// After the reverse time loop, given dA for every token `[N x G]`:
    /// `dW_ih += dA^T X`, `dW_hh += dA^T H_prev`, both bias gradients
    /// `+= Σ_tokens dA`, and `dInput = dA W_ih` when given (`CellInput`).
    func accumulateGradients(_ params: UnsafePointer<Float>, _ grads: UnsafeMutablePointer<Float>,
                             dA: Matrix, input x: CellInput, hPrev: Matrix, dInput: Matrix?, packed: RecurrentWeights) {
        let gWIH = Matrix(grads + weightIH, rows: width, cols: inputSize)
        let gWHH = Matrix(grads + weightHH, rows: width, cols: hiddenSize)
        StepGEMM.accumulateTransposed(dA, hPrev, into: gWHH)      // [G x N] x [N x H]
        Kernels.addColumnSums(dA, into: grads + biasHH)
        x.backpropagate(dA, weight: weights(params).ih, packed: packed, gradWeight: gWIH, gradBias: grads + biasIH, dInput: dInput)
    }
}

/// A cell whose parameters are exactly PyTorch's four tensors: its sizes and
/// initialisation come from them.
public protocol CellTensorsCell: RecurrentCell {
    var tensors: CellTensors { get }
}

extension CellTensorsCell {
    public var inputSize: Int { tensors.inputSize }
    public var hiddenSize: Int { tensors.hiddenSize }
    public var projectionWidth: Int { tensors.width }

    /// PyTorch's init: all four tensors uniform in ±1/sqrt(H).
    public func initialize(_ params: UnsafeMutablePointer<Float>, rng: inout RNG) {
        tensors.initialize(params, rng: &rng)
    }
}

/// Copies row `indices[r]` of `src` to row r of `dst` (`[B x H]` views).
func gatherRows(_ src: Matrix, _ indices: [Int], into dst: Matrix) {
    for (r, i) in indices.enumerated() { dst.row(r).update(from: src.row(i), count: dst.cols) }
}

/// A cell's weights laid out for `StepGEMM`, each packed once per batch (the
/// weights do not change within one); one set per cell workspace. W_hh^T for
/// forward's `h W_hh^T` and W_hh for backward's `dA W_hh`, per step; W_ih^T
/// and W_ih for the input projection `X W_ih^T` and its gradient `dA W_ih`,
/// once per batch (`CellInput`).
final class RecurrentWeights {
    /// B = W_hh^T.   [H x G]
    let forward: PackedWeight
    /// B = W_hh.     [G x H]
    let backward: PackedWeight
    /// B = W_ih^T.   [in x G]
    let inputForward: PackedWeight
    /// B = W_ih.     [G x in]
    let inputBackward: PackedWeight

    init(hidden h: Int, width g: Int, input: Int) {
        forward = PackedWeight(k: h, n: g)
        backward = PackedWeight(k: g, n: h)
        inputForward = PackedWeight(k: input, n: g)
        inputBackward = PackedWeight(k: g, n: input)
    }

    /// Keep each packing while its weight stays the same view (inference:
    /// the weights do not change between calls).
    func holdPacking() {
        for w in [forward, backward, inputForward, inputBackward] { w.holdsPacking = true }
    }
}

/// A cell workspace with its weights packed for `StepGEMM`.
protocol PackedWorkspace {
    var hh: RecurrentWeights { get }
}
