/* test_pythreads.c: thread names from live interpreters of the matrix, exactly; errors, garbage. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "childio.h"
#include "offsets.h"
#include "pyproc.h"
#include "procfs.h"
#include "pythreads.h"

#define MAX_THREADS	64
#define NAME_BYTES	(PYTHREADS_NAME_MAX * 4 + 1)

/* The child starts threads whose names take every path the reader has:
 * ASCII, latin-1, UCS-2 and UCS-4 names; a name longer than
 * PYTHREADS_NAME_MAX; a thread renamed after it started; one whose __dict__
 * was materialised (3.11+: the managed dict) and one with so many
 * attributes that they no longer fit the shared keys (3.11+: a combined
 * dict; 3.13+: invalidated inline values); a name that is a str subclass
 * instance (not compact); a _DummyThread (a thread threading did not
 * start); and MainThread. Then it prints "pid hexversion", one "native_id
 * hex(utf-8 name)" line per thread, "END", and waits. */
static const char child_src[] =
    "import os, sys, threading, _thread, time\n"
    "class S(str): pass\n"
    "names = ['alpha-worker', '\\u03b2eta', 'gamma', '\\u00fcn\\u00efcode',\n"
    "         '\\U0001f600-emoji', 'dict-materialized', 'many-attrs',\n"
    "         'before-rename', 'str-subclass', 'L' * 300]\n"
    "n = len(names) + 1\n"
    "ready = threading.Barrier(n + 1)\n"
    "stop = threading.Event()\n"
    "def run():\n"
    "    ready.wait()\n"
    "    stop.wait()\n"
    "def dummy():\n"
    "    threading.current_thread().name = 'dummy-named'\n"
    "    ready.wait()\n"
    "    stop.wait()\n"
    "ts = [threading.Thread(target=run, name=x, daemon=True) for x in names]\n"
    "for t in ts:\n"
    "    t.start()\n"
    "_thread.start_new_thread(dummy, ())\n"
    "ready.wait()\n"
    "for t in ts:\n"
    "    if t.name == 'dict-materialized':\n"
    "        t.__dict__['extra'] = 1\n"
    "    elif t.name == 'many-attrs':\n"
    "        for i in range(64):\n"
    "            setattr(t, 'extra%d' % i, i)\n"
    "    elif t.name == 'before-rename':\n"
    "        t.name = 'after-rename'\n"
    "    elif t.name == 'str-subclass':\n"
    "        t._name = S('str-subclass')\n"
    "out = ['%d %s' % (os.getpid(), hex(sys.hexversion))]\n"
    "for t in threading.enumerate():\n"
    "    out.append('%d %s' % (t.native_id, str(t.name).encode('utf-8').hex()))\n"
    "out.append('END')\n"
    "sys.stdout.buffer.write(('\\n'.join(out) + '\\n').encode())\n"
    "sys.stdout.flush()\n"
    "stop.wait(60)\n";

/* A child that has not imported threading (as far as Python's start-up
 * goes: it says what it sees). */
static const char bare_src[] =
    "import os, sys, time\n"
    "print(os.getpid(), hex(sys.hexversion), int('threading' in sys.modules), flush=True)\n"
    "time.sleep(60)\n";

struct pair {
	uint32_t tid;
	char name[NAME_BYTES];
};

struct got {
	struct pair p[MAX_THREADS];
	int n;
	int overflow;
};

static void reap(pid_t child, pid_t pid)
{
	kill(-child, SIGKILL);
	kill(child, SIGKILL);
	if (pid > 0)
		kill(pid, SIGKILL);
	waitpid(child, NULL, 0);
}

static void collect(void *ctx, uint32_t tid, const char *name)
{
	struct got *g = ctx;

	if (g->n >= MAX_THREADS) {
		g->overflow++;
		return;
	}
	g->p[g->n].tid = tid;
	snprintf(g->p[g->n].name, sizeof(g->p[g->n].name), "%s", name);
	g->n++;
}

static void ignore(void *ctx, uint32_t tid, const char *name)
{
	(void)tid;
	(void)name;
	++*(int *)ctx;
}

static double ms_since(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (b.tv_sec - a->tv_sec) * 1e3 + (b.tv_nsec - a->tv_nsec) / 1e6;
}

/* What Python shows for a name, cut as pythreads cuts it: at
 * PYTHREADS_NAME_MAX code points. */
