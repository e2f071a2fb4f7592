import Cluster
import RNNTrainCLI
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// OpenBLAS picks its kernels when it loads; make sure it picked the right
// ones for this CPU (re-executing once with OPENBLAS_CORETYPE if needed).
BLASEnvironment.ensureBestKernels()
// Under mpirun, MPI ends with the process: finalized after a clean finish,
// the job aborted after a failure (nothing happens outside mpirun).
exit(MPIGroup.finish(status: RNNTrain.run(Array(CommandLine.arguments.dropFirst()))))
