/* ticker.c: one tick per period at a random instant of it, on a timerfd. */
#include <errno.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include "ticker.h"

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* splitmix64: small, fast, and statistically plenty for tick offsets. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t instant(struct ticker *t, uint64_t k)
{
	return t->base_ns + k * t->period_ns + next_random(&t->rng) % t->period_ns;
}

void ticker__plan(struct ticker *t, uint64_t now_ns, uint64_t *missed)
{
	uint64_t k = t->k + 1; /* UINT64_MAX + 1: period 0 */
	uint64_t now_k = now_ns > t->base_ns ? (now_ns - t->base_ns) / t->period_ns : 0;

	/* Periods wholly past have lost their ticks. The next one's instant
	 * may be past too: the timer fires at once, and the pass still looks
	 * at the threads as they were at that instant. */
	*missed = now_k > k ? now_k - k : 0;
	if (now_k > k)
		k = now_k;
	t->due_ns = instant(t, k);
	t->k = k;
}

static int arm(struct ticker *t, uint64_t *missed)
{
	struct itimerspec its = {0};

	ticker__plan(t, mono_ns(), missed);
	its.it_value.tv_sec = (time_t)(t->due_ns / 1000000000ull);
	its.it_value.tv_nsec = (long)(t->due_ns % 1000000000ull);
	return timerfd_settime(t->fd, TFD_TIMER_ABSTIME, &its, NULL) ? -errno : 0;
}

int ticker__start(struct ticker *t, uint64_t period_ns)
{
	uint64_t missed;
	int err;

	t->fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (t->fd < 0)
		return -errno;
	t->period_ns = period_ns ? period_ns : 1;
	t->base_ns = mono_ns();
	t->rng = t->base_ns ^ ((uint64_t)getpid() << 32);
	t->k = UINT64_MAX;
	err = arm(t, &missed);
	if (err)
		ticker__stop(t);
	return err;
}

int ticker__take(struct ticker *t, uint64_t *due_ns, uint64_t *missed)
{
	uint64_t expired;

	if (read(t->fd, &expired, sizeof(expired)) != sizeof(expired))
		return errno ? -errno : -EIO;
	*due_ns = t->due_ns;
	return arm(t, missed);
}

void ticker__stop(struct ticker *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}
