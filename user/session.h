/* session.h: what every command shares: the BPF sampler, the target
 * processes (found, launched, followed, classified), the symbolizer,
 * thread names, the event loop and the loss counters. A command (record,
 * and later top and dump) gives it targets and a sink, and decides how to
 * show what the sink receives. */
#ifndef SESSION_H
#define SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "profile.h"
#include "pyhawk.h"
#include "symbols.h"

struct session;

struct session_opts {
	int rate;	 /* Hz per CPU */
	bool verbose;	 /* libbpf messages, discovery */
	bool bpf_stats;	 /* measure the BPF program's run time */
	double duration; /* seconds; 0 = until the targets end or a signal */
	struct symbols_opts syms;
	/* Where frames are interned: the ids in samples are this profile's
	 * frame ids (profile__frame() reads them). Owned by the command. */
	struct profile *frames;
	/* Targets: any number of -p PIDs, or a command, or every process. */
	const pid_t *pids;
	int npids;
	char **argv;	   /* -- COMMAND ARGS (NULL-terminated) or NULL */
	bool capture;	   /* the command's stdout and stderr are not shown */
	bool all;	   /* every Python process on the host */
	bool subprocesses; /* descendants of the targets too */
	/* Every thread of the targets at rate, running or not (the task
	 * iterator; no on-CPU sampling). */
	bool idle;
	bool once;	  /* one sample of every thread, then stop (dump) */
	bool frame_addrs; /* samples carry frame and code addresses (dump --locals) */
	/* A sample of a thread running a garbage collection ends in a <GC>
	 * frame (under the frame that set it off). */
	bool gc;
	/* The interpreter's USDT probes where it has them: collections
	 * counted and timed, <import MODULE> frames, the slowest imports. */
	bool probes;
	bool calls; /* ... and every call counted (function__entry) */
};

/* A sample, resolved: frame ids (root first, a "[truncated]" root when the
 * stack was deeper than the kernel keeps, "[partial]" when a frame could
 * not be read and the walk stopped there, a "<GC>" leaf with opts.gc when
 * the thread was collecting garbage) valid for the session's life. */
struct session_sample {
	uint32_t pid, tid;
	uint32_t flags;	 /* PH_SF_* */
	uint32_t state;	 /* enum ph_thread_state */
	uint32_t weight; /* samples it stands for (>= 1: a parked thread's repeats) */
	uint32_t nframes;
	const uint32_t *frames;
	/* With opts.frame_addrs, when the kernel sent them (else NULL): each
	 * frame's address and its code object's, root first like frames (0
	 * for a synthetic frame). */
	const uint64_t *frame_addrs;
	const uint64_t *codes;
};

/* Callbacks; any may be NULL. sample returns 0, or -errno to stop. */
struct session_sink {
	void *ctx;
	int (*sample)(void *ctx, const struct session_sample *s);
	/* A process became walkable (again, after an exec): its command line. */
	void (*process)(void *ctx, pid_t pid, const char *cmdline);
	/* A sampled thread's name: the kernel's first, threading's later. */
	void (*thread_name)(void *ctx, pid_t pid, uint32_t tid, const char *name);
	/* Called on every pass of the event loop: at least every 50 ms while
	 * sampling, more often when events come. Returns 0 to go on, 1 to end
	 * the capture (as its duration would), or -errno to fail it. */
	int (*tick)(void *ctx);
};

/* What went wrong, for errors__report() (errors.h) to put into words and an
 * exit code. err is -errno. */
enum session_failure {
	SF_NONE = 0,
	SF_PERMISSION, /* cannot load BPF: not root */
	SF_KERNEL,     /* the kernel lacks a feature: detail names it */
	SF_TARGET,     /* a -p target: pid, err from inspection, detail */
	SF_NO_TARGET,  /* -p list: none of them could be profiled */
	SF_BPF,	       /* loading or attaching: detail is the stage */
	SF_LAUNCH,     /* the command could not be started (fork, exec) */
	SF_NOT_PYTHON, /* the command never ran a Python interpreter */
	SF_INTERNAL,   /* out of memory, reading events */
	SF_FDS,	       /* too few file descriptors: detail is "NEED LIMIT" */
};

struct session_error {
	int failure; /* enum session_failure */
	int err;     /* -errno */
	pid_t pid;
	char detail[192];
};

