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

/// A fixed team of helper threads for data-parallel loops:
/// `rnntrain_pool_run(n, body, context)` calls body(context, k) for
/// k = 0 ..< n, k = 0 on the calling thread and k >= 1 always on helper
/// thread k (created on first use and kept; flush-to-zero set where it
/// starts), and returns when all n calls have returned. Worker k's buffers
/// so stay in one core's caches from batch to batch, and a helper that
/// waits for the next batch spins for up to a millisecond before it
/// sleeps (only when the team fits the online CPUs), so starting a batch
/// costs no wake-up. Returns false without calling anything when the pool
/// is already running a job (a nested or concurrent call): the caller then
/// runs the n calls itself.
typedef void (*rnntrain_pool_body)(void *context, long index);
bool rnntrain_pool_run(long n, rnntrain_pool_body body, void *context);

#endif
