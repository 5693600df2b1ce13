/* sampler.h: the BPF side's lifecycle: load, attach, feed, drain, count. */
#ifndef SAMPLER_H
#define SAMPLER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "pyhawk.h"

struct sampler;

struct sampler_opts {
	int rate;          /* Hz, per CPU */
	bool bpf_stats;    /* measure BPF run time (kernel.bpf_stats_enabled) */
	bool verbose;      /* libbpf messages to stderr */
	bool all_procs;	   /* --all: every process is a candidate (discover.bpf.h) */
	/* The target threads' own cpu-clock events (sampler__watch), not
	 * every CPU's: a targeted capture interrupts only its targets. */
	bool per_task;
	/* The task iterator (idle.bpf.h) samples every thread, run by
	 * sampler__iter_run(); no perf_event sampling. */
	bool iterator;
	bool walk_all;	  /* every thread is walked: no repeats (dump) */
	bool frame_addrs; /* each sample is followed by its frames' addresses */
	bool probes;	  /* the interpreter's USDT probes (GC, imports) may be attached */
	bool calls;	  /* ... and function__entry (--calls) */
};

/* Events from the ring buffer. Return non-zero to stop draining. */
struct sampler_handlers {
	void *ctx;
	int (*sample)(void *ctx, const struct ph_sample *s, size_t size);
	int (*code)(void *ctx, const struct ph_code *c, size_t size);
	int (*exit)(void *ctx, const struct ph_exit *e);
	int (*proc)(void *ctx, const struct ph_proc_event *e);
	/* The task iterator's threads: new, parked, woken, exited. */
	int (*thread)(void *ctx, const struct ph_thread_event *e);
	/* Samples of a thread that did not run since its last sample: they
	 * count against that last stack (sampler__flush_repeats). */
	int (*repeat)(void *ctx, uint32_t pid, uint32_t tid, uint32_t count);
	int (*frame_addrs)(void *ctx, const struct ph_frame_addrs *a, size_t size);
	/* The interpreter's probes: an import began or ended; a function
	 * was called for the first time (--calls). */
	int (*import)(void *ctx, const struct ph_import_event *e);
	int (*call_site)(void *ctx, const struct ph_call_site *c);
};

/* CPython's USDT probes (provider "python") pyhawk attaches, in the order
 * it attaches them: each end before its start, so that no start is seen
 * whose end could be missed (an import stack left open for good). */
enum sampler_probe {
	PROBE_GC_DONE = 0,
	PROBE_GC_START,
	PROBE_IMPORT_DONE,
	PROBE_IMPORT_START,
	PROBE_CALL, /* function__entry: --calls only */
	PROBE_MAX,
};

/* The oldest kernel the sampler needs is the one with every feature it
 * uses: BTF, the ring buffer, bpf_loop (5.17). Returns 0, or -EOPNOTSUPP
 * with *missing naming the first feature this kernel lacks. Needs the
 * privileges of loading BPF. */
int sampler__kernel_check(const char **missing);

/* Opens, loads and attaches everything. On failure returns NULL with
 * *err = -errno and *stage naming what failed ("load", "perf_event", ...). */
struct sampler *sampler__new(const struct sampler_opts *opts, const struct sampler_handlers *h,
			     int *err, const char **stage);
void sampler__free(struct sampler *s);

/* A per-task sampler (opts.per_task) samples pid from now on: one thread
 * (whole_process false: a command not started yet, whose threads and
 * children inherit its event) or every thread of a running process. When
 * the kernel refuses per-task events, the sampler takes every CPU's for
 * the rest of the capture and returns 0 (sampler__clock says so). 0,
 * -ESRCH when pid is gone, or -errno. A per-CPU sampler: 0. */
int sampler__watch(struct sampler *s, pid_t pid, bool whole_process);
/* 1 when sampling per task, else 0; *events: perf events open;
 * *per_cpu_err: why per-task sampling was given up (-errno), or 0. */
