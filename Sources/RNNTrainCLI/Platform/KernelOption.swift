import TensorCore

/// `--kernels FAMILY`, taken by every command that computes: which code runs
/// the matrix products (`KernelFamily`). Declared and applied here once:
/// `RNNTrain.run` takes it out of the arguments before the command parses
/// them, and lists it in the command's help.
enum KernelOption {
    static let spec = OptionSpec("--kernels", "FAMILY",
                                 help: "code of every matrix product: auto (the widest this CPU runs), avx512, avx2 or portable "
                                     + "(the same bits on every CPU), blas (OpenBLAS sgemm, rounding depends on the CPU)",
                                 default: "\(EnvironmentSwitch.kernels.rawValue) if set, else auto")

    /// `arguments` without `--kernels X` / `--kernels=X`, after making X the
    /// active family (absent: `RNNTRAIN_KERNELS`, else `auto`), so every run
    /// of a command, in-process ones too, starts from its own choice.
    static func apply(_ arguments: [String]) throws -> [String] {
        var rest: [String] = [], chosen: String?
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            if a == "--" { rest += arguments[i...]; break }
            if a == spec.name {
                guard i + 1 < arguments.count else { throw UsageError("option --kernels needs a value (\(KernelFamily.choices.joined(separator: ", ")))") }
                chosen = arguments[i + 1]
                i += 2
                continue
            }
            if a.hasPrefix(spec.name + "=") { chosen = String(a.dropFirst(spec.name.count + 1)); i += 1; continue }
            rest.append(a)
            i += 1
        }
        if let chosen {
            do { KernelFamily.active = try KernelFamily.named(chosen) } catch let e as KernelChoiceError {
                throw UsageError("option --kernels: \(e.message)")
            }
            return rest
        }
        switch KernelFamily.fromEnvironment() {
        case .failure(let e)?: throw UsageError(e.message)
        case .success(let f)?: KernelFamily.active = f
        case nil: KernelFamily.active = .widestSupported
        }
        return rest
    }

    /// `help` with the option's line before `--help`'s, in the same columns.
    static func addingLine(to help: String) -> String {
        var lines = help.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let k = lines.firstIndex(where: { $0.hasPrefix("  --help ") }) else { return help }
        let width = 8 + lines[k].dropFirst(8).prefix { $0 == " " }.count   // "  --help" and its padding
        let label = "  \(spec.name) \(spec.valueName ?? "")"
        let line = label + String(repeating: " ", count: max(width - label.count, 2)) + spec.help + " (default: \(spec.defaultText ?? ""))"
        lines.insert(line, at: k)
        return lines.joined(separator: "\n")
    }
}