static void expected_name(const char *full, char *out, size_t len)
{
	size_t i = 0, cps = 0;

	while (full[i] && cps < PYTHREADS_NAME_MAX) {
		i++;
		while ((full[i] & 0xc0) == 0x80)
			i++;
		cps++;
	}
	snprintf(out, len, "%.*s", (int)i, full);
}

/* The process a launcher (unshare -f) forked: its only child. */
static pid_t only_child(pid_t parent)
{
	char path[64];
	int child = 0;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)parent, (int)parent);
	for (int i = 0; i < 400 && child <= 0; i++) {
		FILE *f = fopen(path, "re");

		if (f) {
			if (fscanf(f, "%d", &child) != 1)
				child = 0;
			fclose(f);
		}
		if (child <= 0)
			usleep(5000);
	}
	return child;
}

/* A thread's id in its own (innermost) pid namespace: the last NSpid. */
static uint32_t inner_tid(pid_t pid, uint32_t tid)
{
	char path[96], line[256];
	unsigned long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%u/status", (int)pid, tid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *p = line + 6, *end;

		if (strncmp(line, "NSpid:", 6))
			continue;
		for (unsigned long x; (x = strtoul(p, &end, 10)), end != p; p = end)
			v = x;
	}
	fclose(f);
	return (uint32_t)v;
}

static struct pyproc pp; /* large: off the stack */

/* The tables of every supported minor version, for the garbage runs. */
static const uint32_t all_minors[] = {
    0x03080000, 0x03090000, 0x030a0000, 0x030b0000, 0x030c0000, 0x030d0000, 0x030e0000, 0x030f0000,
};

/* Reading with another version's tables walks garbage: it must end,
 * quickly, with an error or some names, never a crash or a hang. */
static void check_wrong_tables(const char *label, pid_t pid, uint32_t right)
{
	struct py_obj_offsets obj;
	struct py_offsets off;
	struct timespec t0;
	double worst = 0;

	for (size_t i = 0; i < sizeof(all_minors) / sizeof(all_minors[0]); i++) {
		int calls = 0, ret;
		double ms;

		if (all_minors[i] >> 16 == right >> 16)
			continue;
		if (offsets__for_version(all_minors[i], 0, &off) ||
		    offsets__obj_for_version(all_minors[i], 0, &obj)) {
			CHECK(!"tables");
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &t0);
		ret = pythreads__names(pid, all_minors[i], pp.runtime, &off, &obj, ignore, &calls);
		ms = ms_since(&t0);
		worst = ms > worst ? ms : worst;
		/* Either an error or some calls; never a count that lies. */
		CHECK(ret < 0 ? calls == 0 : ret == calls);
		CHECK(ret != -EINVAL);
	}
	if (worst >= 2000)
		fprintf(stderr, "%s: wrong tables took %.0f ms\n", label, worst);
	CHECK(worst < 2000);
}

/* pidns: run it in a pid namespace of its own (unshare -pf), where its
 * threads have other ids than ours. */
