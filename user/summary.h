/* summary.h: the end-of-capture summary, the --stats counter table and
 * the time(1)-like lines of what the targets cost. */
#ifndef SUMMARY_H
#define SUMMARY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "pyhawk.h"
#include "session.h"

struct summary {
	uint64_t samples;        /* samples aggregated into the profile */
	uint64_t unknown_frames; /* frames user space could not symbolize */
	int processes;           /* processes walked */
	uint64_t threads;        /* distinct threads sampled */
	double elapsed_s;
	int rate;
	const char *output; /* where the profile went */
	bool stats;         /* --stats: every counter */
	uint64_t prog_run_ns, prog_runs; /* kernel.bpf_stats_enabled, 0 if not measured */
	const uint64_t *counters;        /* PH_STAT_MAX values from the kernel */
	uint64_t parked;		 /* --idle: samples of parked threads (not visited) */
};

/* Samples of tracked processes the kernel did not take (DROP reasons). */
uint64_t summary__dropped(const uint64_t *counters);
/* Dropped samples of a target that was running Python: every DROP reason
 * but those that mean nothing was there to walk (still starting, no
 * frame). Samples = 0 with failures > 0 is a failed capture. */
uint64_t summary__failed(const uint64_t *counters);
/* "NO_THREAD_STATE 342, THREAD_SEARCH 414": the (at most 3) largest. */
void summary__top_failures(const uint64_t *counters, char *buf, size_t len);
void summary__print(FILE *f, const struct summary *s);
/* The command's line, like time(1)'s: how it ended (wstatus, once
 * u->exited), after how long, its CPU time: "pyhawk: command exited with
 * status 3 after 2.41 s: user 2.10 s, sys 0.05 s", or "pyhawk: command
 * (PID 4242) still running after ...". */
void summary__command_usage(FILE *f, int wstatus, const struct session_usage *u);
/* A -p target's line: "pyhawk: PID 1234 over the capture (2.00 s): user
 * 1.93 s, sys 0.02 s", or "... exited 1.21 s into the capture: ...". */
void summary__target_usage(FILE *f, const struct session_usage *u);

#endif /* SUMMARY_H */
