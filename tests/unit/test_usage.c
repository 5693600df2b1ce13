/* test_usage.c: what the targets cost: the CPU times read from a
 * /proc/PID/stat line (whatever its comm holds). */
#include <errno.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>
#include "check.h"
#include "procfs.h"

static void test_parse(void)
{
	/* Fields 14-17 are 151 42 7 3 ticks; the comm holds ") 9 9 " to
	 * mislead a parser that stops at the first ')'. */
	const char *stat = "4242 (a) 9 9 (b) R 1 4242 4242 0 -1 4194304 100 0 0 0 151 42 7 3 "
			   "20 0 1 0 5000 1000 100 18446744073709551615\n";
	struct procfs_cpu c = {0};

	CHECK_INT(procfs__parse_cpu(stat, 100, &c), 0);
	CHECK_INT(c.user_ns, 1510000000ll);
	CHECK_INT(c.sys_ns, 420000000ll);
	CHECK_INT(c.cuser_ns, 70000000ll);
	CHECK_INT(c.csys_ns, 30000000ll);
	CHECK_INT(procfs__parse_cpu(stat, 250, &c), 0);
	CHECK_INT(c.user_ns, 604000000ll);
	/* Cut before cstime, no ')', no clock: refused. */
	CHECK_INT(procfs__parse_cpu("1 (x) R 1 1 1 0 -1 0 0 0 0 0 1 2 3", 100, &c), -EINVAL);
	CHECK_INT(procfs__parse_cpu("1 x R 1 1 1 0 -1 0 0 0 0 0 1 2 3 4", 100, &c), -EINVAL);
	CHECK_INT(procfs__parse_cpu("1 (x) R 1 1 1 0 -1 0 0 0 0 0 1 2 3 4", 0, &c), -EINVAL);
}

/* This process's own figures, against getrusage's: the same to the
 * clock tick or two. */
static void test_self(void)
{
	struct procfs_cpu c = {0};
	volatile unsigned long x = 0;
	struct rusage ru;
	double mine, theirs;

	for (unsigned long i = 0; i < 300000000ul; i++)
		x += i;
	getrusage(RUSAGE_SELF, &ru);
	CHECK_INT(procfs__cpu(getpid(), &c), 0);
	mine = (c.user_ns + c.sys_ns) / 1e9;
	theirs = ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
		 (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	CHECK(theirs > 0.1);
	if (mine < theirs - 0.03 || mine > theirs + 0.03)
		fprintf(stderr, "test_self: /proc says %.3f s, getrusage %.3f s\n", mine, theirs);
	CHECK(mine >= theirs - 0.03 && mine <= theirs + 0.03);
	CHECK_INT(procfs__cpu(0, &c), -ESRCH);
}

int main(void)
{
	test_parse();
	test_self();
	return check_report("usage");
}
