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
    for spec in specs {
        switch spec.kind {
        case .int: _ = try? o.optionalInt(spec.name)
        case .number: _ = try? o.optionalDouble(spec.name)
        case .seed: _ = try? o.seed(spec.name)
        case .choice: _ = try? o.choice(spec.name)
        case .text: _ = o.string(spec.name)
        case .flag: _ = o.flag(spec.name)
        }
    }
    return 0
}
