// A small fork-join pool for the engine's parallel loops. Its workers spin
// briefly between jobs before they sleep, so a job issued every few
// microseconds (one per time step of the recurrence) starts at once, where a
// general-purpose queue would pay a wake-up each time. BLAS runs
// single-threaded inside the jobs, so the cores are never oversubscribed.
#ifndef AWD_POOL_H
#define AWD_POOL_H

/// One part of a job: `part` is in [0, parts).
typedef void (*awd_task)(void *context, long part);

/// Threads taking part in a job, the caller included (the CPUs this process
/// may run on, or `AWDLSTM_THREADS` when set). Starts the workers on first use.
long awd_pool_threads(void);

/// Runs `task(context, p)` for every p in [0, parts) and returns when all are
/// done. Part p runs on thread p mod awd_pool_threads() (the caller is thread
/// 0), so a split is repeatable. A call made from inside a job, or while
/// another thread's job runs, runs every part on the calling thread.
void awd_pool_run(long parts, awd_task task, void *context);

#endif
