// libFuzzer target: the safetensors reader and the checkpoint checks on top
// of it (scripts/fuzz.sh safetensors SECONDS).
import Corpus
import Model

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    guard let (tensors, metadata) = try? Safetensors.decode(bytes, fileName: "fuzz.safetensors") else { return 0 }
    for (_, t) in tensors { precondition(t.values.count == t.shape.reduce(1, *)) }
    // What `--resume` and `eval` do next: read the architecture and restore
    // into a network of that size, if it is small enough to build here.
    let checkpoint = Checkpoint(tensors: tensors, metadata: metadata)
    guard let config = try? checkpoint.config(path: "fuzz.safetensors"),
          config.vocabularySize * config.embedDim + 3 * config.hiddenSize * (config.embedDim + config.hiddenSize) < 1_000_000,
          config.numClasses * config.hiddenSize < 100_000 else { return 0 }
    let net = SequenceNetwork(config: config, seed: 1)
    _ = try? checkpoint.restore(into: net, optimizer: nil, path: "fuzz.safetensors")
    return 0
}
