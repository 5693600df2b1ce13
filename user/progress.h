/* progress.h: record's status line on a terminal: what the capture has
 * taken so far, redrawn in place and erased before anything else is
 * printed. */
#ifndef PROGRESS_H
#define PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include "session.h"

struct progress;

/* A status line on fd, or NULL when there is none to show: not wanted,
 * fd is not a terminal (a file or a pipe never gets one), or out of
 * memory. Every function below takes NULL and then does nothing. */
struct progress *progress__new(int fd, bool wanted);
/* Erases the line if it is shown, and frees p. */
void progress__free(struct progress *p);
/* Whether progress__update would redraw at now (seconds, monotonic): at
 * most 4 times a second, so a caller need not gather figures for nothing. */
bool progress__due(const struct progress *p, double now);
/* "pyhawk: 1234 samples, 2 processes, 7 threads, 0 lost, 12.3 s" in place
 * of the last one, cut to the terminal's width; nothing if not due. */
void progress__update(struct progress *p, const struct session_stats *st, uint64_t lost,
		      double now);
/* Erases the line (if shown), so that what is printed next starts on a
 * clean line; the next update draws it again. */
void progress__clear(struct progress *p);

#endif /* PROGRESS_H */