/* Checks what needs no target: privileges and the kernel's features. */
int session__check(struct session_error *e);
/* Validates the targets, loads and attaches the BPF programs, starts the
 * command. Returns 0 or -errno with *e filled. -p targets that are not
 * Python are named in one warning line each on stderr (the command layer's
 * choice through opts), as long as one is left. */
int session__new(const struct session_opts *opts, const struct session_sink *sink,
		 struct session **out, struct session_error *e);
/* Samples until the command exits, every -p target (and followed child)
 * has exited, the duration ends, or SIGINT / SIGTERM. Returns 0 or -errno
 * with *e filled. Safe to call once. */
int session__run(struct session *s, struct session_error *e);
void session__free(struct session *s);

struct session_stats {
	uint64_t samples;	 /* samples handed to the sink */
	uint64_t unknown_frames; /* frames that could not be symbolized */
	uint64_t threads;	 /* distinct threads sampled */
	int processes;		 /* processes that were walkable */
	double elapsed_s;
	uint64_t prog_run_ns, prog_runs; /* kernel.bpf_stats_enabled, 0 if not */
	uint64_t proc_events;		 /* discovery events handled */
	uint64_t inspections;		 /* processes inspected (ELF reading) */
	uint64_t ticks;			 /* task iterator passes */
	uint64_t late_ticks;		 /* ... not run: pyhawk was late */
	uint64_t parked_samples;	 /* of parked threads, counted here */
};
/* Fills st and counters[PH_STAT_MAX] (the kernel's, summed over CPUs);
 * while session__run runs (from a sink's callback), the figures so far. */
void session__stats(struct session *s, struct session_stats *st, uint64_t *counters);
/* The Python version and layout of a walkable process: 0, or -ENOENT. */
int session__python(struct session *s, pid_t pid, uint32_t *version_hex, struct py_offsets *off);
/* The command line of a process the session knows ("" if none). */
const char *session__cmdline(struct session *s, pid_t pid);
/* The command's wait status (wait4) once it has exited: 0, or -ENOENT
 * while it runs or when there is no command. */
int session__child_status(struct session *s, int *wstatus);
/* Ends the command if it still runs after the capture: sends sig (0:
 * none, it was sent already) and waits for it, SIGKILL after 2 s (its
 * status and usage then as for one that exited, marked stopped). */
void session__end_child(struct session *s, int sig);
/* Whether session__end_child ended the command. */
bool session__child_stopped(const struct session *s);
/* The probes' lines for the summary (collections, imports, calls). */
void session__print_probes(struct session *s, FILE *f);
/* Calls fn with each function --calls counted (see probes__foreach_call);
 * 0 when nothing was counted. */
int session__foreach_call(struct session *s,
			  int (*fn)(void *ctx, pid_t pid, const char *file, int line,
				    const char *func, uint64_t count),
			  void *ctx);

/* What a target cost, in seconds. */
struct session_usage {
	pid_t pid;
	/* The command: from its start to its exit, or to the end of the
	 * capture if it still runs. A -p target: from the start of the
	 * capture to its end, or to the target's exit. */
	double wall_s;
	double user_s, sys_s; /* CPU time over wall_s */
	bool exited;	      /* it ended before the capture did (or was stopped) */
	bool stopped;	      /* the command outlived the capture: session__end_child ended it */
	bool children;	      /* CPU time of its descendants is included */
};
/* The command's usage (0, or -ENOENT without one). Once it has exited,
 * from its rusage (wait4); while it runs, from /proc at the end of the
 * capture. Its own threads', and with opts.subprocesses also its
 * descendants' that were waited for (by it, or by a descendant that was
 * waited for itself): like time(1), which never sees a descendant that
 * was left to run, or was reaped by init. */
int session__command_usage(struct session *s, struct session_usage *u);
/* A -p target's usage over the capture: its own threads' CPU time, from
 * /proc/PID/stat at the start and at the last reading (at the end, or
 * when its exit was seen). 0, or -ENOENT for a pid that is not a -p
 * target, or that could not be read at the start. */
int session__target_usage(struct session *s, pid_t pid, struct session_usage *u);
/* Holds the signals that would end pyhawk (SIGINT, SIGTERM, SIGHUP,
 * SIGQUIT, SIGUSR1, SIGUSR2: blocked) until session__run takes them as the
 * end of the capture, so that one sent while the BPF programs load still
 * ends with a profile and no command left behind; SIGPIPE is ignored.
 * Called by the commands first thing. */
void session__hold_signals(void);
/* The signal that stopped the session, 0 if none. */
int session__stop_signal(void);

#endif /* SESSION_H */
