/* fdlimit.c: RLIMIT_NOFILE raised for pyhawk, restored for its command. */
#include <errno.h>
#include <stdbool.h>
#include <sys/resource.h>
#include "fdlimit.h"

/* The kernel's ceiling for any process (fs.nr_open's default). */
#define NR_OPEN_DEFAULT (1ul << 20)

static struct rlimit original;
static bool raised;

unsigned long fdlimit__need(int ncpus)
{
	/* Measured on 2 CPUs: 42 open at a capture's start, 60 with --idle
	 * (maps, programs, links, the ring buffer, stdio); each CPU adds a
	 * perf event and its link. */
	return 64 + 4ul * (ncpus > 0 ? (unsigned long)ncpus : 1);
}

int fdlimit__raise(unsigned long need, unsigned long *limit)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r))
		return -errno;
	if (!raised) {
		original = r;
		raised = true;
	}
	if (r.rlim_cur < r.rlim_max) {
		struct rlimit want = r;

		want.rlim_cur = r.rlim_max == RLIM_INFINITY ? NR_OPEN_DEFAULT : r.rlim_max;
		if (!setrlimit(RLIMIT_NOFILE, &want))
			r = want;
	}
	*limit = r.rlim_cur == RLIM_INFINITY ? ~0ul : (unsigned long)r.rlim_cur;
	return *limit < need ? -EMFILE : 0;
}

void fdlimit__restore(void)
{
	if (raised)
		setrlimit(RLIMIT_NOFILE, &original);
}
