import TensorCore

/// One direction of one recurrent layer over a packed batch (see
/// `PackedBatch`): GRU, LSTM, Elman RNN, each in its own file, made by
/// `CellFactory` from the model description.
///
/// Input and output are packed `[N x inputSize]` and `[N x hiddenSize]`
/// matrices: packed index `offsets[t] + b` is batch row b at step t, only real
/// tokens are present, and at step t only the first `active[t]` rows run (the
/// active-prefix kernels: padding costs no compute). A row's state therefore
/// stops changing at its last token. A cell runs forward in time; the reverse
/// direction of a bidirectional layer is the same cell run on the batch in
/// reversed order (`RecurrentStack` permutes, the cell does not know).
///
/// States: a cell carries `stateCount` vectors of `hiddenSize` per row (h; or
/// h and c for LSTM). The state before step 0 comes in as `RecurrentState`
/// views `[B x H]`; a view with `ld == 0` broadcasts one vector to every row
/// (the learned initial state). Backward returns the gradient for those start
/// states per row, from which the caller sums the learned vectors' gradient or
/// drops it (truncated backpropagation through time).
///
/// Parameters live in the network's one slab: a cell declares its tensors in
/// the `ParameterLayout` when it is made (PyTorch names, e.g.
/// `lstm.weight_ih_l1_reverse`) and keeps their offsets.
public protocol RecurrentCell: Sendable {
    var inputSize: Int { get }
    var hiddenSize: Int { get }
    /// Vectors carried from step to step: 1 (h) or 2 (h, c).
    var stateCount: Int { get }
    /// The width G of the input projection `X W_ih^T` (gates x H).
    var projectionWidth: Int { get }

    /// Initialises this cell's tensors in the parameter slab (PyTorch's
    /// initialisation for the cell: uniform ±1/sqrt(H)).
    func initialize(_ params: UnsafeMutablePointer<Float>, rng: inout RNG)

    /// Scratch memory for batches of at most `maxRows` rows and `maxTokens`
    /// packed tokens; one per worker, reused for every batch.
    func makeWorkspace(maxRows: Int, maxTokens: Int) -> RecurrentWorkspace

    /// Computes `output [N x H]` for every packed token from `input` (`[N x
    /// in]`, or the batch's tokens: `CellInput`) and the start state, saving
    /// in `workspace` what backward and `finalState` need. `output` may be a
    /// column block of a wider matrix.
    func forward(_ params: UnsafePointer<Float>, input: CellInput, batch: PackedBatch,
                 start: RecurrentState, workspace: RecurrentWorkspace, output: Matrix)

    /// Given dL/d(output) for every token (`dOutput`, used as scratch and
    /// overwritten), accumulates the parameter gradients into `grads`
    /// (`+=`), writes dL/d(input) into `dInput` when given (`=`; for token
    /// input `+=` per distinct token, see `CellInput`), and returns
    /// dL/d(start state) per row as views `[B x H]` into the workspace (valid
    /// until the next call). Reads `input` and the workspace, never `output`.
    func backward(_ params: UnsafePointer<Float>, _ grads: UnsafeMutablePointer<Float>,
                  input: CellInput, batch: PackedBatch, workspace: RecurrentWorkspace,
                  dOutput: Matrix, dInput: Matrix?) -> RecurrentState

    /// Copies each row's state after its last step into `into` (`[B x H]`
    /// views, batch row order), after `forward` wrote `output`.
    func finalState(batch: PackedBatch, workspace: RecurrentWorkspace, output: Matrix, into: RecurrentState)
}

extension RecurrentCell {
    /// `forward` over a packed input matrix `[N x in]`.
    public func forward(_ params: UnsafePointer<Float>, input x: Matrix, batch: PackedBatch,
                        start: RecurrentState, workspace: RecurrentWorkspace, output: Matrix) {
        forward(params, input: .matrix(x), batch: batch, start: start, workspace: workspace, output: output)
    }

    /// `backward` over a packed input matrix `[N x in]`.
    public func backward(_ params: UnsafePointer<Float>, _ grads: UnsafeMutablePointer<Float>,
                         input x: Matrix, batch: PackedBatch, workspace: RecurrentWorkspace,
                         dOutput: Matrix, dInput: Matrix?) -> RecurrentState {
        backward(params, grads, input: .matrix(x), batch: batch, workspace: workspace, dOutput: dOutput, dInput: dInput)
    }
}

/// The state vectors of a batch, `[B x H]` each: `h`, and `c` for cells that
/// carry a second state (LSTM). A view with `ld == 0` repeats one vector.
public struct RecurrentState {
    public var h: Matrix
    public var c: Matrix?

    public init(h: Matrix, c: Matrix? = nil) {
        self.h = h
        self.c = c
    }
}

/// PyTorch's tensor names for one direction of one layer of `nn.GRU`,
/// `nn.LSTM` or `nn.RNN` registered as `module`:
/// `name("weight_ih")` is `gru.weight_ih_l1_reverse` for layer 1, reverse.
public struct CellNames: Sendable, Equatable {
    public var module: String
    public var layer: Int
    public var reverse: Bool

    public init(module: String, layer: Int = 0, reverse: Bool = false) {
        self.module = module
        self.layer = layer
        self.reverse = reverse
    }

    public func name(_ base: String) -> String { "\(module).\(base)_l\(layer)\(reverse ? "_reverse" : "")" }
}

/// Per-worker scratch memory of a recurrent cell.
public protocol RecurrentWorkspace: AnyObject {}
