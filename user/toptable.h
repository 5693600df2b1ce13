/* toptable.h: top's counts: for every function (and every line) of every
 * process, the samples it was the leaf of (own) and the samples it was in
 * at all (total), since start, in the interval being taken and in the last
 * complete one; the rows of a view, sorted. */
#ifndef TOPTABLE_H
#define TOPTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "profile.h"

enum top_period {
	TOP_ALL = 0, /* since start (or the last reset) */
	TOP_LAST,    /* the last complete interval */
	TOP_CUR,     /* the interval being taken (internal) */
	TOP_PERIODS,
};

enum top_sort { TOP_SORT_OWN = 0, TOP_SORT_TOTAL, TOP_SORT_OWNTIME, TOP_SORT_TOTALTIME };

struct top_counts {
	uint64_t samples; /* counted samples */
	uint64_t gil;	  /* ... of a thread holding the GIL */
	uint64_t active;  /* ... of a thread on a CPU or waiting for one */
};

struct top_row {
	uint32_t pid;
	const char *name, *file; /* the profile's strings; file may be NULL */
	int line;		 /* 0 by function */
	uint64_t own, total;
};

struct top_view {
	bool lines;	   /* a row per line, not per function */
	int period;	   /* TOP_ALL or TOP_LAST */
	int sort;	   /* enum top_sort */
	bool by_process;   /* rows of a process together, processes by share */
};

struct toptable;

/* frames: where the samples' frame ids are interned (outlives the table). */
struct toptable *toptable__new(const struct profile *frames);
void toptable__free(struct toptable *t);
/* Counts weight samples of process pid with this stack (frame ids, root
 * first); active: the thread was running or runnable. 0 or -ENOMEM. */
int toptable__add(struct toptable *t, uint32_t pid, const uint32_t *frames, uint32_t n,
		  uint32_t weight, bool gil, bool active);
/* Ends an interval: its counts become TOP_LAST's. */
void toptable__roll(struct toptable *t);
/* Forgets every count (R). */
void toptable__reset(struct toptable *t);
const struct top_counts *toptable__counts(const struct toptable *t, int period);
/* The rows of view with samples in its period, sorted (by_process: by
 * their process's samples, then by pid, then by the sort key; ties by
 * label). *rows is valid until the next call or add. Returns the count,
 * or -ENOMEM. */
long toptable__rows(struct toptable *t, const struct top_view *view,
		    const struct top_row **rows);
/* The samples of process pid in period (for by_process headings). */
uint64_t toptable__process_samples(const struct toptable *t, uint32_t pid, int period);
/* Distinct processes with samples in period. */
uint32_t toptable__nprocesses(const struct toptable *t, int period);

#endif /* TOPTABLE_H */
