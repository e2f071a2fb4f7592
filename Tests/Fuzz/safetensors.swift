// libFuzzer target: the safetensors reader and the checkpoint checks on top
// of it (scripts/fuzz.sh safetensors SECONDS).
import Corpus
import Model

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    guard let (tensors, metadata) = try? Safetensors.decode(bytes, fileName: "fuzz.safetensors") else { return 0 }
    for (_, t) in tensors { precondition(t.values.count == t.shape.reduce(1, *)) }
    // What `--resume` and `eval` do next: read the record and restore into
    // a network of that size, if it is small enough to build here; the
    // network then holds exactly the file's tensors.
    guard let checkpoint = try? Checkpoint.decode(tensors: tensors, metadata: metadata, path: "fuzz.safetensors"),
          let record = try? checkpoint.record(path: "fuzz.safetensors") else { return 0 }
    let layout = NetworkArchitecture(record.model).layout
    guard layout.totalCount < 2_000_000 else { return 0 }
    let net = SequenceNetwork(spec: record.model, seed: 1)
    guard (try? checkpoint.restore(into: net, optimizer: nil, path: "fuzz.safetensors")) != nil else { return 0 }
    for spec in layout.specs { precondition(net.tensor(spec.name)?.map(\.bitPattern) == checkpoint.tensors[spec.name]?.values.map(\.bitPattern)) }
    return 0
}
