// OpenBLAS's CBLAS interface plus its runtime controls
// (openblas_get_corename, openblas_set_num_threads, ...), which OpenBLAS
// declares in the same header.
#ifndef RNNTRAIN_CBLAS_SHIM_H
#define RNNTRAIN_CBLAS_SHIM_H
#include <cblas.h>
#endif
