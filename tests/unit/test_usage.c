/* test_usage.c: what the targets cost: the CPU times read from a
 * /proc/PID/stat line (whatever its comm holds), and record's time(1)-like
 * lines for the command and the -p targets. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>
#include "check.h"
#include "procfs.h"
#include "summary.h"

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
	CHECK(!c.final);
	CHECK_INT(procfs__parse_cpu(stat, 250, &c), 0);
	CHECK_INT(c.user_ns, 604000000ll);
	/* A zombie's figures are final. */
	CHECK_INT(procfs__parse_cpu("7 (z) Z 1 1 1 0 -1 0 0 0 0 0 5 6 7 8 20", 100, &c), 0);
	CHECK(c.final && c.user_ns == 50000000ull && c.csys_ns == 80000000ull);
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
	CHECK(theirs > 0.02); /* the loop ran, and was measured */
	if (mine < theirs - 0.03 || mine > theirs + 0.03)
		fprintf(stderr, "test_self: /proc says %.3f s, getrusage %.3f s\n", mine, theirs);
	CHECK(mine >= theirs - 0.03 && mine <= theirs + 0.03);
	CHECK_INT(procfs__cpu(0, &c), -ESRCH);
}

static char out[512];

static FILE *stream(void)
{
	return fmemopen(out, sizeof(out), "w");
}

/* What was printed into stream()'s f. */
static const char *printed(FILE *f)
{
	fclose(f);
	return out;
}

static void test_lines(void)
{
	struct session_usage u = {.wall_s = 2.414, .user_s = 2.1, .sys_s = 0.054, .exited = true};
	FILE *f;

	f = stream();
	summary__command_usage(f, 3 << 8, &u);
	CHECK_STR(printed(f),
		  "pyhawk: command exited with status 3 after 2.41 s: user 2.10 s, sys 0.05 s\n");
	f = stream();
	summary__command_usage(f, SIGKILL, &u);
	CHECK_STR(
	    printed(f),
	    "pyhawk: command killed by signal 9 (SIGKILL) after 2.41 s: user 2.10 s, sys 0.05 s\n");
	f = stream();
	summary__command_usage(f, SIGABRT | 0x80, &u);
	CHECK_STR(printed(f),
		  "pyhawk: command killed by signal 6 (SIGABRT, core dumped) after 2.41 s: "
		  "user 2.10 s, sys 0.05 s\n");
	u.exited = false;
	u.children = true;
	u.pid = 4242;
	f = stream();
	summary__command_usage(f, 0, &u);
	CHECK_STR(printed(f),
		  "pyhawk: command (PID 4242) still running after 2.41 s: user 2.10 s, sys 0.05 s, "
		  "children included\n");
	u = (struct session_usage){.pid = 1234, .wall_s = 2.0, .user_s = 1.93, .sys_s = 0.02};
	f = stream();
	summary__target_usage(f, &u);
	CHECK_STR(printed(f),
		  "pyhawk: PID 1234 over the capture (2.00 s): user 1.93 s, sys 0.02 s\n");
	u.exited = true;
	u.wall_s = 1.214;
	f = stream();
	summary__target_usage(f, &u);
	CHECK_STR(printed(f),
		  "pyhawk: PID 1234 exited 1.21 s into the capture: user 1.93 s, sys 0.02 s\n");
}

int main(void)
{
	test_parse();
	test_self();
	test_lines();
	return check_report("usage");
}
