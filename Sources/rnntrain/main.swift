import RNNTrainCLI
#if canImport(Glibc)
import Glibc
#endif

// OpenBLAS picks its kernels when it loads; make sure it picked the right
// ones for this CPU (re-executing once with OPENBLAS_CORETYPE if needed).
BLASEnvironment.ensureBestKernels()
exit(RNNTrain.run(Array(CommandLine.arguments.dropFirst())))
