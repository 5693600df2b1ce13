/* test_pylocals.c: a parked frame's locals in live interpreters of the matrix, against their own
 * repr. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "childio.h"
#include "offsets.h"
#include "pylocals.h"
#include "pyobj.h"
#include "pyrepr.h"

#define MAX_WANT 64
#define BUDGET	 10000

/* A thread parks in park(), a closure with arguments of every kind and
 * locals of every kind pylocals shows, then reports its own frame and code
 * object and, for every variable of the frame, the text pylocals must show
 * (Python's repr, or the documented "<TYPE object at 0xADDR>", computed by
 * the child itself) and whether it is an argument. `later` is not bound
 * yet and `gone` was deleted: neither may be shown. */
static const char child_src[] =
    "import os, sys, threading\n"
    "class Thing: pass\n"
    "ready = threading.Event()\n"
    "stop = threading.Event()\n"
    "def text(v):\n"
    "    t = type(v)\n"
    "    if t in (int, bool, float, str, bytes, type(None)):\n"
    "        r = repr(v)\n"
    "        if t is not int or len(r) < 160:\n"
    "            return r\n"
    "    return '<%s object at %s>' % (t.__name__, hex(id(v)))\n"
    "def report(frame):\n"
    "    co = frame.f_code\n"
    "    nargs = co.co_argcount + co.co_kwonlyargcount\n"
    "    nargs += bool(co.co_flags & 4) + bool(co.co_flags & 8)\n"
    "    args = co.co_varnames[:nargs]\n"
    "    out = ['%d %s %d %d' % (os.getpid(), hex(sys.hexversion), id(frame), id(co))]\n"
    "    for k, v in frame.f_locals.items():\n"
    "        out.append('%s %s %d' % (k.encode().hex(), text(v).encode('utf-8', "
    "'surrogatepass').hex(), k in args))\n"
    "    out.append('END')\n"
    "    sys.stdout.write('\\n'.join(out) + '\\n')\n"
    "    sys.stdout.flush()\n"
    "def make():\n"
    "    free = 'fr\\u00e9e'\n"
    "    def park(n, neg, f, *args, t=True, fa=False, nothing=None,\n"
    "             s='h\\u00e9llo \\u03b2 \\U0001f600 \\'q\\' \\x07\\\\',\n"
    "             long='L' * 300, raw=b'\\x00ab\\xff\"', **kw):\n"
    "        lst = [1, 2, 3]\n"
    "        big = 2 ** 100\n"
    "        nbig = -(2 ** 70)\n"
    "        huge = 10 ** 300\n"
    "        tiny = 1e-05\n"
    "        zero = 0\n"
    "        empty = ''\n"
    "        longb = b'\\x01' * 300\n"
    "        obj = Thing()\n"
    "        gone = 5\n"
    "        del gone\n"
    "        captured = 'cell value'\n"
    "        def inner():\n"
    "            return captured, n, free\n"
    "        report(sys._getframe())\n"
    "        ready.set()\n"
    "        stop.wait(60)\n"
    "        later = 1\n"
    "        return inner, later\n"
    "    return park\n"
    "park = make()\n"
    "th = threading.Thread(target=park, args=(7, -42, 2.5, 'x', 3),\n"
    "                      kwargs={'extra': 1}, daemon=True)\n"
    "th.start()\n"
    "ready.wait()\n"
    "stop.wait(60)\n";

struct want {
	char name[64];
	char value[4096];
	int arg;
};

static void reap(pid_t child)
{
	kill(-child, SIGKILL);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
}

/* Ours against the child's: equal, or (cut) a prefix of it followed by
 * PYREPR_CUT, when the child's does not fit. */
static bool same_value(const char *got, const char *want)
{
	size_t gl = strlen(got), cl = strlen(PYREPR_CUT);

	if (!strcmp(got, want))
		return true;
	return gl > 100 && strlen(want) >= sizeof(((struct pylocal *)0)->value) &&
	       !strcmp(got + gl - cl, PYREPR_CUT) && !strncmp(got, want, gl - cl);
}

/* Reading with another version's tables reads garbage: an error or some
 * locals, never a crash, a hang or a count that lies. */