static bool check_interp(const char *label, const char *path, bool pidns)
{
	struct py_obj_offsets obj;
	struct py_offsets off;
	struct pair want[MAX_THREADS];
	static struct got got;
	char line[4096], hex[2 * NAME_BYTES + 8];
	char *argv[] = {(char *)path, "-c", (char *)child_src, NULL};
	char *ns_argv[] = {"unshare",	      "-p", "-f", "--mount-proc", (char *)path, "-c",
			   (char *)child_src, NULL};
	unsigned long hexversion = 0;
	int fd, nwant = 0, pid = 0, ret, matched = 0;
	struct timespec t0;
	pid_t child;
	double ms;

	child = pidns ? child_spawn(ns_argv[0], ns_argv, &fd) : child_spawn(argv[0], argv, &fd);
	CHECK(child > 0);
	if (child <= 0)
		return false;
	ret = child_read_line(fd, line, sizeof(line));
	if (ret <= 0 || sscanf(line, "%d %lx", &pid, &hexversion) != 2 ||
	    (pidns && (pid = only_child(child)) <= 0)) {
		fprintf(stderr, "%s: child said \"%s\" (%d)\n", label, ret > 0 ? line : "", ret);
		CHECK(!"child start");
		close(fd);
		reap(child, 0);
		return false;
	}
	while ((ret = child_read_line(fd, line, sizeof(line))) >= 0 && strcmp(line, "END")) {
		char full[NAME_BYTES * 2];
		unsigned long tid;

		if (nwant >= MAX_THREADS || sscanf(line, "%lu %1100s", &tid, hex) != 2 ||
		    !child_unhex(hex, full, sizeof(full))) {
			CHECK(!"child thread line");
			break;
		}
		want[nwant].tid = (uint32_t)tid;
		expected_name(full, want[nwant].name, sizeof(want[nwant].name));
		nwant++;
	}
	close(fd);
	CHECK(ret >= 0);
	/* MainThread, 10 named threads and the dummy thread. */
	CHECK_INT(nwant, 12);

	CHECK_INT(pyproc__inspect(pid, &pp), 0);
	CHECK_INT(offsets__for_version(pp.version_hex, pp.free_threaded, &off), 0);
	CHECK_INT(offsets__obj_for_version(pp.version_hex, pp.free_threaded, &obj), 0);
	memset(&got, 0, sizeof(got));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = pythreads__names(pid, pp.version_hex, pp.runtime, &off, &obj, collect, &got);
	ms = ms_since(&t0);
	CHECK_INT(ret, nwant);
	CHECK_INT(got.n, nwant);
	CHECK_INT(got.overflow, 0);

	/* Every name <-> tid pair exactly, and nothing else. */
	for (int i = 0; i < nwant; i++) {
		int found = 0;

		for (int j = 0; j < got.n; j++) {
			/* In a pid namespace, the reported tid is ours for
			 * the thread the child knows by its inner id. */
			if ((pidns ? inner_tid(pid, got.p[j].tid) : got.p[j].tid) != want[i].tid)
				continue;
			found++;
			if (strcmp(got.p[j].name, want[i].name)) {
				fprintf(stderr, "%s: tid %u: got \"%s\", want \"%s\"\n", label,
					want[i].tid, got.p[j].name, want[i].name);
				CHECK(!"name");
			} else {
				matched++;
			}
		}
		if (found != 1)
			fprintf(stderr, "%s: tid %u (\"%s\") reported %d times\n", label,
				want[i].tid, want[i].name, found);
		CHECK_INT(found, 1);
	}
	printf("  %-12s %#lx  %d/%d threads named exactly in %.2f ms%s\n", label, hexversion,
	       matched, nwant, ms, pidns ? " (own pid namespace)" : "");
	if (pidns) {
		reap(child, pid);
		return matched == nwant && nwant > 0;
	}

	check_wrong_tables(label, pid, pp.version_hex);

	/* Tables of this version said to be for another: refused. */
	CHECK_INT(
	    pythreads__names(pid, pp.version_hex + 0x10000, pp.runtime, &off, &obj, collect, &got),
	    -EINVAL);

	reap(child, pid);
	for (int i = 0; i < 200 && !kill(pid, 0); i++)
		usleep(5000);
	CHECK_INT(pythreads__names(pid, pp.version_hex, pp.runtime, &off, &obj, collect, &got),
		  -ESRCH);
	return matched == nwant && nwant > 0;
}

/* Before threading is imported there is nothing to name. */
static void check_bare(const char *label, const char *path)
{
	char *argv[] = {(char *)path, "-c", (char *)bare_src, NULL};
	struct py_obj_offsets obj;
	struct py_offsets off;
	char line[256], hex_s[32];
	int fd, pid = 0, imported = -1, calls = 0, ret;
	pid_t child;

	child = child_spawn(argv[0], argv, &fd);
	if (child <= 0) {
		CHECK(!"spawn");
		return;
	}
	ret = child_read_line(fd, line, sizeof(line));
	close(fd);
	if (ret <= 0 || sscanf(line, "%d %31s %d", &pid, hex_s, &imported) != 3) {
		CHECK(!"bare child line");
		reap(child, 0);
		return;
	}
	CHECK_INT(pyproc__inspect(pid, &pp), 0);
	CHECK_INT(offsets__for_version(pp.version_hex, 0, &off), 0);
	CHECK_INT(offsets__obj_for_version(pp.version_hex, 0, &obj), 0);
	ret = pythreads__names(pid, pp.version_hex, pp.runtime, &off, &obj, ignore, &calls);
	/* Some start-ups import it (pyenv 3.11's site): then no error. */
	if (imported ? ret < 0 : ret != -ENOENT)
		fprintf(stderr, "%s: threading %simported: %d\n", label, imported ? "" : "not ",
			ret);
	CHECK(imported ? ret >= 0 : ret == -ENOENT);
	reap(child, pid);
}