int sampler__clock(const struct sampler *s, int *events, int *per_cpu_err);

/* Tells the kernel about a process: state PH_PROC_PROBING counts its
 * samples as PROC_NOT_READY (and reports it to user space when it runs),
 * PH_PROC_READY walks them with off, PH_PROC_IGNORED costs one lookup.
 * off may be NULL when not READY. Returns 0, -E2BIG (map full) or -errno. */
int sampler__set_proc(struct sampler *s, pid_t pid, uint32_t cookie, uint64_t runtime,
		      const struct py_offsets *off, uint32_t state, uint32_t flags);
/* A PROBING process is reported about once a second from now on (not every
 * few ms, as a young target is). */
int sampler__slow_reports(struct sampler *s, pid_t pid);
/* The PH_PROC_* state and PH_PF_* flags of a process the kernel knows:
 * 0, or -ENOENT. */
int sampler__get_proc(struct sampler *s, pid_t pid, uint32_t *state, uint32_t *flags);

/* Attaches probe to process pid's interpreter ELF at path (one pyhawk can
 * open: /proc/PID/root/...), semaphore included. Returns the link, or NULL
 * with errno (ENOENT: the ELF has no such probe). */
struct bpf_link *sampler__attach_probe(struct sampler *s, int probe, pid_t pid, const char *path);
/* A process's collections as the probes counted them: 0, or -ENOENT. */
int sampler__gc_stats(struct sampler *s, pid_t pid, struct ph_gc_stats *out);
/* Calls fn for each function --calls counted; stops when fn returns non-zero. */
int sampler__foreach_call(struct sampler *s,
			  int (*fn)(const struct ph_call_key *k, uint64_t count, void *ctx),
			  void *ctx);

/* Waits up to timeout_ms for events and handles them; returns the number
 * handled or -errno (-EINTR is not an error: a signal arrived). */
int sampler__poll(struct sampler *s, int timeout_ms);
/* Handles whatever is in the ring buffer now, without waiting. */
int sampler__drain(struct sampler *s);

/* The task iterator's visits. A thread iterator visits one thread (tid of
 * pid) at every sampler__iter_run(); a sweep iterator visits every task
 * (pid 0) or one process's (pid) at sampler__sweep(), only to report the
 * processes not classified yet. Each run of an iterator costs a few system
 * calls, each task it visits ~1 us: a process with many threads to visit
 * is cheaper visited whole (sampler__iter_whole: one iterator over its
 * threads, which skips the parked ones, instead of its thread iterators).
 * Return 0 or -errno. */
int sampler__iter_add_thread(struct sampler *s, pid_t pid, uint32_t tid);
void sampler__iter_remove_thread(struct sampler *s, uint32_t tid);
int sampler__iter_add_sweep(struct sampler *s, pid_t pid);
int sampler__iter_whole(struct sampler *s, pid_t pid, bool whole);
void sampler__iter_remove_proc(struct sampler *s, pid_t pid);
/* One sample of every thread with an iterator; tick numbers the pass,
 * due_ns is when it was due (CLOCK_MONOTONIC; 0: now): the threads are
 * taken as they were then, not as pyhawk's own waking found them. */
int sampler__iter_run(struct sampler *s, uint64_t tick, uint64_t due_ns);
int sampler__sweep(struct sampler *s);
/* Hands the samples the kernel still counts against threads' last stacks
 * to the repeat handler, and forgets them. Call when nothing else runs the
 * iterator (at the end of a capture). */
int sampler__flush_repeats(struct sampler *s);

/* Sums the per-CPU counters into out[PH_STAT_MAX]. */
int sampler__stats(struct sampler *s, uint64_t *out);
/* BPF time of the sampling program (the task iterator's with the iterator):
 * total ns and runs (0 when not measured). */
int sampler__prog_time(struct sampler *s, uint64_t *run_ns, uint64_t *runs);

#endif /* SAMPLER_H */
