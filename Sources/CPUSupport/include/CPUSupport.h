#ifndef RNNTRAIN_CPUSUPPORT_H
#define RNNTRAIN_CPUSUPPORT_H

#include <stdbool.h>
#include <stdint.h>

/// What CPUID says about the vector units OpenBLAS's kernel sets use. On a
/// build for another architecture every field is false and the vendor empty.
typedef struct {
    char vendor[13];       /* "GenuineIntel", "AuthenticAMD", ... NUL-ended */
    bool avx2;
    bool fma;
    bool avx512f;
    bool avx512bw;
    bool avx512vl;
    bool avx512dq;
    bool avx512bf16;
    bool osSavesAVX512;    /* XCR0 has the opmask and ZMM state enabled */
    bool osSavesAVX;       /* XCR0 has the XMM and YMM state enabled */
} rnntrain_cpu_features;

rnntrain_cpu_features rnntrain_cpu_read_features(void);

/// MXCSR's flush-to-zero (bit 15) and denormals-are-zero (bit 6) bits: on
/// in the calling thread after `rnntrain_fp_enable_ftz_daz`. Returns false
/// (and does nothing) where there is no MXCSR.
bool rnntrain_fp_enable_ftz_daz(void);
bool rnntrain_fp_ftz_daz_enabled(void);
/// Clears both bits in the calling thread (tests compare both paths).
void rnntrain_fp_disable_ftz_daz(void);

/// A process-wide nanosecond counter that threads add to atomically (the
/// time spent inside sgemm, when `RNNTRAIN_TIME_BLAS` is set), and a
/// monotonic clock to measure with.
void rnntrain_counter_add(uint64_t nanoseconds);
uint64_t rnntrain_counter_total(void);
uint64_t rnntrain_monotonic_ns(void);

/// Lane-wise square root of 16 floats (one `vsqrtps` on AVX-512, two on
/// AVX). Swift's `SIMD16<Float>.squareRoot()` goes lane by lane through C's
/// `sqrtf` on Linux (its errno path), which keeps kernels from vectorising;
/// this builtin never touches errno. Correctly rounded either way.
typedef float rnntrain_float16 __attribute__((ext_vector_type(16)));
static inline __attribute__((always_inline)) rnntrain_float16 rnntrain_sqrt16(rnntrain_float16 x) {
    return __builtin_elementwise_sqrt(x);
}

#endif
