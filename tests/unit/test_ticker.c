/* test_ticker.c: the iterator's clock planned without a timer: one tick
 * per period at an instant inside it, every instant of a period equally
 * likely (no fixed phase), late ticks still taken and only periods wholly
 * past counted as missed. */
#include <stdint.h>
#include "check.h"
#include "ticker.h"

#define PERIOD 5780347ull /* 173 Hz */
#define BASE   1000000000ull

static struct ticker fresh(void)
{
	struct ticker t = {
	    .fd = -1, .base_ns = BASE, .period_ns = PERIOD, .k = UINT64_MAX, .rng = 42};

	return t;
}

static void test_on_time(void)
{
	struct ticker t = fresh();
	uint64_t missed = 7, now = BASE, bins[10] = {0};
	int ok = 1;

	ticker__plan(&t, now, &missed);
	CHECK_INT(t.k, 0);
	CHECK_INT(missed, 0);
	/* 10000 ticks, each taken just after its instant: one per period,
	 * inside it; where in it spread evenly over tenths. */
	for (int i = 0; i < 10000; i++) {
		uint64_t start = BASE + t.k * PERIOD;

		ok &= t.due_ns >= start && t.due_ns < start + PERIOD && t.k == (uint64_t)i;
		bins[(t.due_ns - start) * 10 / PERIOD]++;
		now = t.due_ns + 50000;
		ticker__plan(&t, now, &missed);
		ok &= missed == 0;
	}
	CHECK(ok);
	for (int b = 0; b < 10; b++)
		CHECK(bins[b] > 850 && bins[b] < 1150); /* 1000 +- 4.7 sigma */
}

static void test_late(void)
{
	struct ticker t = fresh();
	uint64_t missed;

	ticker__plan(&t, BASE, &missed); /* period 0 */
	/* Taken in period 1 (late, not a whole period lost): period 1's
	 * tick follows, due at once if its instant is past. */
	ticker__plan(&t, BASE + PERIOD + PERIOD / 2, &missed);
	CHECK_INT(t.k, 1);
	CHECK_INT(missed, 0);
	/* Taken 3.5 periods on, in period 5: periods 2-4 had no tick. */
	ticker__plan(&t, BASE + 5 * PERIOD + PERIOD / 2, &missed);
	CHECK_INT(t.k, 5);
	CHECK_INT(missed, 3);
	CHECK(t.due_ns >= BASE + 5 * PERIOD && t.due_ns < BASE + 6 * PERIOD);
}

int main(void)
{
	test_on_time();
	test_late();
	return check_report("ticker");
}
