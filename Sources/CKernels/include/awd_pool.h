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

/// The cores a cgroup v2 `cpu.max` text allows ("QUOTA PERIOD" in microseconds:
/// QUOTA / PERIOD rounded up, at least 1), or 0 for no limit ("max PERIOD") or
/// a text that is not of that form.
long awd_cgroup_cores(const char *cpu_max);

/// The cores this process may compute on: its CPU affinity mask, capped by the
/// container's CPU quota (`/sys/fs/cgroup/cpu.max`) when one is set; at least 1.
long awd_available_cores(void);

/// Runs `task(context, p)` for every p in [0, parts) and returns when all are
/// done. Part p runs on thread p mod awd_pool_threads() (the caller is thread
/// 0), so a split is repeatable. A call made from inside a job, or while
/// another thread's job runs, runs every part on the calling thread.
void awd_pool_run(long parts, awd_task task, void *context);

#endif
