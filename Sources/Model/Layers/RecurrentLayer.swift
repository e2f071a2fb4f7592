import TensorCore

/// A recurrent layer over packed batches (see `PackedBatch`).
///
/// Input and output are packed `[N x inputSize]` and `[N x outputSize]`
/// matrices: packed index `offsets[t] + b` is row b at step t, only real
/// tokens are present, and a row's state stops changing at its last token.
/// The trainer and the networks see only this protocol, so other cells (LSTM),
/// stacked layers (output of one is input of the next) and a reverse direction
/// plug in without changing them.
public protocol RecurrentLayer: Sendable {
    var inputSize: Int { get }
    var outputSize: Int { get }

    /// Initialises this layer's tensors in the parameter slab.
    func initialize(_ params: UnsafeMutablePointer<Float>, rng: inout RNG)

    /// Scratch memory for batches of at most `maxRows` rows and `maxTokens`
    /// packed tokens; one per worker, reused for every batch.
    func makeWorkspace(maxRows: Int, maxTokens: Int) -> RecurrentWorkspace

    /// Computes the outputs for every packed token, saving what backward needs
    /// in the workspace.
    func forward(_ params: UnsafePointer<Float>, input: Matrix, batch: PackedBatch,
                 workspace: RecurrentWorkspace, output: Matrix)

    /// Given the loss gradient for every output (`dOutput`, overwritten as
    /// scratch), accumulates parameter gradients into `grads` and, when
    /// `dInput` is given, writes the gradient for every input.
    func backward(_ params: UnsafePointer<Float>, _ grads: UnsafeMutablePointer<Float>,
                  input: Matrix, batch: PackedBatch, workspace: RecurrentWorkspace,
                  dOutput: Matrix, dInput: Matrix?)
}

/// Per-worker scratch memory of a recurrent layer.
public protocol RecurrentWorkspace: AnyObject {}
