import TensorCore

/// `--kernels FAMILY`, taken by every command that computes: which code runs
/// the matrix products (`KernelFamily`). Declared and applied here once:
/// `RNNTrain.run` takes it out of the arguments before the command parses
/// them, and lists it in the command's help.
enum KernelOption {
    static let spec = OptionSpec.choice("--kernels", "FAMILY", KernelFamily.choices,
                                        shown: "\(EnvironmentSwitch.kernels.rawValue) if set, else auto",
                                        help: "code of every matrix product: auto (the widest this CPU runs), avx512, avx2 or portable "
                                            + "(the same bits on every CPU), blas (OpenBLAS sgemm, rounding depends on the CPU)")

    /// Makes the family `--kernels` names (absent: `RNNTRAIN_KERNELS`, else
    /// `auto`) the active one, so every run of a command, in-process ones
    /// too, starts from its own choice.
    static func apply(_ o: ParsedOptions) throws {
        if let chosen = o.string(spec.name) {
            do { KernelFamily.active = try KernelFamily.named(chosen) } catch let e as KernelChoiceError {
                throw UsageError("option --kernels: \(e.message)")
            }
            return
        }
        switch KernelFamily.fromEnvironment() {
        case .failure(let e)?: throw UsageError(e.message)
        case .success(let f)?: KernelFamily.active = f
        case nil: KernelFamily.active = .widestSupported
        }
    }
}
