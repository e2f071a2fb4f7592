import TensorCore

/// The one place that maps a model description to a cell type: a new cell is
/// its own file plus one case here.
public enum CellFactory {
    /// Makes the cell of `layer` in `direction` (1 = reverse), declaring its
    /// tensors in `layout` under PyTorch's names for the spec's module.
    public static func make(_ spec: ModelSpec, layer: Int, direction: Int, inputSize: Int,
                            layout: inout ParameterLayout) -> any RecurrentCell {
        let names = CellNames(module: spec.cell.module, layer: layer, reverse: direction == 1)
        let h = spec.hiddenSize
        switch spec.cell {
        case .gru:
            return GRU(inputSize: inputSize, hiddenSize: h, layout: &layout, names: names)
        case .lstm:
            return LSTM(inputSize: inputSize, hiddenSize: h, layout: &layout, names: names)
        case .rnn:
            return ElmanRNN(inputSize: inputSize, hiddenSize: h, nonlinearity: spec.nonlinearity, layout: &layout, names: names)
        }
    }

    /// Why `spec` names a cell this build does not have, or nil.
    public static func unsupported(_ spec: ModelSpec) -> String? {
        if spec.layerNorm { return "--layer-norm is not available in this build" }
        return nil
    }
}
