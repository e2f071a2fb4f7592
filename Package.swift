// swift-tools-version:6.0
//
// rnntrain: a command-line trainer for recurrent networks over
// variable-length token sequences. No package dependencies: the only
// external pieces are OpenBLAS and zlib, reached through the CBLAS and
// CZlib system libraries; CPUSupport is our own C (CPUID and the MXCSR
// denormal mode).
//
// Data flows through the targets in this order:
//   Corpus (CSV -> corpus -> batches) -> Model (layers, networks, trainer)
//   -> RNNTrainCLI (commands, report) -> rnntrain (main.swift)
// with TensorCore (BLAS, SIMD kernels, RNG) underneath all of them.
import PackageDescription

let package = Package(
    name: "rnntrain",
    products: [
        .executable(name: "rnntrain", targets: ["rnntrain"]),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS",
            path: "Sources/CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            path: "Sources/CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(name: "CPUSupport"),
        .target(name: "TensorCore", dependencies: ["CBLAS", "CPUSupport"]),
        .target(name: "Corpus", dependencies: ["TensorCore", "CZlib"]),
        .target(name: "Model", dependencies: ["TensorCore", "Corpus"]),
        .target(name: "RNNTrainCLI", dependencies: ["TensorCore", "Corpus", "Model"]),
        .executableTarget(name: "rnntrain", dependencies: ["RNNTrainCLI"]),
        .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore"]),
        .testTarget(name: "CorpusTests", dependencies: ["Corpus"]),
        .testTarget(name: "ModelTests", dependencies: ["Model", "Corpus", "TensorCore"]),
        .testTarget(name: "RNNTrainCLITests", dependencies: ["RNNTrainCLI", "Corpus", "Model", "TensorCore"]),
    ],
    swiftLanguageModes: [.v5]
)
