/* summary.h: the end-of-capture summary and the --stats counter table. */
#ifndef SUMMARY_H
#define SUMMARY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "pyhawk.h"

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

#endif /* SUMMARY_H */
