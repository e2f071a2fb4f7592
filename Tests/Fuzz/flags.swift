// libFuzzer target: the hand-written flag parser and its typed getters
// (scripts/fuzz.sh flags SECONDS). The input is NUL-separated arguments; the
// first picks the command.
import RNNTrainCLI

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let args = UnsafeBufferPointer(start: data, count: size).split(separator: 0, omittingEmptySubsequences: false)
        .map { String(decoding: $0, as: UTF8.self) }
    guard let first = args.first else { return 0 }
    let names = RNNTrain.commandNames
    let command = names[Int(first.utf8.first ?? 0) % names.count]
    let specs = RNNTrain.optionSpecs(for: command)!
    _ = suggestion(for: args.last ?? "", among: specs.map(\.name))
    guard let o = try? ParsedOptions.parse(Array(args.dropFirst()), specs: specs, allowPositional: true) else { return 0 }
    for spec in specs where spec.valueName != nil {
        _ = try? o.int(spec.name, default: 1, min: 1, max: 1_000_000)
        _ = try? o.double(spec.name, default: 0.5, min: 0, max: 1, exclusiveMin: true)
        _ = try? o.seed(spec.name, default: 1)
    }
    return 0
}
