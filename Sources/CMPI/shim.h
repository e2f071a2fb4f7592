// OpenMPI's C interface (Debian's libopenmpi-dev; pkg-config ompi-c).
// Swift does not use it directly: MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM ...
// are macros over the addresses of globals, which Swift cannot import, so
// the MPIShim target wraps the few calls rnntrain makes in plain C types.
#ifndef RNNTRAIN_CMPI_SHIM_H
#define RNNTRAIN_CMPI_SHIM_H
#include <mpi.h>
#endif