struct matrix {
	bool ns_ok;
	int ok, ok_ns;
};

static void check_python(const char *label, const char *path, void *ctx)
{
	struct matrix *m = ctx;

	m->ok += check_interp(label, path, false);
	check_bare(label, path);
	/* Containers: tids translated from the target's pid namespace. */
	if (m->ns_ok)
		m->ok_ns += check_interp(label, path, true);
}

static void test_matrix(void)
{
	/* Root may make pid namespaces; others skip that part, saying so. */
	struct matrix m = {.ns_ok = geteuid() == 0 &&
				    !system("unshare -p -f --mount-proc true 2>/dev/null")};
	int tested = child_each_python(check_python, &m);

	/* A run that found no interpreter at all proved nothing. */
	CHECK(tested > 0);
	CHECK_INT(m.ok, tested);
	if (m.ns_ok)
		CHECK_INT(m.ok_ns, tested);
	printf("  %d of %d interpreters named every thread exactly%s\n", m.ok, tested,
	       m.ns_ok ? ", also in a pid namespace" : " (pid namespaces: not tried, not root)");
}

static void test_bad_args(void)
{
	struct py_obj_offsets obj;
	struct py_offsets off;
	int calls = 0;

	CHECK_INT(offsets__for_version(0x030c0000, 0, &off), 0);
	CHECK_INT(offsets__obj_for_version(0x030c0000, 0, &obj), 0);
	CHECK_INT(offsets__obj_for_version(0x03070000, 0, &obj), -ENOTSUP);
	CHECK_INT(offsets__obj_for_version(0x030c0000, 1, &obj), -EOPNOTSUPP);
	CHECK_INT(pythreads__names(getpid(), 0x030c0000, 0, &off, &obj, ignore, &calls), -EINVAL);
	CHECK_INT(pythreads__names(getpid(), 0x030c0000, 0x1000, NULL, &obj, ignore, &calls),
		  -EINVAL);
	CHECK_INT(pythreads__names(getpid(), 0x030c0000, 0x1000, &off, &obj, NULL, &calls),
		  -EINVAL);
	CHECK_INT(pythreads__names(0, 0x030c0000, 0x1000, &off, &obj, ignore, &calls), -EINVAL);
	/* Our own memory at a runtime address that is not one. */
	CHECK_INT(pythreads__names(getpid(), 0x030c0000, 0x1000, &off, &obj, ignore, &calls),
		  -EFAULT);
	CHECK_INT(calls, 0);
}

/* A forged runtime in our own memory: an interpreter whose sys.modules
 * is a pointer to itself, and other nonsense. */
static void test_forged(void)
{
	static uint64_t mem[4096];
	struct py_obj_offsets obj;
	struct py_offsets off;
	int calls = 0;

	for (size_t v = 0; v < sizeof(all_minors) / sizeof(all_minors[0]); v++) {
		CHECK_INT(offsets__for_version(all_minors[v], 0, &off), 0);
		CHECK_INT(offsets__obj_for_version(all_minors[v], 0, &obj), 0);
		/* Every word points back into the block: types, dicts, keys
		 * and strs are all each other. */
		for (size_t i = 0; i < 4096; i++)
			mem[i] = (uint64_t)(uintptr_t)&mem[(i * 7 + 3) % 4096];
		CHECK(pythreads__names(getpid(), all_minors[v], (uint64_t)(uintptr_t)mem, &off,
				       &obj, ignore, &calls) < 0);
		/* All ones. */
		memset(mem, 0xff, sizeof(mem));
		CHECK(pythreads__names(getpid(), all_minors[v], (uint64_t)(uintptr_t)mem, &off,
				       &obj, ignore, &calls) < 0);
	}
	CHECK_INT(calls, 0);
}

static void test_comm(void)
{
	char buf[64];

	prctl(PR_SET_NAME, "pyhawk-unit");
	CHECK_INT(procfs__comm(getpid(), (uint32_t)getpid(), buf, sizeof(buf)), 11);
	CHECK_STR(buf, "pyhawk-unit");
	CHECK_INT(procfs__comm(getpid(), 0x7ffffff0, buf, sizeof(buf)), -ENOENT);
	CHECK_INT(procfs__comm(getpid(), (uint32_t)getpid(), buf, 0), -EINVAL);
}

int main(void)
{
	test_bad_args();
	test_forged();
	test_comm();
	test_matrix();
	return check_report("pythreads");
}
