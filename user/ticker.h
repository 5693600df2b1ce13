/* ticker.h: the task iterator's clock. One tick per period, each at a
 * random instant of its period (stratified sampling): the rate is exact,
 * and nothing periodic keeps one phase to the ticks for a whole capture --
 * not the perf_event timers, which run at the same rate on every CPU, nor a
 * program's own timers (the GIL's 5 ms switch interval). With a fixed
 * phase, one capture in 30 took a thread's samples 13 % short and its
 * states 8-10 points off the kernel's account. */
#ifndef TICKER_H
#define TICKER_H

#include <stdint.h>

struct ticker {
	int fd;			     /* a timerfd, readable at a tick */
	uint64_t base_ns, period_ns; /* period k is [base + k * period, +period) */
	uint64_t k;		     /* the period of the tick armed */
	uint64_t due_ns;	     /* when that tick is due (CLOCK_MONOTONIC) */
	uint64_t rng;
};

/* Arms the first tick, within the period from now. 0 or -errno. */
int ticker__start(struct ticker *t, uint64_t period_ns);

/* After the fd polled readable: *due_ns is when the tick was due, *missed
 * the periods that passed without one (pyhawk was late); the next tick is
 * armed. 0, -EAGAIN when the timer had not expired, or -errno. */
int ticker__take(struct ticker *t, uint64_t *due_ns, uint64_t *missed);

/* Closes the timer (a stopped ticker may be stopped again). */
void ticker__stop(struct ticker *t);

/* Plans the tick after the one of period t->k (the first: pass a ticker
 * whose k is UINT64_MAX), the time being now_ns: the next period, or the
 * one under way when whole periods have passed (*missed counts them). Its
 * instant may be past already (pyhawk was late): the tick is then due at
 * once. Sets t->k and t->due_ns. No timer involved (unit-tested). */
void ticker__plan(struct ticker *t, uint64_t now_ns, uint64_t *missed);

#endif /* TICKER_H */
