#define _GNU_SOURCE
#include "awd_pool.h"
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#elif defined(__aarch64__)
#define cpu_relax() __asm__ volatile("yield")
#else
#define cpu_relax() ((void)0)
#endif

enum { MAX_THREADS = 256 };
/// How long an idle worker waits for the next job before it sleeps: long
/// enough to bridge the serial gaps between the jobs of one training step,
/// short enough that an idle process does not hold a core.
static const long SPIN_NANOSECONDS = 2000000;
/// Busy-wait iterations before a waiting thread starts yielding its core at
/// each check: when there are more threads than free cores (a loaded machine,
/// AWDLSTM_THREADS above the core count) the thread being waited for may need it.
static const long SPINS_BEFORE_YIELD = 4096;

static void wait_a_little(long spins) {
    if (spins < SPINS_BEFORE_YIELD) cpu_relax();
    else sched_yield();
}

static struct {
    long threads;
    pthread_mutex_t caller;            // one job at a time
    pthread_mutex_t sleep_lock;
    pthread_cond_t wake;
    _Atomic unsigned long generation;  // bumped to publish a job
    _Atomic long finished;             // workers done with the current job
    _Atomic long sleepers;
    awd_task task;
    void *context;
    long parts;
} pool = {.caller = PTHREAD_MUTEX_INITIALIZER, .sleep_lock = PTHREAD_MUTEX_INITIALIZER,
          .wake = PTHREAD_COND_INITIALIZER};

static pthread_once_t started = PTHREAD_ONCE_INIT;
static _Thread_local int inside_job;

static long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000000000L + t.tv_nsec;
}

static void run_share(long thread, long threads, long parts, awd_task task, void *context) {
    for (long p = thread; p < parts; p += threads) task(context, p);
}

static void *worker(void *arg) {
    const long id = (long)arg;
    unsigned long seen = 0;
    inside_job = 1;
    for (;;) {
        unsigned long g = atomic_load_explicit(&pool.generation, memory_order_acquire);
        if (g == seen) {
            const long deadline = now_ns() + SPIN_NANOSECONDS;
            for (long i = 1; g == seen; i++) {
                wait_a_little(i);
                g = atomic_load_explicit(&pool.generation, memory_order_acquire);
                if (g == seen && (i & 255) == 0 && now_ns() > deadline) {
                    // Sleep; the publisher checks `sleepers` after bumping the
                    // generation (both sequentially consistent), so no wake is lost.
                    pthread_mutex_lock(&pool.sleep_lock);
                    atomic_fetch_add(&pool.sleepers, 1);
                    while ((g = atomic_load(&pool.generation)) == seen)
                        pthread_cond_wait(&pool.wake, &pool.sleep_lock);
                    atomic_fetch_sub(&pool.sleepers, 1);
                    pthread_mutex_unlock(&pool.sleep_lock);
                }
            }
        }
        seen = g;
        run_share(id, pool.threads, pool.parts, pool.task, pool.context);
        atomic_fetch_add_explicit(&pool.finished, 1, memory_order_release);
    }
    return NULL;
}

long awd_cgroup_cores(const char *cpu_max) {
    long long quota = 0, period = 0;
    char extra;
    // "max 100000" (no limit) fails the first conversion; anything else after the two numbers is refused.
    if (sscanf(cpu_max, "%lld %lld %c", &quota, &period, &extra) != 2 || quota <= 0 || period <= 0) return 0;
    long long cores = (quota + period - 1) / period;
    return cores < 1 ? 1 : (long)cores;
}

long awd_available_cores(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
#if defined(__linux__)
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) == 0) n = CPU_COUNT(&allowed);
    // A container's CPU quota (cgroup v2): threads beyond it wait for each other's time slices.
    FILE *f = fopen("/sys/fs/cgroup/cpu.max", "r");
    if (f) {
        char line[128];
        if (fgets(line, sizeof line, f)) {
            long quota = awd_cgroup_cores(line);
            if (quota > 0 && quota < n) n = quota;
        }
        fclose(f);
    }
#endif
    return n < 1 ? 1 : n;
}

static void start(void) {
    long n = awd_available_cores();
    const char *env = getenv("AWDLSTM_THREADS");
    if (env && atoi(env) > 0) n = atoi(env);
    if (n < 1) n = 1;
    if (n > MAX_THREADS) n = MAX_THREADS;
    pool.threads = n;
    for (long i = 1; i < n; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, worker, (void *)i) != 0) { pool.threads = i; break; }
        pthread_detach(t);
    }
}

long awd_pool_threads(void) {
    pthread_once(&started, start);
    return pool.threads;
}

void awd_pool_run(long parts, awd_task task, void *context) {
    const long threads = awd_pool_threads();
    if (parts <= 1 || threads == 1 || inside_job || pthread_mutex_trylock(&pool.caller) != 0) {
        for (long p = 0; p < parts; p++) task(context, p);
        return;
    }
    pool.task = task;
    pool.context = context;
    pool.parts = parts;
    atomic_store_explicit(&pool.finished, 0, memory_order_relaxed);
    atomic_fetch_add(&pool.generation, 1);
    if (atomic_load(&pool.sleepers) > 0) {
        pthread_mutex_lock(&pool.sleep_lock);
        pthread_cond_broadcast(&pool.wake);
        pthread_mutex_unlock(&pool.sleep_lock);
    }
    inside_job = 1;
    run_share(0, threads, parts, task, context);
    inside_job = 0;
    for (long i = 0; atomic_load_explicit(&pool.finished, memory_order_acquire) < threads - 1; i++)
        wait_a_little(i);
    pthread_mutex_unlock(&pool.caller);
}
