#include "CPUSupport.h"
#include <string.h>
#include <time.h>

static uint64_t rnntrain_counter;

void rnntrain_counter_add(uint64_t nanoseconds) {
    __atomic_fetch_add(&rnntrain_counter, nanoseconds, __ATOMIC_RELAXED);
}

uint64_t rnntrain_counter_total(void) {
    return __atomic_load_n(&rnntrain_counter, __ATOMIC_RELAXED);
}

uint64_t rnntrain_monotonic_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <xmmintrin.h>

#define RNNTRAIN_FTZ_DAZ 0x8040u

static uint64_t read_xcr0(void) {
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

rnntrain_cpu_features rnntrain_cpu_read_features(void) {
    rnntrain_cpu_features f;
    memset(&f, 0, sizeof f);
    unsigned a, b, c, d;
    if (!__get_cpuid(0, &a, &b, &c, &d)) return f;
    unsigned maxLeaf = a;
    memcpy(f.vendor, &b, 4);
    memcpy(f.vendor + 4, &d, 4);
    memcpy(f.vendor + 8, &c, 4);
    f.vendor[12] = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
    f.fma = (c >> 12) & 1;
    bool osxsave = (c >> 27) & 1;
    if (osxsave) {
        uint64_t xcr0 = read_xcr0();
        f.osSavesAVX = (xcr0 & 0x6) == 0x6;
        f.osSavesAVX512 = (xcr0 & 0xE6) == 0xE6;
    }
    if (maxLeaf < 7 || !__get_cpuid_count(7, 0, &a, &b, &c, &d)) return f;
    unsigned subleaves = a;
    f.avx2 = (b >> 5) & 1;
    f.avx512f = (b >> 16) & 1;
    f.avx512dq = (b >> 17) & 1;
    f.avx512bw = (b >> 30) & 1;
    f.avx512vl = (b >> 31) & 1;
    if (subleaves >= 1 && __get_cpuid_count(7, 1, &a, &b, &c, &d)) f.avx512bf16 = (a >> 5) & 1;
    return f;
}

bool rnntrain_fp_enable_ftz_daz(void) {
    unsigned csr = _mm_getcsr();
    if ((csr & RNNTRAIN_FTZ_DAZ) != RNNTRAIN_FTZ_DAZ) _mm_setcsr(csr | RNNTRAIN_FTZ_DAZ);
    return true;
}

bool rnntrain_fp_ftz_daz_enabled(void) {
    return (_mm_getcsr() & RNNTRAIN_FTZ_DAZ) == RNNTRAIN_FTZ_DAZ;
}

void rnntrain_fp_disable_ftz_daz(void) {
    _mm_setcsr(_mm_getcsr() & ~RNNTRAIN_FTZ_DAZ);
}

#else

rnntrain_cpu_features rnntrain_cpu_read_features(void) {
    rnntrain_cpu_features f;
    memset(&f, 0, sizeof f);
    return f;
}

bool rnntrain_fp_enable_ftz_daz(void) { return false; }
bool rnntrain_fp_ftz_daz_enabled(void) { return false; }
void rnntrain_fp_disable_ftz_daz(void) {}

#endif
