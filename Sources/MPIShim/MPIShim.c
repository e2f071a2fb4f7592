#include "MPIShim.h"
#include <mpi.h>

int rnntrain_mpi_active(void) {
    int initialized = 0, finalized = 0;
    MPI_Initialized(&initialized);
    MPI_Finalized(&finalized);
    return initialized && !finalized;
}

int rnntrain_mpi_init(void) { return MPI_Init(NULL, NULL); }

int rnntrain_mpi_rank(void) {
    int r = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &r);
    return r;
}

int rnntrain_mpi_size(void) {
    int n = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &n);
    return n;
}

int rnntrain_mpi_allgather_float(const float *send, int count, float *recv) {
    return MPI_Allgather(send, count, MPI_FLOAT, recv, count, MPI_FLOAT, MPI_COMM_WORLD);
}

int rnntrain_mpi_allgather_double(const double *send, int count, double *recv) {
    return MPI_Allgather(send, count, MPI_DOUBLE, recv, count, MPI_DOUBLE, MPI_COMM_WORLD);
}

int rnntrain_mpi_allgather_int(const int *send, int count, int *recv) {
    return MPI_Allgather(send, count, MPI_INT, recv, count, MPI_INT, MPI_COMM_WORLD);
}

int rnntrain_mpi_allgatherv_int(const int *send, int count, int *recv, const int *counts, const int *displs) {
    return MPI_Allgatherv(send, count, MPI_INT, recv, counts, displs, MPI_INT, MPI_COMM_WORLD);
}

int rnntrain_mpi_alltoallv_float(const float *send, const int *sendcounts, const int *sdispls,
                                 float *recv, const int *recvcounts, const int *rdispls) {
    return MPI_Alltoallv(send, sendcounts, sdispls, MPI_FLOAT, recv, recvcounts, rdispls, MPI_FLOAT, MPI_COMM_WORLD);
}

int rnntrain_mpi_allgatherv_float_inplace(float *buffer, const int *counts, const int *displs) {
    return MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, buffer, counts, displs, MPI_FLOAT, MPI_COMM_WORLD);
}

int rnntrain_mpi_finalize(void) { return MPI_Finalize(); }

void rnntrain_mpi_abort(int code) { MPI_Abort(MPI_COMM_WORLD, code); }
