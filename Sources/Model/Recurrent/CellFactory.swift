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
        switch (spec.cell, spec.layerNorm) {
        case (.gru, true):
            return LayerNormGRU(inputSize: inputSize, hiddenSize: h, layout: &layout, names: names)
        case (.lstm, true):
            return LayerNormLSTM(inputSize: inputSize, hiddenSize: h, layout: &layout, names: names)
        case (.gru, false):
            return GRU(inputSize: inputSize, hiddenSize: h, layout: &layout, names: names)
        case (.lstm, false):
            return LSTM(inputSize: inputSize, hiddenSize: h, layout: &layout, names: names)
        case (.rnn, _):   // layer norm is refused by ModelSpec.problem
            return ElmanRNN(inputSize: inputSize, hiddenSize: h, nonlinearity: spec.nonlinearity, layout: &layout, names: names)
        }
    }
}