static void check_wrong_tables(pid_t pid, uint32_t right, uint64_t frame, uint64_t code)
{
	static const uint32_t minors[] = {0x03080000, 0x03090000, 0x030a0000, 0x030b0000,
					  0x030c0000, 0x030d0000, 0x030e0000, 0x030f0000};
	static struct pylocal got[PYLOCALS_MAX];

	for (size_t i = 0; i < sizeof(minors) / sizeof(minors[0]); i++) {
		struct py_obj_offsets obj;
		struct py_offsets off;
		struct pyobj *r;
		int ret;

		if (minors[i] >> 16 == right >> 16)
			continue;
		CHECK_INT(offsets__for_version(minors[i], 0, &off), 0);
		CHECK_INT(offsets__obj_for_version(minors[i], 0, &obj), 0);
		r = pyobj__new(pid, &off, &obj, BUDGET);
		ret = pylocals__read(r, &off, &obj, frame, code, got, PYLOCALS_MAX);
		CHECK(ret < 0 || ret <= PYLOCALS_MAX);
		CHECK(ret != -EINVAL);
		pyobj__free(r);
	}
}

/* The expected locals of one interpreter, read and compared. Returns
 * whether every one matched. */
static bool check_interp(const char *label, const char *path)
{
	static struct pylocal got[PYLOCALS_MAX];
	static struct want want[MAX_WANT];
	char *argv[] = {(char *)path, "-c", (char *)child_src, NULL};
	static char line[16384], hv[8192];
	char hn[256];
	unsigned long long frameobj = 0, code = 0;
	unsigned long hexversion = 0;
	int fd, pid = 0, nwant = 0, ret, matched = 0, args = 0;
	struct py_obj_offsets obj;
	struct py_offsets off;
	uint64_t frame;
	struct pyobj *r;
	pid_t child;

	child = child_spawn(argv[0], argv, &fd);
	CHECK(child > 0);
	if (child <= 0)
		return false;
	ret = child_read_line(fd, line, sizeof(line));
	if (ret <= 0 ||
	    sscanf(line, "%d %lx %llu %llu", &pid, &hexversion, &frameobj, &code) != 4) {
		fprintf(stderr, "%s: child said \"%s\" (%d)\n", label, ret > 0 ? line : "", ret);
		CHECK(!"child start");
		close(fd);
		reap(child);
		return false;
	}
	while ((ret = child_read_line(fd, line, sizeof(line))) >= 0 && strcmp(line, "END")) {
		struct want *w = &want[nwant];

		if (nwant >= MAX_WANT || sscanf(line, "%255s %8191s %d", hn, hv, &w->arg) != 3 ||
		    !child_unhex(hn, w->name, sizeof(w->name)) ||
		    !child_unhex(hv, w->value, sizeof(w->value))) {
			CHECK(!"child local line");
			break;
		}
		nwant++;
	}
	close(fd);
	CHECK(ret >= 0);
	/* 3 positional, *args, 6 keyword-only, **kw, 9 locals, a cell, a
	 * closure and a free variable: 23, never `later` nor `gone`. */
	CHECK_INT(nwant, 23);

	CHECK_INT(offsets__for_version((uint32_t)hexversion, 0, &off), 0);
	CHECK_INT(offsets__obj_for_version((uint32_t)hexversion, 0, &obj), 0);
	r = pyobj__new(pid, &off, &obj, BUDGET);
	frame = frameobj;
	/* 3.11+: the frame object points at the _PyInterpreterFrame that the
	 * walker sees (dump passes that one). */
	if (obj.locals_layout == PYOBJ_LOCALS_KINDS)
		CHECK_INT(pyobj__read_u64(r, frameobj + obj.frameobj_frame, &frame), 0);
	ret = pylocals__read(r, &off, &obj, frame, code, got, PYLOCALS_MAX);
	CHECK_INT(ret, nwant);
	for (int i = 0; i < nwant; i++) {
		int found = 0;

		for (int j = 0; j < ret; j++) {
			if (strcmp(got[j].name, want[i].name))
				continue;
			found++;
			if (!same_value(got[j].value, want[i].value) ||
			    got[j].arg != (want[i].arg != 0)) {
				fprintf(stderr, "%s: %s: got %s%s, want %s%s\n", label,
					want[i].name, got[j].value, got[j].arg ? " (arg)" : "",
					want[i].value, want[i].arg ? " (arg)" : "");
				CHECK(!"local");
			} else {
				matched++;
				args += got[j].arg;
			}
		}
		if (found != 1)
			fprintf(stderr, "%s: %s shown %d times\n", label, want[i].name, found);
		CHECK_INT(found, 1);
	}
	/* n, neg, f, args, t, fa, nothing, s, long, raw, kw */
	CHECK_INT(args, 11);
	printf("  %-12s %#lx  %d/%d locals exactly\n", label, hexversion, matched, nwant);

	/* max cuts the list; the arguments come first (3.8-3.10 keep n, which
	 * a closure captures, in a cell: after the locals). */
	CHECK_INT(pylocals__read(r, &off, &obj, frame, code, got, 3), 3);
	CHECK_STR(got[0].name, obj.locals_layout == PYOBJ_LOCALS_KINDS ? "n" : "neg");
	CHECK(got[0].arg && got[1].arg && got[2].arg);
	CHECK_INT(pylocals__read(r, &off, &obj, frame, code, got, 0), 0);
	/* Another code object than the frame runs: refused. */
	CHECK_INT(pylocals__read(r, &off, &obj, frame, code + 16, got, PYLOCALS_MAX), -ESTALE);
	pyobj__free(r);
	/* A budget too small to finish: an error, not a short list. */
	r = pyobj__new(pid, &off, &obj, 6);
	CHECK_INT(pylocals__read(r, &off, &obj, frame, code, got, PYLOCALS_MAX), -E2BIG);
	pyobj__free(r);

	check_wrong_tables(pid, (uint32_t)hexversion, frame, code);

	reap(child);
	r = pyobj__new(pid, &off, &obj, BUDGET);
	for (int i = 0; i < 200 && !kill(pid, 0); i++)
		usleep(5000);
	CHECK_INT(pylocals__read(r, &off, &obj, frame, code, got, PYLOCALS_MAX), -ESRCH);
	pyobj__free(r);
	return matched == nwant && nwant > 0;
}

