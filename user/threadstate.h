/* threadstate.h: what threads were doing at their samples (the kernel's
 * enum ph_thread_state), in words, and tallied over a capture: the share
 * of samples in each state and which threads held the GIL. */
#ifndef THREADSTATE_H
#define THREADSTATE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "pyhawk.h"

/* "running", "runnable", "GIL wait", "lock", "I/O", "sleep", "other", or
 * "unknown". */
const char *threadstate__name(uint32_t state);
/* The leaf frame --idle puts under an off-CPU sample: "[idle: sleep]"...;
 * NULL for a running thread's sample. */
const char *threadstate__idle_frame(uint32_t state);

struct tally;

struct tally *tally__new(void);
void tally__free(struct tally *t);
/* Counts weight samples of thread (pid, tid) in state; gil: it held the GIL. */
int tally__add(struct tally *t, uint32_t pid, uint32_t tid, uint32_t state, bool gil,
	       uint32_t weight);
int tally__thread_name(struct tally *t, uint32_t pid, uint32_t tid, const char *name);

/* "pyhawk: thread states: ..." (share of samples per state) and, with
 * gil, "pyhawk: GIL held ...": each holder's share of the capture's
 * instants (ticks: the number of sampling instants, per process), and the
 * thread-seconds spent waiting for it (waits: whether they were seen, i.e.
 * off-CPU threads were sampled). */
void tally__print(const struct tally *t, FILE *f, bool states, bool gil, double ticks, bool waits,
		  double rate);

#endif /* THREADSTATE_H */
