/* session_internal.h: the session's state, shared by session.c (the loop,
 * samples, set-up) and targets.c (the target table and its
 * classification). Nothing else includes it. */
#ifndef SESSION_INTERNAL_H
#define SESSION_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include "hashmap.h"
#include "launch.h"
#include "laststack.h"
#include "offsets.h"
#include "procfs.h"
#include "pyproc.h"
#include "sampler.h"
#include "probes.h"
#include "session.h"
#include "threadnames.h"

/* A process this young (since its exec or fork) that shows no Python may
 * still be mapping libpython (the dynamic loader runs after exec) or about
 * to dlopen it: it stays PROBING, and the kernel reports it again with a
 * growing delay while it runs. Older ones are classified for good. */
#define YOUNG_S 2.0
/* How often the launched command is looked at while it is not Python yet,
 * besides the kernel's reports (it may never run long on a CPU). */
#define LAUNCH_PROBE_S 0.1

enum target_state { T_PROBING, T_READY, T_EXITED };

struct frame_key {
	uint64_t code;
	uint32_t check;
	int32_t lasti;
};

struct target {
	pid_t pid;
	uint32_t cookie; /* this incarnation (a new one at exec) */
	int state;	 /* enum target_state */
	bool explicit_;	 /* -p */
	bool launched;	 /* the command */
	bool follow;	 /* -s: its children are targets */
	bool counted;	 /* in processes */
	bool target;	 /* asked for: -p, the command, a followed child */
	bool inherited;	 /* layout taken from its parent at fork, not inspected */
	bool refused;	 /* a Python pyhawk does not support (until it runs exec) */
	double born;	 /* its exec or fork; 0: older than the session */
	/* The command and -p targets (usage.c): CPU time at the start of the
	 * capture (zero for the command: its whole life counts) and at the
	 * last reading; when its exit was seen (its exit event, or /proc
	 * showing a zombie; 0 while it runs). */
	struct procfs_cpu cpu0, cpu;
	bool cpu_known; /* cpu0 holds the start */
	double ended_at;
	uint32_t version_hex;
	uint64_t runtime;
	struct py_offsets off;
	char cmdline[512];
	char elf[PATH_MAX];	   /* the interpreter's ELF, as the process maps it */
	struct hashmap *frame_ids; /* frame_key -> frame id, this incarnation */
};

struct session {
	struct session_opts o;
	struct session_sink sink;
	struct sampler *smp;
	struct symbols *syms;
	struct threadnames *names;
	struct hashmap *targets; /* pid -> struct target * */
	uint32_t next_cookie;
	/* [truncated] or [partial] root, the frames with <import X> frames among them, the
	 * <GC> leaf */
	uint32_t stack[PH_MAX_FRAMES + 2 + PROBES_IMPORT_DEPTH];
	uint64_t codes[PH_MAX_FRAMES + 2 + PROBES_IMPORT_DEPTH];
	uint64_t addrs[PH_MAX_FRAMES + 2 + PROBES_IMPORT_DEPTH];
	struct probes *probes;	    /* the interpreter's USDT probes; NULL for dump */
	struct hashmap *import_ids; /* module name hash -> "<import X>" frame id */
	struct laststack *last; /* iterator: each thread's last sample */
	/* frame_addrs: a sample waiting for its frames' addresses */
	struct session_sample held;
	bool holding;
	uint64_t ticks, late_ticks;
	struct hashmap *ithreads; /* iterator: tid -> its state (ithreads.c) */
	struct hashmap *iprocs;	  /* ... pid -> its threads' counts */
	uint64_t tick;		  /* iterator passes started */
	bool in_tick;		  /* events are drained before a pass */
	uint64_t parked_samples;  /* counted for parked threads, not visited */
	double next_sweep;
	int64_t truncated_id, partial_id, gc_id;
	struct launch launch;
	bool child_done;
	bool child_stopped; /* by session__end_child: it outlived the capture */
	char cmd_refused[192]; /* "Python 3.7": what the command ran, unsupported */
	int child_wstatus; /* its wait status, once child_done */
	double child_start, child_end; /* its fork, and when it was reaped */
	double next_usage;	       /* the next reading of the targets' CPU time */
	bool running;	   /* inside session__run's loop */
	double start, elapsed;
	uint64_t samples, unknown_frames, proc_events, inspections;
	int processes;
	int err; /* first error from an event handler */
	uint64_t counters[PH_STAT_MAX];
};

static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline void fail(struct session_error *e, int failure, int err, pid_t pid,
			const char *detail)
{
	e->failure = failure;
	e->err = err;
	e->pid = pid;
	snprintf(e->detail, sizeof(e->detail), "%s", detail ? detail : "");
}

/* targets.c */
struct target *target__get(struct session *s, pid_t pid);
struct target *target__add(struct session *s, pid_t pid);
/* A target ended (exit): its caches go; the command and -p targets stay
 * as EXITED, the others are dropped. */
void target__ended(struct session *s, struct target *t);
uint32_t target__flags(const struct target *t);
int target__make_ready(struct session *s, struct target *t, uint32_t version_hex, uint64_t runtime,
		       const struct py_offsets *off, const char *elf);
int target__classify(struct session *s, struct target *t);
/* Checks the -p targets (pids/pps/offs: room for opts.npids); *n kept. */
int targets__check_pids(struct session *s, pid_t *pids, struct pyproc *pps,
			struct py_offsets *offs, int *n, struct session_error *e);
/* --all: a PROBING entry for every process running now. */
int targets__scan_all(struct session *s);
/* -s with -p: the roots' descendants running now are followed too. */
int targets__scan_descendants(struct session *s, const pid_t *roots, int nroots);
/* The sampler's PH_EV_PROC handler. */
int targets__on_proc_event(void *ctx, const struct ph_proc_event *e);
void targets__free_all(struct session *s);

/* session.c: count samples against a thread's last stack (a thread the
 * iterator did not walk again): 1, 0 when it has none, or -errno; forget
 * its last stack. */
int session_repeat(struct session *s, uint32_t pid, uint32_t tid, uint32_t count);
void session_forget_thread(struct session *s, uint32_t pid, uint32_t tid);

/* usage.c: the CPU time of the command and the -p targets. */
/* The start of the capture: the -p targets' CPU time so far. */
void usage__start(struct session *s);
/* Reads the CPU time of the targets that run, at most every
 * USAGE_READ_S (always with force: the end of the capture). */
void usage__read(struct session *s, double now, bool force);
/* A target's exit was seen: its last reading (a zombie's are final). */
void usage__ended(struct session *s, struct target *t);
/* Reaps the command if it has exited (waits for it with block): its wait
 * status and CPU time. Returns whether it did. */
bool usage__reap(struct session *s, struct target *cmd, bool block);

/* session.c: the sampler's handlers of the kernel's events (session_new.c
 * adds the probes'). */
void session_handlers(struct session *s, struct sampler_handlers *h);

/* ithreads.c: the threads the task iterator visits. */
int ithreads__init(struct session *s);
void ithreads__free(struct session *s);
int ithreads__watch_process(struct session *s, pid_t pid);
int ithreads__on_event(void *ctx, const struct ph_thread_event *e);
int ithreads__process_gone(struct session *s, pid_t pid);
/* Before a pass: visit each process thread by thread, or whole. */
void ithreads__plan(struct session *s);
/* The end of a capture: parked threads' ticks up to the last pass. */
int ithreads__end(struct session *s);

#endif /* SESSION_INTERNAL_H */