/* Frames and code objects forged in our own memory: every word points
 * back into the block, or all ones. */
static void test_forged(void)
{
	static uint64_t mem[4096];
	static struct pylocal got[PYLOCALS_MAX];
	static const uint32_t minors[] = {0x03080000, 0x030a0000, 0x030b0000,
					  0x030d0000, 0x030e0000, 0x030f0000};

	for (size_t v = 0; v < sizeof(minors) / sizeof(minors[0]); v++) {
		struct py_obj_offsets obj;
		struct py_offsets off;
		struct pyobj *r;
		uint64_t frame = (uint64_t)(uintptr_t)&mem[64], code;

		CHECK_INT(offsets__for_version(minors[v], 0, &off), 0);
		CHECK_INT(offsets__obj_for_version(minors[v], 0, &obj), 0);
		r = pyobj__new(getpid(), &off, &obj, BUDGET);
		for (size_t i = 0; i < 4096; i++)
			mem[i] = (uint64_t)(uintptr_t)&mem[(i * 7 + 3) % 4096];
		code = mem[64 + off.frame_code / 8] & ~(uint64_t)off.exec_tag_bits;
		CHECK(pylocals__read(r, &off, &obj, frame, code, got, PYLOCALS_MAX) < 0);
		memset(mem, 0xff, sizeof(mem));
		CHECK(pylocals__read(r, &off, &obj, frame, ~(uint64_t)off.exec_tag_bits, got,
				     PYLOCALS_MAX) < 0);
		CHECK_INT(pylocals__read(r, &off, &obj, 0, 1, got, 1), -EINVAL);
		CHECK_INT(pylocals__read(r, &off, &obj, frame, code, NULL, 1), -EINVAL);
		pyobj__free(r);
	}
}

static void check_python(const char *label, const char *path, void *ctx)
{
	*(int *)ctx += check_interp(label, path);
}

static void test_matrix(void)
{
	int ok = 0, tested = child_each_python(check_python, &ok);

	/* A run that found no interpreter at all proved nothing. */
	CHECK(tested > 0);
	CHECK_INT(ok, tested);
	printf("  %d of %d interpreters showed every local exactly\n", ok, tested);
}

int main(void)
{
	test_forged();
	test_matrix();
	return check_report("pylocals");
}
