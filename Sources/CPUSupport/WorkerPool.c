#include "CPUSupport.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

/// The job being run is published in one atomic word, `state` =
/// generation << 16 | n: a helper sees a new job and its size in one load.
/// `body` and `context` are written before the word is stored (release)
/// and read after it is loaded (acquire); they are not written again until
/// every participating helper has counted itself out of `pending`.
#define POOL_MAX_THREADS 65535
#define POOL_SPIN_NS 1000000u

static struct {
    pthread_mutex_t lock;   /* guards sleeping and thread creation */
    pthread_cond_t wake;    /* helpers: a new state */
    pthread_cond_t done;    /* the caller: pending reached 0 */
    _Atomic unsigned long state;
    _Atomic long pending;
    _Atomic int spin;       /* spinning allowed: the team fits the CPUs */
    atomic_flag busy;
    rnntrain_pool_body body;
    void *context;
    long helpers;           /* helper threads 1 ... helpers exist */
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, ATOMIC_FLAG_INIT,
          0, 0, 0};

static inline void pause_once(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/// Spins while `*word` equals `seen`, for at most POOL_SPIN_NS; returns
/// whether it changed.
static bool spin_while_equal(_Atomic unsigned long *word, unsigned long seen) {
    if (!atomic_load_explicit(&pool.spin, memory_order_relaxed)) return false;
    uint64_t start = rnntrain_monotonic_ns();
    for (unsigned i = 1;; i++) {
        if (atomic_load_explicit(word, memory_order_acquire) != seen) return true;
        pause_once();
        if ((i & 255) == 0 && rnntrain_monotonic_ns() - start > POOL_SPIN_NS) return false;
    }
}

/// A new helper's index and the state before the job it was created for
/// (it must not take that job's state for one it has already seen).
typedef struct {
    long index;
    unsigned long seen;
} helper_start;

static void *helper_main(void *arg) {
    helper_start start = *(helper_start *)arg;
    free(arg);
    long index = start.index;
    unsigned long seen = start.seen;
    rnntrain_fp_enable_ftz_daz();
    for (;;) {
        if (!spin_while_equal(&pool.state, seen)) {
            pthread_mutex_lock(&pool.lock);
            while (atomic_load_explicit(&pool.state, memory_order_acquire) == seen)
                pthread_cond_wait(&pool.wake, &pool.lock);
            pthread_mutex_unlock(&pool.lock);
        }
        seen = atomic_load_explicit(&pool.state, memory_order_acquire);
        if (index >= (long)(seen & 0xFFFF)) continue;
        pool.body(pool.context, index);
        if (atomic_fetch_sub_explicit(&pool.pending, 1, memory_order_acq_rel) == 1) {
            pthread_mutex_lock(&pool.lock);
            pthread_cond_signal(&pool.done);
            pthread_mutex_unlock(&pool.lock);
        }
    }
    return 0;
}

/// Starts helpers up to index n - 1 (under the lock) and decides whether
/// they may spin. False if one could not be started. Only the caller that
/// holds `busy` reads or writes `helpers`, so the usual case (the team
/// exists) takes neither the lock nor a look at the CPU count.
static bool ensure_helpers(long n) {
    if (pool.helpers >= n - 1) return true;
    bool ok = true;
    pthread_mutex_lock(&pool.lock);
    while (pool.helpers < n - 1) {
        pthread_t t;
        helper_start *start = malloc(sizeof *start);
        if (!start) { ok = false; break; }
        start->index = pool.helpers + 1;
        start->seen = atomic_load_explicit(&pool.state, memory_order_relaxed);
        if (pthread_create(&t, 0, helper_main, start) != 0) { free(start); ok = false; break; }
        pthread_detach(t);
        pool.helpers++;
    }
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    atomic_store_explicit(&pool.spin, pool.helpers + 1 <= cpus, memory_order_relaxed);
    pthread_mutex_unlock(&pool.lock);
    return ok;
}

bool rnntrain_pool_run(long n, rnntrain_pool_body body, void *context) {
    if (n < 1 || n > POOL_MAX_THREADS) return false;
    if (atomic_flag_test_and_set_explicit(&pool.busy, memory_order_acquire)) return false;
    if (!ensure_helpers(n)) {
        atomic_flag_clear_explicit(&pool.busy, memory_order_release);
        return false;
    }
    pool.body = body;
    pool.context = context;
    atomic_store_explicit(&pool.pending, n - 1, memory_order_relaxed);
    unsigned long next = ((atomic_load_explicit(&pool.state, memory_order_relaxed) >> 16) + 1) << 16 | (unsigned long)n;
    pthread_mutex_lock(&pool.lock);
    atomic_store_explicit(&pool.state, next, memory_order_release);
    pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.lock);
    body(context, 0);
    bool spinning = atomic_load_explicit(&pool.spin, memory_order_relaxed);
    for (unsigned i = 1; atomic_load_explicit(&pool.pending, memory_order_acquire) != 0; i++) {
        if (spinning && i < (1u << 20)) { pause_once(); continue; }
        pthread_mutex_lock(&pool.lock);
        while (atomic_load_explicit(&pool.pending, memory_order_acquire) != 0) pthread_cond_wait(&pool.done, &pool.lock);
        pthread_mutex_unlock(&pool.lock);
    }
    atomic_flag_clear_explicit(&pool.busy, memory_order_release);
    return true;
}
