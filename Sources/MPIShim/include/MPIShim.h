#ifndef RNNTRAIN_MPISHIM_H
#define RNNTRAIN_MPISHIM_H

/* The MPI calls of data-parallel training, over MPI_COMM_WORLD, in plain C
 * types (Swift cannot import MPI's handle macros). Every function returns
 * MPI's error code (0 is MPI_SUCCESS); the default error handler aborts the
 * job on a communication failure anyway. */

/* Whether MPI_Init has run and MPI_Finalize has not. */
int rnntrain_mpi_active(void);
int rnntrain_mpi_init(void);
int rnntrain_mpi_rank(void);
int rnntrain_mpi_size(void);

/* recv holds size x count values: every rank's send, in rank order. */
int rnntrain_mpi_allgather_float(const float *send, int count, float *recv);
int rnntrain_mpi_allgather_double(const double *send, int count, double *recv);
int rnntrain_mpi_allgather_int(const int *send, int count, int *recv);
/* Variable lengths: rank r's counts[r] ints land at recv + displs[r]. */
int rnntrain_mpi_allgatherv_int(const int *send, int count, int *recv, const int *counts, const int *displs);

/* Rank r sends sendcounts[q] floats from send + sdispls[q] to every rank q
 * and receives recvcounts[p] floats from rank p at recv + rdispls[p]. */
int rnntrain_mpi_alltoallv_float(const float *send, const int *sendcounts, const int *sdispls,
                                 float *recv, const int *recvcounts, const int *rdispls);
/* In place: rank r's counts[r] floats at buffer + displs[r] reach every rank. */
int rnntrain_mpi_allgatherv_float_inplace(float *buffer, const int *counts, const int *displs);

int rnntrain_mpi_finalize(void);
/* Ends every rank of the job with `code` (MPI_Abort on MPI_COMM_WORLD). */
void rnntrain_mpi_abort(int code);

#endif
