/* topview.h: top's text: the header lines and the table's rows, the same
 * on a terminal and in plain output. */
#ifndef TOPVIEW_H
#define TOPVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "toptable.h"

struct top_header {
	const char *target; /* what is profiled, in words */
	double elapsed;	    /* s since start */
	const char *ended;  /* NULL while the targets run, else "exited", "exited with status 3"... */
	double per_s;	    /* samples per second over the last interval */
	const struct top_counts *counts; /* of the period shown */
	bool idle;			 /* --idle: the active share is known */
	uint64_t threads, lost;
	const struct top_view *view;
	bool paused;
};

#define TOP_HEADER_LINES 3

/* Line i (0-2) of the header into buf (snprintf's contract). */
void topview__header(const struct top_header *h, int i, char *buf, size_t len);
/* The columns' heading; pid: with a PID column. */
void topview__columns(bool pid, bool lines, char *buf, size_t len);
/* A row: the figures (samples: the period's total, rate: Hz) then the label. */
void topview__row(const struct top_row *r, uint64_t samples, double rate, bool pid, char *buf,
		  size_t len);
/* The heading of a process's rows (by process): "PID 12: python3 app.py  (61.0%)". */
void topview__process(uint32_t pid, const char *cmdline, uint64_t samples, uint64_t all,
		      char *buf, size_t len);

#endif /* TOPVIEW_H */
