// swift-tools-version:6.0
//
// rnntrain: a command-line trainer for recurrent networks over
// variable-length token sequences. No package dependencies: the only
// external pieces are OpenBLAS, zlib and OpenMPI, reached through the CBLAS,
// CZlib and CMPI system libraries; CPUSupport is our own C (CPUID and the
// MXCSR denormal mode), MPIShim the MPI calls in plain C types (Swift cannot
// import MPI_COMM_WORLD and friends) and Cluster data-parallel training
// under mpirun.
//
// Data flows through the targets in this order:
//   Corpus (CSV -> corpus -> batches) -> Model (layers, networks, trainer)
//   -> RNNTrainCLI (commands, report) -> rnntrain (main.swift)
// with TensorCore (BLAS, SIMD kernels, RNG) underneath all of them.
import PackageDescription

// What differs per platform is listed in docs/platforms.md.
//
// The training loop's targets skip the run-time exclusivity checks on class
// properties (`swift_beginAccess` / `swift_endAccess` around every access of
// a worker's or a layer's stored arrays in the inner loops): classify
// --bucketed trains about 5% faster without them (interleaved, 1,101,000-
// 1,155,000 against 1,047,000-1,114,000 tok/s). Overlapping accesses are
// still rejected at compile time wherever the compiler can see them.
let hotLoops: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"])]

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
        .systemLibrary(
            name: "CMPI",
            path: "Sources/CMPI",
            pkgConfig: "ompi-c",
            providers: [.apt(["libopenmpi-dev"])]
        ),
        .target(name: "CPUSupport"),
        .target(name: "MPIShim", dependencies: ["CMPI"]),
        // The BLAS: OpenBLAS on Linux, Accelerate on Darwin (`BLASRuntime` is the seam).
        .target(name: "TensorCore", dependencies: [.target(name: "CBLAS", condition: .when(platforms: [.linux])), "CPUSupport"],
                swiftSettings: hotLoops, linkerSettings: [.linkedFramework("Accelerate", .when(platforms: [.macOS]))]),
        .target(name: "Corpus", dependencies: ["TensorCore", "CZlib"]),
        .target(name: "Model", dependencies: ["TensorCore", "Corpus"], swiftSettings: hotLoops),
        .target(name: "Cluster", dependencies: ["Model", "MPIShim"]),
        .target(name: "RNNTrainCLI", dependencies: ["TensorCore", "Corpus", "Model", "Cluster"]),
        .executableTarget(name: "rnntrain", dependencies: ["RNNTrainCLI", "Cluster"]),
        .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore"]),
        .testTarget(name: "CorpusTests", dependencies: ["Corpus"]),
        .testTarget(name: "ModelTests", dependencies: ["Model", "Corpus", "TensorCore"]),
        .testTarget(name: "RNNTrainCLITests", dependencies: ["RNNTrainCLI", "Corpus", "Model", "TensorCore"]),
    ],
    swiftLanguageModes: [.v5]
)
