/* test_output.c: aggregation and the writers, checked against golden files (tools/regen-golden.sh).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "callcounts.h"
#include "check.h"
#include "childio.h"
#include "flamecolour.h"
#include "output.h"
#include "pprof_decode.h"
#include "profile.h"
#include "rawread.h"

static const char *golden_dir = "tests/golden";
static const char *actual_dir = "tests/artifacts/golden-actual";
static int regen;

/* ---- helpers ---------------------------------------------------------- */

static char *render(const struct profile *p, int format, const struct output_opts *o, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	int err;

	if (!f)
		return NULL;
	err = output__write(p, format, o, f);
	fclose(f);
	CHECK_INT(err, 0);
	if (len)
		*len = n;
	return buf;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n) {
			buf[n] = '\0';
			*len = (size_t)n;
		} else {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

static int spit(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (!f)
		return -errno;
	ok = fwrite(data, 1, len, f) == len;
	ok = !fclose(f) && ok;
	return ok ? 0 : -EIO;
}

/* Compares data with golden file name byte for byte, or rewrites it. */
static void golden(const char *name, const char *data, size_t len)
{
	char path[512], apath[512];
	size_t glen = 0;
	char *want;

	snprintf(path, sizeof(path), "%s/%s", golden_dir, name);
	if (regen) {
		CHECK_INT(spit(path, data, len), 0);
		return;
	}
	want = slurp(path, &glen);
	if (!want) {
		check_failed++;
		fprintf(stderr, "golden %s: cannot read it (run tools/regen-golden.sh)\n", path);
		return;
	}
	if (glen == len && memcmp(want, data, len) == 0) {
		check_passed++;
	} else {
		size_t i = 0, line = 1;

		while (i < len && i < glen && want[i] == data[i])
			line += data[i++] == '\n';
		mkdir("tests/artifacts", 0755);
		mkdir(actual_dir, 0755);
		snprintf(apath, sizeof(apath), "%s/%s", actual_dir, name);
		spit(apath, data, len);
		check_failed++;
		fprintf(stderr, "golden %s: differs from line %zu (byte %zu); got %s\n", path, line, i,
			apath);
	}
	free(want);
}

static size_t count_str(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *s = strstr(hay, needle); s; s = strstr(s + 1, needle))
		n++;
	return n;
}

static uint32_t fid(struct profile *p, const char *name, const char *file, int line, int kind)
{
	int64_t id = profile__frame_id(p, name, file, line, kind);

	CHECK(id >= 0);
	return id < 0 ? 0 : (uint32_t)id;
}

#define ADD(p, pid, tid, count, ...)                                                         \
	do {                                                                                 \
		const uint32_t st_[] = { __VA_ARGS__ };                                      \
		CHECK_INT(profile__add(p, pid, tid, st_, sizeof(st_) / sizeof(st_[0]), count), 0); \
	} while (0)

/* ---- fixtures ------------------------------------------------------------ */

/* One process, four threads; names that need escaping in every format. */
static struct profile *fixture_threads(void)
{
	struct profile *p = profile__new();
	struct profile_meta meta = {
		.command = "python3 app.py --mode=\"fast\" & <run>",
		.rate_hz = 100,
		.duration_s = 2.5,
	};
	uint32_t M, MA, CO, LA, FU, KA, Q, AP, GC, TR, CT, BAD, SC, W;

	M = fid(p, "<module>", "app.py", 1, PF_PYTHON);
	MA = fid(p, "main", "app.py", 12, PF_PYTHON);
	CO = fid(p, "compute", "lib/calc.py", 40, PF_PYTHON);
	LA = fid(p, "<lambda>", "lib/calc.py", 44, PF_PYTHON);
	FU = fid(p, "fünf", "/srv/my app/módulo.py", 7, PF_PYTHON);
	KA = fid(p, "関数", "ユーティリティ.py", 0, PF_PYTHON);
	Q = fid(p, "Quote.\"say\"", "/opt/my project/q&a.py", 3, PF_PYTHON);
	AP = fid(p, "it's <b>&amp;</b>", "weird'name.py", 9, PF_PYTHON);
	GC = fid(p, "<GC>", NULL, 0, PF_OTHER);
	TR = fid(p, "[truncated]", NULL, 0, PF_TRUNCATED);
	CT = fid(p, "ctl\x01" "char\ttab", "ctl.py", 2, PF_PYTHON);
	BAD = fid(p, "bad\xff" "byte", "b.py", 5, PF_PYTHON);
	SC = fid(p, "semi;colon", "x;y.py", 1, PF_PYTHON);
	W = fid(p, "worker_loop", "worker.py", 30, PF_PYTHON);

	ADD(p, 4242, 4242, 100, M, MA, CO, LA);
	ADD(p, 4242, 4242, 20, M, MA, CO, LA); /* aggregates with the line above */
	ADD(p, 4242, 4242, 30, M, MA, CO);
	ADD(p, 4242, 4242, 45, M, MA, FU);
	ADD(p, 4242, 4242, 25, M, MA, FU, KA);
	ADD(p, 4242, 4242, 10, M, MA, Q);
	ADD(p, 4242, 4242, 8, M, GC);
	ADD(p, 4242, 4242, 3, M, MA, CT);
	ADD(p, 4242, 4242, 2, M, MA, BAD);
	ADD(p, 4242, 4243, 60, W, CO, LA);
	ADD(p, 4242, 4243, 15, W, AP);
	ADD(p, 4242, 4243, 4, W, SC);
	ADD(p, 4242, 4243, 5, TR, W, CO);
	ADD(p, 4242, 4244, 20, W, CO, LA);
	ADD(p, 4242, 4244, 7, W);
	ADD(p, 4242, 4245, 6, W, FU);
	CHECK_INT(profile__set_thread_name(p, 4242, 4242, "MainThread"), 0);
	CHECK_INT(profile__set_thread_name(p, 4242, 4243, "old name"), 0);
	CHECK_INT(profile__set_thread_name(p, 4242, 4243, "worker-1 \"quoted\" & <tag>"), 0);
	CHECK_INT(profile__set_thread_name(p, 4242, 4245, "ワーカー"), 0);
	CHECK_INT(profile__set_process(p, 4242, "python3 app.py"), 0);
	profile__set_meta(p, &meta);
	return p;
}

#define THREADS_TOTAL 360

/* Two processes; rate unknown, so speedscope weights come from the duration. */
static struct profile *fixture_processes(void)
{
	struct profile *p = profile__new();
	struct profile_meta meta = { .command = NULL, .rate_hz = 0, .duration_s = 4.0 };
	uint32_t SM, SE, HA, DU, FU, JM, JR, KA;

	SM = fid(p, "<module>", "server.py", 1, PF_PYTHON);
	SE = fid(p, "serve", "server.py", 20, PF_PYTHON);
	HA = fid(p, "handle", "handlers/api & co.py", 55, PF_PYTHON);
	DU = fid(p, "dumps", "json/__init__.py", 231, PF_PYTHON);
	FU = fid(p, "fünf", "/srv/my app/módulo.py", 7, PF_PYTHON);
	JM = fid(p, "<module>", "<string>", 1, PF_PYTHON);
	JR = fid(p, "run", "job.py", 0, PF_PYTHON);
	KA = fid(p, "関数", "ユーティリティ.py", 3, PF_PYTHON);

	ADD(p, 100, 100, 40, SM, SE);
	ADD(p, 100, 101, 70, SM, SE, HA);
	ADD(p, 100, 101, 30, SM, SE, HA, DU);
	ADD(p, 100, 101, 12, SM, SE, HA, FU);
	ADD(p, 200, 200, 50, JM, JR);
	ADD(p, 200, 200, 18, JM, JR, KA);
	ADD(p, 200, 201, 9, JM, JR, KA);
	CHECK_INT(profile__set_process(p, 100, "python3 server.py --port=8080"), 0);
	CHECK_INT(profile__set_process(p, 200, "python3 -c 'import job; job.run()'"), 0);
	CHECK_INT(profile__set_thread_name(p, 100, 100, "MainThread"), 0);
	CHECK_INT(profile__set_thread_name(p, 100, 101, "Thread-1 (handle)"), 0);
	CHECK_INT(profile__set_thread_name(p, 200, 201, ""), 0);
	profile__set_meta(p, &meta);
	return p;
}

#define PROCESSES_TOTAL 229

/* Many frames under the 0.1% threshold. */
static struct profile *fixture_elided(void)
{
	struct profile *p = profile__new();
	struct profile_meta meta = { .command = "python3 tiny.py", .rate_hz = 1000, .duration_s = 13 };
	uint32_t main_ = fid(p, "main", "m.py", 1, PF_PYTHON);
	uint32_t big = fid(p, "big", "m.py", 2, PF_PYTHON);
	char name[32];

	ADD(p, 7, 7, 10000, main_);
	ADD(p, 7, 7, 3000, main_, big);
	for (int i = 0; i < 30; i++) {
		snprintf(name, sizeof(name), "tiny_%02d", i);
		ADD(p, 7, 7, 1, main_, fid(p, name, "t.py", i + 1, PF_PYTHON));
	}
	for (int i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "small_%d", i);
		ADD(p, 7, 7, 1, main_, big, fid(p, name, "s.py", i + 1, PF_PYTHON));
	}
	profile__set_meta(p, &meta);
	return p;
}

/* Before and after for the differential flame graph: hot (and inner, under
 * it) shrinks from 60% to 20%, cold grows, warm grows a little, same keeps
 * its share at twice the samples; gone is only before, new only after. */
static struct profile *fixture_diff(int after)
{
	struct profile *p = profile__new();
	uint32_t M = fid(p, "<module>", "app.py", 1, PF_PYTHON);
	uint32_t MA = fid(p, "main", "app.py", 20, PF_PYTHON);
	uint32_t HOT = fid(p, "hot", "work.py", 5, PF_PYTHON);
	uint32_t IN = fid(p, "inner", "work.py", 9, PF_PYTHON);
	uint32_t COLD = fid(p, "cold", "work.py", 14, PF_PYTHON);
	uint32_t SAME = fid(p, "same", "work.py", 22, PF_PYTHON);
	uint32_t WARM = fid(p, "warm", "work.py", 30, PF_PYTHON);
	uint32_t OTHER = fid(p, after ? "new" : "gone", "work.py", 40, PF_PYTHON);

	ADD(p, 1, 1, after ? 60 : 100, M, MA, HOT, IN);
	ADD(p, 1, 1, 20, M, MA, HOT);
	ADD(p, 1, 1, after ? 220 : 40, M, MA, COLD);
	ADD(p, 1, 1, after ? 20 : 10, M, MA, SAME);
	ADD(p, 1, 1, after ? 40 : 10, M, MA, WARM);
	ADD(p, 1, 1, after ? 40 : 20, M, MA, OTHER);
	return p;
}

/* ---- the raw format, read back ------------------------------------------- */

/* The raw text read back (rawread: the reader pyhawk diff uses) adds up to
 * total, and written again is byte for byte the same. */
static void check_raw(const char *name, const char *text, uint64_t total)
{
	struct profile *back = profile__new();
	struct output_opts o = { 0 };
	struct rawread_error e;
	char *again;

	fprintf(stderr, "  raw %s: %zu lines\n", name, count_str(text, "\n"));
	CHECK_INT(rawread__parse(back, text, strlen(text), &e), 0);
	CHECK_INT(profile__total(back), total);
	again = render(back, OUT_RAW, &o, NULL);
	CHECK(again && strcmp(again, text) == 0);
	free(again);
	profile__free(back);
}

/* ---- pprof, read back ----------------------------------------------------- */

/* p as pprof, gunzipped (the bytes returned, for the golden files) and
 * decoded into *pp, checked for what every consumer relies on. */
static uint8_t *render_pprof(const struct profile *p, const struct output_opts *o, size_t *len,
			     struct pp *pp)
{
	size_t gzlen = 0;
	char *gz = render(p, OUT_PPROF, o, &gzlen);
	uint8_t *pb = NULL;
	const char *why;

	*len = 0;
	CHECK(gz && gzlen >= 18 && (uint8_t)gz[0] == 0x1f && (uint8_t)gz[1] == 0x8b);
	CHECK_INT(gz ? pp_gunzip(gz, gzlen, &pb, len) : -1, 0);
	free(gz);
	CHECK_INT(pp_decode(pb, *len, pp), 0);
	why = pp_check(pp);
	if (why)
		fprintf(stderr, "pprof: %s\n", why);
	CHECK(!why);
	return pb;
}

/* Samples read back from pprof are the raw output's stacks, count for
 * count, with the roots made from the labels. */
static void check_pprof(const char *name, const struct profile *p, int processes)
{
	struct output_opts o = {.threads = true, .processes = processes};
	struct pp pp;
	size_t len;
	uint8_t *pb = render_pprof(p, &o, &len, &pp);
	char *want = render(p, OUT_RAW, &o, NULL);
	char *got = pp_collapsed(&pp, processes || profile__npids(p) > 1, 1);

	fprintf(stderr, "  pprof %s: %zu bytes, %zu samples\n", name, len, pp.nsamples);
	CHECK(got && want && strcmp(got, want) == 0);
	if (got && want && strcmp(got, want))
		fprintf(stderr, "pprof %s as raw:\n%s---\nraw:\n%s---\n", name, got, want);
	free(got);
	free(want);
	o.threads = false;
	want = render(p, OUT_RAW, &o, NULL);
	got = pp_collapsed(&pp, processes || profile__npids(p) > 1, 0);
	CHECK(got && want && strcmp(got, want) == 0);
	free(got);
	free(want);
	free(pb);
	pp_free(&pp);
}

static const char *pp_str(const struct pp *pp, int64_t i)
{
	return i >= 0 && (uint64_t)i < pp->nstrs ? pp->strs[i] : "(out of range)";
}

/* The function named name in file (NULL: none), or NULL. */
static const struct pp_function *pp_func(const struct pp *pp, const char *name, const char *file)
{
	for (size_t i = 0; i < pp->nfuncs; i++) {
		const struct pp_function *fn = &pp->funcs[i];

		if (!strcmp(pp_str(pp, fn->name), name) &&
		    !strcmp(pp_str(pp, fn->filename), file ? file : ""))
			return fn;
	}
	return NULL;
}

static size_t pp_nlocs_of(const struct pp *pp, const struct pp_function *fn)
{
	size_t n = 0;

	for (size_t i = 0; fn && i < pp->nlocs; i++)
		n += pp->locs[i].func_id == fn->id;
	return n;
}

/* ---- tests ---------------------------------------------------------------- */

static void test_formats(void)
{
	CHECK_INT(output__parse_format("flamegraph"), OUT_FLAMEGRAPH);
	CHECK_INT(output__parse_format("speedscope"), OUT_SPEEDSCOPE);
	CHECK_INT(output__parse_format("raw"), OUT_RAW);
	CHECK_INT(output__parse_format("svg"), -EINVAL);
	CHECK_INT(output__parse_format(NULL), -EINVAL);
	CHECK_INT(output__format_for_path("out/profile.svg"), OUT_FLAMEGRAPH);
	CHECK_INT(output__format_for_path("PROFILE.SVG"), OUT_FLAMEGRAPH);
	CHECK_INT(output__format_for_path("p.json"), OUT_SPEEDSCOPE);
	CHECK_INT(output__format_for_path("p.txt"), OUT_RAW);
	CHECK_INT(output__format_for_path("p.folded"), OUT_RAW);
	CHECK_INT(output__format_for_path("p.collapsed"), OUT_RAW);
	CHECK_INT(output__format_for_path("p.raw"), OUT_RAW);
	CHECK_INT(output__format_for_path("p.pb.gz"), OUT_PPROF);
	CHECK_INT(output__format_for_path("out/P.PB.GZ"), OUT_PPROF);
	CHECK_INT(output__format_for_path("p.pprof"), OUT_PPROF);
	CHECK_INT(output__format_for_path(".pprof"), OUT_PPROF);
	CHECK_INT(output__format_for_path("p.gz"), -ENOENT);
	CHECK_INT(output__format_for_path("p.tar.gz"), -ENOENT);
	CHECK_INT(output__format_for_path("p.pb.gz/x"), -ENOENT);
	CHECK_INT(output__format_for_path("p.pstats"), OUT_PSTATS);
	CHECK_INT(output__format_for_path("P.PROF"), OUT_PSTATS);
	CHECK_INT(output__parse_format("lines"), OUT_LINES);
	CHECK_INT(output__format_for_path("p.html"), -ENOENT);
	CHECK_INT(output__format_for_path("dir.svg/profile"), -ENOENT);
	CHECK_INT(output__format_for_path("-"), -ENOENT);
	CHECK_STR(output__format_name(OUT_SPEEDSCOPE), "speedscope");
	CHECK_INT(output__parse_format("pprof"), OUT_PPROF);
	CHECK_STR(output__format_name(OUT_PSTATS), "pstats");
	CHECK(output__format_name(6) == NULL);
	CHECK_STR(output__default_extension(OUT_FLAMEGRAPH), "svg");
	CHECK_STR(output__default_extension(OUT_SPEEDSCOPE), "json");
	CHECK_STR(output__default_extension(OUT_RAW), "txt");
	CHECK_STR(output__default_extension(OUT_PPROF), "pb.gz");
	CHECK_STR(output__default_extension(OUT_PSTATS), "pstats");
	CHECK(output__default_extension(-1) == NULL);
	CHECK_STR(output__default_extension(OUT_LINES), "txt");
	for (int i = 0; i < 6; i++)
		CHECK_INT(output__parse_format(output__format_name(i)), i);
	{
		char names[128];

		CHECK_INT(output__format_list(names, sizeof(names)), 51);
		CHECK_STR(names, "flamegraph, speedscope, raw, pprof, pstats or lines");
		CHECK_INT(output__format_list(names, 5), 51);
		CHECK_STR(names, "flam");
		CHECK_INT(output__format_list(NULL, 0), 51);
	}
}

static void test_profile(void)
{
	struct profile *p = profile__new();
	struct profile_frame f = { .name = "f", .file = "a.py", .line = 0, .kind = PF_PYTHON };
	uint32_t a, b, stack[2];
	char label[64];

	a = fid(p, "f", "a.py", 3, PF_PYTHON);
	b = fid(p, "g", NULL, 0, PF_OTHER);
	CHECK_INT(a, 0);
	CHECK_INT(b, 1);
	CHECK_INT(profile__frame_id(p, "f", "a.py", 3, PF_PYTHON), a);
	CHECK(profile__frame_id(p, "f", "a.py", 4, PF_PYTHON) > b);
	CHECK(profile__frame_id(p, "f", "a.py", 3, PF_OTHER) > b);
	CHECK_INT(profile__frame_id(p, "g", "", 0, PF_OTHER), b); /* "" file is no file */
	CHECK_STR(profile__frame(p, a)->file, "a.py");
	CHECK(profile__frame(p, 1000) == NULL);
	/* Where a frame's function comes from: the first answer stays. */
	CHECK(profile__frame(p, a)->path == NULL && profile__frame(p, a)->first_line == 0);
	CHECK_INT(profile__set_frame_source(p, a, "/srv/a.py", 2), 0);
	CHECK_INT(profile__set_frame_source(p, a, "/other/a.py", 9), 0);
	CHECK_STR(profile__frame(p, a)->path, "/srv/a.py");
	CHECK_INT(profile__frame(p, a)->first_line, 2);
	CHECK_INT(profile__set_frame_source(p, b, NULL, -3), 0);
	CHECK(profile__frame(p, b)->path == NULL && profile__frame(p, b)->first_line == 0);
	CHECK_INT(profile__set_frame_source(p, 1000, "/x.py", 1), -EINVAL);
	CHECK_INT(profile__frame_id(p, "f", "a.py", 3, PF_PYTHON), a); /* not part of the key */
	/* Invalid UTF-8 is stored as U+FFFD, and interns like its copy. */
	CHECK_STR(profile__frame(p, fid(p, "x\xc3(", NULL, 0, PF_OTHER))->name, "x\xef\xbf\xbd(");
	CHECK_INT(profile__frame_id(p, "x\xc3(", NULL, 0, PF_OTHER),
		  profile__frame_id(p, "x\xef\xbf\xbd(", NULL, 0, PF_OTHER));
	CHECK_STR(profile__frame(p, fid(p, "\xed\xa0\x80\xf4\x90\x80\x80\xc0\xaf", NULL, 0,
					 PF_OTHER))->name,
		  "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
		  "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");

	stack[0] = a;
	stack[1] = b;
	stack[1] = 9999;
	CHECK_INT(profile__add(p, 1, 1, stack, 2, 1), -EINVAL);
	stack[1] = b;
	CHECK_INT(profile__add(p, 1, 1, stack, 2, 0), 0);
	CHECK_INT(profile__total(p), 0);
	CHECK_INT(profile__npids(p), 0);
	CHECK_INT(profile__add(p, 1, 1, stack, 2, 5), 0);
	CHECK_INT(profile__add(p, 1, 2, stack, 2, 2), 0);
	CHECK_INT(profile__add(p, 3, 3, stack, 1, 1), 0);
	CHECK_INT(profile__total(p), 8);
	CHECK_INT(profile__npids(p), 2);

	CHECK_INT(profile__frame_label(&f, label, sizeof(label)), 8);
	CHECK_STR(label, "f (a.py)");
	f.line = 12;
	profile__frame_label(&f, label, sizeof(label));
	CHECK_STR(label, "f (a.py:12)");
	f.kind = PF_THREAD;
	f.name = "thread (5): x";
	profile__frame_label(&f, label, sizeof(label));
	CHECK_STR(label, "thread (5): x");
	profile__free(p);
}

static void test_utf8(void)
{
	static const struct {
		const char *s;
		size_t len;
		uint32_t cp;
	} cases[] = {
		{ "A", 1, 'A' },
		{ "\xc3\xbc", 2, 0xfc },			/* ü */
		{ "\xe9\x96\xa2", 3, 0x95a2 },		/* 関 */
		{ "\xf0\x9f\x94\xa5", 4, 0x1f525 },	/* an emoji, past the BMP */
		{ "\xc0\xaf", 0, 0xfffd },		/* overlong '/' */
		{ "\xe0\x80\xaf", 0, 0xfffd },		/* overlong, 3 bytes */
		{ "\xed\xa0\x80", 0, 0xfffd },		/* a surrogate */
		{ "\xf4\x90\x80\x80", 0, 0xfffd },	/* past U+10FFFF */
		{ "\xe2\x82", 0, 0xfffd },		/* cut short by the NUL */
		{ "\x80", 0, 0xfffd },			/* a lone continuation byte */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t cp = 0;

		CHECK_INT(profile__utf8_next(cases[i].s, &cp), cases[i].len);
		CHECK_INT(cp, cases[i].cp);
	}
}

/* Many frames interned and many stacks added: ids stay dense and stable,
 * and frame pointers survive growth. */
static void test_growth(void)
{
	struct profile *p = profile__new();
	const struct profile_frame *first;
	char name[32];
	int ok = 1;

	first = profile__frame(p, fid(p, "first", "f.py", 1, PF_PYTHON));
	for (int i = 1; i < 50000; i++) {
		snprintf(name, sizeof(name), "fn%d", i);
		ok &= profile__frame_id(p, name, "m.py", i, PF_PYTHON) == i;
	}
	CHECK(ok);
	for (int i = 1; i < 50000; i += 7) {
		snprintf(name, sizeof(name), "fn%d", i);
		ok &= profile__frame_id(p, name, "m.py", i, PF_PYTHON) == i;
	}
	CHECK(ok);
	CHECK(first == profile__frame(p, 0));
	CHECK_STR(first->name, "first");
	for (uint32_t i = 0; i < 20000; i++) {
		uint32_t st[3] = { 0, i % 50000, (i * 7919) % 50000 };

		ok &= profile__add(p, i % 3, i % 5, st, 3, 1) == 0;
		ok &= profile__add(p, i % 3, i % 5, st, 3, 2) == 0;
	}
	CHECK(ok);
	CHECK_INT(profile__total(p), 60000);
	profile__free(p);
}

static void test_views(void)
{
	struct profile *p = fixture_threads();
	struct profile_view_opts vo = { .threads = false, .group_by = PROFILE_GROUP_NONE };
	struct profile_view *v = NULL;
	uint64_t sum = 0;

	CHECK_INT(profile__total(p), THREADS_TOTAL);
	CHECK_INT(profile__npids(p), 1);
	CHECK_INT(profile__view(p, &vo, &v), 0);
	/* 16 stacks added, one of them twice, two the same once the threads go. */
	CHECK_INT(profile_view__nstacks(v), 14);
	CHECK_INT(profile_view__ngroups(v), 1);
	CHECK_STR(profile_view__group(v, 0)->name, "all");
	for (size_t i = 0; i < profile_view__nstacks(v); i++)
		sum += profile_view__stack(v, i)->count;
	CHECK_INT(sum, THREADS_TOTAL);
	/* Sorted by label: "<GC>" < "compute" < ...; "<module>" first. */
	CHECK_STR(profile_view__label(v, profile_view__stack(v, 0)->frames[0]), "<module> (app.py:1)");
	CHECK_STR(profile_view__label(v, profile_view__stack(v, 0)->frames[1]), "<GC>");
	profile_view__free(v);

	vo.threads = true;
	CHECK_INT(profile__view(p, &vo, &v), 0);
	CHECK_INT(profile_view__nstacks(v), 15);
	CHECK_STR(profile_view__label(v, profile_view__stack(v, 0)->frames[0]),
		  "thread (4242): MainThread");
	CHECK_STR(profile_view__label(v, profile_view__stack(v, 14)->frames[0]),
		  "thread (4245): ワーカー");
	CHECK_INT(profile_view__nframes(v), 14 + 4);
	CHECK_INT(profile_view__frame(v, 14)->kind, PF_THREAD);
	CHECK(profile_view__frame(v, 18) == NULL);
	profile_view__free(v);

	vo.group_by = PROFILE_GROUP_THREAD;
	CHECK_INT(profile__view(p, &vo, &v), 0);
	CHECK_INT(profile_view__ngroups(v), 4);
	CHECK_STR(profile_view__group(v, 1)->name, "thread (4243): worker-1 \"quoted\" & <tag>");
	CHECK_STR(profile_view__group(v, 2)->name, "thread (4244)");
	CHECK_INT(profile_view__group(v, 0)->total, 243);
	CHECK_INT(profile_view__group(v, 2)->tid, 4244);
	/* No thread roots in a per-thread group. */
	CHECK_INT(profile_view__frame(v, profile_view__stack(v, 0)->frames[0])->kind, PF_PYTHON);
	profile_view__free(v);
	vo.group_by = 7;
	CHECK_INT(profile__view(p, &vo, &v), -EINVAL);
	profile__free(p);

	p = fixture_processes();
	vo = (struct profile_view_opts){ .threads = true, .group_by = PROFILE_GROUP_NONE };
	CHECK_INT(profile__view(p, &vo, &v), 0);
	CHECK_STR(profile_view__label(v, profile_view__stack(v, 0)->frames[0]),
		  "process 100: python3 server.py --port=8080");
	CHECK_STR(profile_view__label(v, profile_view__stack(v, 0)->frames[1]),
		  "thread (100): MainThread");
	CHECK_STR(profile_view__label(v, profile_view__stack(v, profile_view__nstacks(v) - 1)->frames[1]),
		  "thread (201)");
	profile_view__free(v);
	vo.group_by = PROFILE_GROUP_PROCESS;
	CHECK_INT(profile__view(p, &vo, &v), 0);
	CHECK_INT(profile_view__ngroups(v), 2);
	CHECK_STR(profile_view__group(v, 1)->name, "process 200: python3 -c 'import job; job.run()'");
	CHECK_INT(profile_view__group(v, 1)->total, 77);
	/* Grouped by process: a thread root, no process root. */
	CHECK_STR(profile_view__label(v, profile_view__stack(v, 0)->frames[0]),
		  "thread (100): MainThread");
	profile_view__free(v);
	profile__free(p);
}

static void check_svg(const char *name, const char *svg, long want_frames)
{
	const char *attr = strstr(svg, "data-frames=\"");
	long frames = attr ? strtol(attr + 13, NULL, 10) : -1;

	fprintf(stderr, "  svg %s: %ld frames\n", name, frames);
	CHECK_INT(frames, want_frames);
	CHECK_INT(count_str(svg, "<g class=\"frame"), want_frames);
	CHECK_INT(count_str(svg, "<rect x="), want_frames + 1);
	CHECK(strstr(svg, "id=\"search-input\"") != NULL);
	CHECK(strstr(svg, "<![CDATA[") != NULL);
	CHECK_INT(count_str(svg, "]]>"), 1);
	for (const char *s = svg; *s; s++) {
		if ((unsigned char)*s < 0x20 && *s != '\n') {
			CHECK(!"control character in SVG");
			break;
		}
	}
}

static void test_threads_outputs(void)
{
	const char *gc_frame =
	    "data-s=\"0\" data-n=\"8\" data-d=\"3\" data-name=\"&lt;GC&gt;\"><rect "
	    "x=\"10.0\" y=\"100.0\" width=\"25.2\" height=\"15\" "
	    "fill=\"rgb(173,209,229)\"/><text x=\"13.0\" y=\"111.5\"></text>";
	struct profile *p = fixture_threads();
	struct output_opts o = { .threads = true };
	char *out;
	size_t len;

	out = render(p, OUT_FLAMEGRAPH, &o, &len);
	golden("threads.svg", out, len);
	/* all, then 11 nodes under thread 4242, 9 under 4243, 4 and 3. */
	check_svg("threads", out, 28);
	CHECK(strstr(out, "data-name=\"&lt;lambda&gt;\" data-loc=\"lib/calc.py:44\"") != NULL);
	CHECK(strstr(out, "data-name=\"it&#39;s &lt;b&gt;&amp;amp;&lt;/b&gt;\"") != NULL);
	CHECK(strstr(out, "data-name=\"Quote.&quot;say&quot;\" data-loc=\"/opt/my project/q&amp;a.py:3\"") != NULL);
	CHECK(strstr(out, "data-name=\"fünf\" data-loc=\"/srv/my app/módulo.py:7\"") != NULL);
	CHECK(strstr(out, "data-name=\"関数\" data-loc=\"ユーティリティ.py\"") != NULL);
	CHECK(strstr(out, "data-name=\"ctlchartab\"") != NULL); /* controls dropped */
	CHECK(strstr(out, "data-name=\"bad\xef\xbf\xbd" "byte\"") != NULL);
	CHECK(strstr(out, "data-name=\"thread (4243): worker-1 &quot;quoted&quot; &amp; &lt;tag&gt;\"") != NULL);
	CHECK(strstr(out, "<lambda>") == NULL && strstr(out, "<module>") == NULL);
	CHECK(strstr(out, "<title>pyhawk: python3 app.py --mode=&quot;fast&quot; &amp; &lt;run&gt; — 360 "
			  "samples, 2.50 s at 100 Hz</title>") != NULL);
	/* Wide frames show the whole label, narrower ones a cut one
	 * (20 of 360 samples: 65.6 px, 8 characters), narrow ones none. */
	CHECK(strstr(out, ">thread (4242): MainThread</text>") != NULL);
	CHECK(strstr(out, ">&lt;module&gt; (app.py:1)</text>") != NULL);
	CHECK(strstr(out, "data-n=\"20\" data-d=\"3\" data-name=\"compute\"") != NULL);
	CHECK(strstr(out, ">comput..</text>") != NULL);
	/* <GC>: first at depth 3 (x 10), 8/360 of 1180 px less the 1 px gap;
	 * height 68 + 6 levels * 16 + 30, so y = 194 - 30 - 4 * 16. */
	CHECK(strstr(out, gc_frame) != NULL);
	CHECK(strstr(out, "height=\"194\" viewBox=\"0 0 1200 194\"") != NULL);
	free(out);

	out = render(p, OUT_SPEEDSCOPE, &o, &len);
	golden("threads.json", out, len);
	CHECK(strstr(out, "{\"name\": \"ctl\\u0001char\\ttab\", \"file\": \"ctl.py\", \"line\": 2}") != NULL);
	CHECK(strstr(out, "{\"name\": \"Quote.\\\"say\\\"\", \"file\": \"/opt/my project/q&a.py\", \"line\": 3}") != NULL);
	CHECK(strstr(out, "{\"name\": \"関数\", \"file\": \"ユーティリティ.py\"}") != NULL);
	CHECK(strstr(out, "\"name\": \"thread (4243): worker-1 \\\"quoted\\\" & <tag>\"") != NULL);
	CHECK(strstr(out, "\"activeProfileIndex\": 0") != NULL);
	CHECK_INT(count_str(out, "\"type\": \"sampled\""), 4);
	CHECK_INT(count_str(out, "\"unit\": \"seconds\""), 4);
	CHECK(strstr(out, "\"endValue\": 2.43,") != NULL); /* 243 samples at 100 Hz */
	free(out);

	out = render(p, OUT_RAW, &o, &len);
	golden("threads.txt", out, len);
	CHECK(strstr(out, "thread (4243): worker-1 \"quoted\" & <tag>;worker_loop (worker.py:30);"
			  "semi,colon (x,y.py:1) 4\n") != NULL);
	CHECK(strstr(out, "ctl?char?tab (ctl.py:2) 3\n") != NULL);
	check_raw("threads", out, THREADS_TOTAL);
	free(out);

	o.threads = false;
	out = render(p, OUT_RAW, &o, &len);
	golden("threads-merged.txt", out, len);
	CHECK(strstr(out, "\nworker_loop (worker.py:30);compute (lib/calc.py:40);<lambda> (lib/calc.py:44) 80\n") != NULL);
	check_raw("threads-merged", out, THREADS_TOTAL);
	free(out);

	/* Threads off: the flame graph merges them too. */
	out = render(p, OUT_FLAMEGRAPH, &o, &len);
	CHECK(strstr(out, "thread (") == NULL);
	CHECK(strstr(out, "data-s=\"0\" data-n=\"360\" data-d=\"0\" data-name=\"all\"") != NULL);
	free(out);
	profile__free(p);
}

static void test_processes_outputs(void)
{
	struct profile *p = fixture_processes();
	struct output_opts o = { .threads = true, .title = "Two <processes> & \"more\"" };
	char *out;
	size_t len;

	out = render(p, OUT_FLAMEGRAPH, &o, &len);
	golden("processes.svg", out, len);
	/* all; process 100: 3 + 6 under its threads; process 200: 4 + 4. */
	check_svg("processes", out, 20);
	CHECK(strstr(out, "<title>Two &lt;processes&gt; &amp; &quot;more&quot;</title>") != NULL);
	CHECK(strstr(out, "data-name=\"process 200: python3 -c &#39;import job; job.run()&#39;\"") != NULL);
	free(out);

	out = render(p, OUT_SPEEDSCOPE, &o, &len);
	golden("processes.json", out, len);
	CHECK_INT(count_str(out, "\"type\": \"sampled\""), 2);
	CHECK(strstr(out, "\"name\": \"process 100: python3 server.py --port=8080\"") != NULL);
	CHECK(strstr(out, "\"activeProfileIndex\": 0") != NULL);
	CHECK(strstr(out, "{\"name\": \"thread (201)\"}") != NULL);
	CHECK(strstr(out, "{\"name\": \"run\", \"file\": \"job.py\"}") != NULL);
	free(out);

	out = render(p, OUT_RAW, &o, &len);
	golden("processes.txt", out, len);
	CHECK(strncmp(out, "process 100: python3 server.py --port=8080;thread (100): MainThread;"
			   "<module> (server.py:1);serve (server.py:20) 40\n", 113) == 0);
	check_raw("processes", out, PROCESSES_TOTAL);
	free(out);

	/* Without -t: no thread roots, but still the process roots. */
	o.threads = false;
	out = render(p, OUT_RAW, &o, &len);
	CHECK(strstr(out, "thread (") == NULL);
	/* ';' is the frame separator: inside a label it is written ','. */
	CHECK(strstr(out, "process 200: python3 -c 'import job, job.run()';<module> (<string>:1);"
			  "run (job.py);関数 (ユーティリティ.py:3) 27\n") != NULL);
	check_raw("processes-merged", out, PROCESSES_TOTAL);
	free(out);
	profile__free(p);
}

static void test_elided(void)
{
	struct profile *p = fixture_elided();
	struct output_opts o = { 0 };
	char *out;
	size_t len;

	out = render(p, OUT_FLAMEGRAPH, &o, &len);
	golden("elided.svg", out, len);
	/* all, main, big and one frame for the 30 tiny ones; 35 not drawn. */
	check_svg("elided", out, 4);
	CHECK(strstr(out, "data-elided=\"35\"") != NULL);
	/* Right after big (3000 samples + 5 under it), before main's self time. */
	CHECK(strstr(out, "<g class=\"frame merged\" data-s=\"3005\" data-n=\"30\" data-d=\"2\" "
			  "data-name=\"[30 frames under 0.1% each]\">") != NULL);
	CHECK(strstr(out, "tiny_") == NULL && strstr(out, "small_") == NULL);
	free(out);
	profile__free(p);
}

/* The attribute value of name in the frame element whose data-name is
 * frame (the first), as a number; -1 when missing. */
static long long frame_attr(const char *svg, const char *frame, const char *name)
{
	char key[128], attr[32];
	const char *g, *end, *a;

	snprintf(key, sizeof(key), "data-name=\"%s\"", frame);
	snprintf(attr, sizeof(attr), " %s=\"", name);
	g = strstr(svg, key);
	if (!g)
		return -1;
	while (g > svg && strncmp(g, "<g ", 3))
		g--;
	end = strchr(g, '>');
	a = strstr(g, attr);
	return a && a < end ? strtoll(a + strlen(attr), NULL, 10) : -1;
}

/* The fill of the first frame named frame, "rgb(...)". */
static const char *frame_fill(const char *svg, const char *frame, char *buf, size_t size)
{
	char key[128];
	const char *g, *fill;

	snprintf(key, sizeof(key), "data-name=\"%s\"", frame);
	g = strstr(svg, key);
	fill = g ? strstr(g, "fill=\"") : NULL;
	snprintf(buf, size, "%.*s", fill ? (int)strcspn(fill + 6, "\"") : 0, fill ? fill + 6 : "");
	return buf;
}

static void check_fill(const char *svg, const char *frame, struct rgb want)
{
	char got[32], w[32];

	snprintf(w, sizeof(w), "rgb(%u,%u,%u)", want.r, want.g, want.b);
	frame_fill(svg, frame, got, sizeof(got));
	if (strcmp(got, w))
		fprintf(stderr, "  diff: %s is %s, want %s\n", frame, got, w);
	CHECK_STR(got, w);
}

static void test_diff(void)
{
	struct profile *before = fixture_diff(0), *after = fixture_diff(1), *t = fixture_threads();
	struct output_opts o = {
	    .title = "pyhawk diff: before.txt (200 samples) → after.txt (400 samples)",
	    .before = before};
	struct rgb grey = flamecolour__diff(0), blue = flamecolour__diff(-1),
		   red = flamecolour__diff(1);
	char *out;
	size_t len;

	/* The inputs, as raw files (the browser test reads them). */
	out = render(before, OUT_RAW, NULL, &len);
	golden("diff-before.txt", out, len);
	free(out);
	out = render(after, OUT_RAW, NULL, &len);
	golden("diff-after.txt", out, len);
	free(out);

	out = render(after, OUT_FLAMEGRAPH, &o, &len);
	golden("diff.svg", out, len);
	/* after's shape: all, <module>, main, hot, inner, cold, same, warm, new. */
	check_svg("diff", out, 9);
	CHECK(strstr(out, "data-total=\"400\"") && strstr(out, "data-btotal=\"200\""));
	CHECK(strstr(out, "gone") == NULL);
	CHECK_INT(frame_attr(out, "hot", "data-n"), 80);
	CHECK_INT(frame_attr(out, "hot", "data-b"), 120);
	CHECK_INT(frame_attr(out, "inner", "data-b"), 100);
	CHECK_INT(frame_attr(out, "new", "data-b"), 0);
	CHECK_INT(frame_attr(out, "all", "data-b"), 200);
	/* 60% -> 20%, 50% -> 15%: full blue; 20% -> 55%, 0 -> 10%: full red;
	 * 5% -> 5% and 100% -> 100%: grey; 5% -> 10%: half way to red. */
	check_fill(out, "hot", blue);
	check_fill(out, "inner", blue);
	check_fill(out, "cold", red);
	check_fill(out, "new", red);
	check_fill(out, "same", grey);
	check_fill(out, "main", grey);
	check_fill(out, "all", grey);
	check_fill(out, "warm", flamecolour__diff_level(FLAMECOLOUR_DIFF_LEVELS / 2));
	CHECK(strstr(out, "<text id=\"legend\"") != NULL);
	free(out);

	/* The ordinary graph has none of it. */
	out = render(after, OUT_FLAMEGRAPH, NULL, NULL);
	CHECK(!strstr(out, " data-btotal=\"") && !strstr(out, " data-b=\"") &&
	      !strstr(out, "<text id=\"legend\""));
	free(out);

	/* A profile against itself: every frame (thread roots too) as many
	 * samples before, and grey. */
	o = (struct output_opts){.threads = true, .before = t};
	out = render(t, OUT_FLAMEGRAPH, &o, NULL);
	CHECK_INT(count_str(out, "<g class=\"frame"), 28);
	for (const char *g = strstr(out, "<g class=\"frame"); g;
	     g = strstr(g + 1, "<g class=\"frame")) {
		char n[48], b[48], want[40];
		const char *dn = strstr(g, " data-n=\""), *db = strstr(g, " data-b=\"");

		snprintf(n, sizeof(n), "%.*s", (int)strcspn(dn + 9, "\""), dn + 9);
		snprintf(b, sizeof(b), "%.*s", db ? (int)strcspn(db + 9, "\"") : 0,
			 db ? db + 9 : "");
		CHECK_STR(b, n);
		snprintf(want, sizeof(want), "fill=\"rgb(%u,%u,%u)\"", grey.r, grey.g, grey.b);
		CHECK(strstr(g, want) && strstr(g, want) < strchr(g, '\n'));
	}
	free(out);
	profile__free(t);

	/* Elided frames: the merged frame's before is that of the frames it
	 * stands for. */
	t = fixture_elided();
	o = (struct output_opts){.before = t};
	out = render(t, OUT_FLAMEGRAPH, &o, NULL);
	CHECK_INT(frame_attr(out, "[30 frames under 0.1% each]", "data-b"), 30);
	free(out);
	profile__free(t);
	profile__free(before);
	profile__free(after);
}

/* Counts near 2^64 (they can come from a file now): half the samples is
 * drawn, not lost to 2^62 * 1000 wrapping round to 0. */
static void test_huge_counts(void)
{
	struct profile *p = profile__new();
	uint32_t m = fid(p, "main", "m.py", 1, PF_PYTHON),
		 big = fid(p, "big", "m.py", 2, PF_PYTHON);
	char *out;

	ADD(p, 1, 1, 1ull << 62, m);
	ADD(p, 1, 1, 1ull << 62, m, big);
	out = render(p, OUT_FLAMEGRAPH, NULL, NULL);
	check_svg("huge", out, 3);
	CHECK(strstr(out, "data-n=\"4611686018427387904\" data-d=\"2\" data-name=\"big\"") != NULL);
	free(out);
	profile__free(p);
}

static void test_empty(void)
{
	struct profile *p = profile__new();
	char *out;
	size_t len;

	out = render(p, OUT_FLAMEGRAPH, NULL, &len);
	golden("empty.svg", out, len);
	check_svg("empty", out, 0);
	free(out);
	out = render(p, OUT_SPEEDSCOPE, NULL, &len);
	golden("empty.json", out, len);
	free(out);
	out = render(p, OUT_RAW, NULL, &len);
	CHECK_INT(len, 0);
	free(out);
	profile__free(p);
}

/* A sample without frames counts in every output, under its own frame. */
static void test_no_frames(void)
{
	struct profile *p = profile__new();
	struct output_opts o = { .threads = true };
	uint32_t f = fid(p, "f", "a.py", 1, PF_PYTHON);
	char *out;

	CHECK_INT(profile__add(p, 5, 5, NULL, 0, 3), 0);
	CHECK_INT(profile__add(p, 5, 5, NULL, 0, 1), 0);
	CHECK_INT(profile__add(p, 5, 6, &f, 1, 2), 0);
	CHECK_INT(profile__add(p, 5, 5, NULL, 1, 1), -EINVAL);
	CHECK_INT(profile__total(p), 6);
	out = render(p, OUT_RAW, &o, NULL);
	CHECK_STR(out, "thread (5);[no Python frames] 4\nthread (6);f (a.py:1) 2\n");
	check_raw("no-frames", out, 6);
	free(out);
	o.threads = false;
	out = render(p, OUT_RAW, &o, NULL);
	CHECK_STR(out, "[no Python frames] 4\nf (a.py:1) 2\n");
	free(out);
	out = render(p, OUT_SPEEDSCOPE, &o, NULL);
	CHECK(strstr(out, "{\"name\": \"[no Python frames]\"}") != NULL);
	free(out);
	out = render(p, OUT_FLAMEGRAPH, &o, NULL);
	CHECK(strstr(out, "data-n=\"4\" data-d=\"1\" data-name=\"[no Python frames]\"") != NULL);
	free(out);
	check_pprof("no-frames", p, 0);
	profile__free(p);
}

static void test_pprof_threads(void)
{
	struct profile *p = fixture_threads();
	struct output_opts o = {.threads = true};
	const struct pp_function *fn;
	uint64_t samples = 0;
	int64_t ns = 0;
	struct pp pp;
	size_t len;
	uint8_t *pb = render_pprof(p, &o, &len, &pp);
	char *a, *b;

	golden("threads.pb", (const char *)pb, len);
	CHECK_INT(pp.nsample_types, 2);
	CHECK_STR(pp_str(&pp, pp.sample_type[0].type), "samples");
	CHECK_STR(pp_str(&pp, pp.sample_type[0].unit), "count");
	CHECK_STR(pp_str(&pp, pp.sample_type[1].type), "cpu");
	CHECK_STR(pp_str(&pp, pp.sample_type[1].unit), "nanoseconds");
	CHECK_STR(pp_str(&pp, pp.period_type.type), "cpu");
	CHECK_STR(pp_str(&pp, pp.period_type.unit), "nanoseconds");
	CHECK_STR(pp_str(&pp, pp.default_sample_type), "cpu");
	CHECK_INT(pp.period, 10000000); /* 100 Hz */
	CHECK_INT(pp.duration_nanos, 2500000000);
	CHECK_INT(pp.ncomments, 1);
	CHECK_STR(pp_str(&pp, pp.comments[0]), "python3 app.py --mode=\"fast\" & <run>");
	CHECK_INT(pp.nmappings, 1);
	CHECK(pp.mappings[0].has_functions && pp.mappings[0].has_filenames);
	for (size_t i = 0; i < pp.nsamples; i++) {
		samples += (uint64_t)pp.samples[i].values[0];
		ns += pp.samples[i].values[1];
		CHECK_INT(pp.samples[i].values[1], pp.samples[i].values[0] * 10000000);
	}
	CHECK_INT(samples, THREADS_TOTAL);
	CHECK_INT(ns, THREADS_TOTAL * 10000000ll);
	/* A stack per thread: the 16 added less the one added twice. */
	CHECK_INT(pp.nsamples, 15);
	/* Every frame its own function: none has two lines here. */
	CHECK_INT(pp.nfuncs, 14);
	CHECK_INT(pp.nlocs, 14);
	fn = pp_func(&pp, "compute", "lib/calc.py");
	CHECK(fn && fn->start_line == 0); /* not known without -F */
	CHECK_STR(fn ? pp_str(&pp, fn->system_name) : NULL, "lib/calc.py:compute");
	/* Names as they are, whatever they hold: protobuf strings need no
	 * escapes (invalid UTF-8 was made U+FFFD when interned). */
	CHECK(pp_func(&pp,
		      "ctl\x01"
		      "char\ttab",
		      "ctl.py") != NULL);
	CHECK(pp_func(&pp,
		      "bad\xef\xbf\xbd"
		      "byte",
		      "b.py") != NULL);
	CHECK(pp_func(&pp, "semi;colon", "x;y.py") != NULL);
	CHECK(pp_func(&pp, "関数", "ユーティリティ.py") != NULL);
	/* pyhawk's own frames: no file, no system name (pprof would empty
	 * "<GC>" if both names were the same). */
	fn = pp_func(&pp, "<GC>", NULL);
	CHECK(fn && fn->system_name == 0 && fn->filename == 0);
	CHECK(pp_func(&pp, "[truncated]", NULL) != NULL);
	/* The thread labels of the thread that has a name and a quote in it. */
	for (size_t i = 0; i < pp.nsamples; i++) {
		int64_t tid = 0, pid = 0;
		int found;
		const char *name = pp_label(&pp, &pp.samples[i], "thread_name", &tid, &found);

		pp_label(&pp, &pp.samples[i], "tid", &tid, &found);
		pp_label(&pp, &pp.samples[i], "pid", &pid, &found);
		CHECK_INT(pid, 4242);
		if (tid == 4243)
			CHECK_STR(name, "worker-1 \"quoted\" & <tag>");
		if (tid == 4244)
			CHECK(!name); /* never named: no label */
	}
	free(pb);
	pp_free(&pp);
	check_pprof("threads", p, 0);

	/* -t and the process roots change nothing: labels say it all. Each
	 * render gives the same bytes (no time in the gzip header). */
	a = render(p, OUT_PPROF, &o, &len);
	/* As written, gzipped, for the consumer tests (go tool pprof, npm
	 * pprof-format) to read beside the golden file. */
	mkdir("tests/artifacts", 0755);
	CHECK_INT(a ? spit("tests/artifacts/threads.pb.gz", a, len) : -1, 0);
	o = (struct output_opts){.processes = true, .title = "ignored"};
	b = render(p, OUT_PPROF, &o, NULL);
	CHECK(a && b && memcmp(a, b, len) == 0);
	free(a);
	free(b);
	profile__free(p);
}

static void test_pprof_processes(void)
{
	struct profile *p = fixture_processes();
	struct output_opts o = {.threads = true};
	uint64_t count = 0;
	int64_t ns = 0;
	struct pp pp;
	size_t len;
	uint8_t *pb = render_pprof(p, &o, &len, &pp);

	golden("processes.pb", (const char *)pb, len);
	/* No rate: a sample is the duration shared out, 4 s / 229. */
	CHECK_INT(pp.period, 17467249);
	CHECK_INT(pp.duration_nanos, 4000000000);
	CHECK_INT(pp.ncomments, 0);
	for (size_t i = 0; i < pp.nsamples; i++) {
		count += (uint64_t)pp.samples[i].values[0];
		ns += pp.samples[i].values[1];
	}
	CHECK_INT(count, PROCESSES_TOTAL);
	CHECK(ns > 3999999000 && ns < 4000001000);
	/* "run (job.py)": no line, so no line in its location either. */
	CHECK_INT(pp_nlocs_of(&pp, pp_func(&pp, "run", "job.py")), 1);
	for (size_t i = 0; i < pp.nlocs; i++) {
		if (pp.locs[i].func_id == pp_func(&pp, "run", "job.py")->id)
			CHECK_INT(pp.locs[i].line, 0);
	}
	free(pb);
	pp_free(&pp);
	check_pprof("processes", p, 1);
	profile__free(p);
}

/* One function at two lines: one function, two locations; with -F (first
 * lines), two functions of the same name that start apart are two. */
static void test_pprof_lines(void)
{
	struct profile *p = profile__new();
	struct profile_meta meta = {.command = "python3 l.py", .rate_hz = 250, .wall = true};
	uint32_t m = fid(p, "main", "l.py", 20, PF_PYTHON);
	uint32_t f3 = fid(p, "f", "l.py", 3, PF_PYTHON), f5 = fid(p, "f", "l.py", 5, PF_PYTHON);
	uint32_t idle = fid(p, "[idle: sleep]", NULL, 0, PF_OTHER);
	const struct pp_function *fn;
	struct pp pp;
	size_t len;
	uint8_t *pb;

	ADD(p, 9, 9, 3, m, f3);
	ADD(p, 9, 9, 4, m, f5);
	ADD(p, 9, 9, 5, m, f5, idle);
	profile__set_meta(p, &meta);
	pb = render_pprof(p, NULL, &len, &pp);
	CHECK_STR(pp_str(&pp, pp.sample_type[1].type), "wall");
	CHECK_STR(pp_str(&pp, pp.period_type.type), "wall");
	CHECK_INT(pp.period, 4000000);
	CHECK_INT(pp.duration_nanos, 0);
	CHECK_INT(pp.nfuncs, 3);
	CHECK_INT(pp.nlocs, 4);
	fn = pp_func(&pp, "f", "l.py");
	CHECK_INT(pp_nlocs_of(&pp, fn), 2);
	CHECK(fn && fn->start_line == 0);
	free(pb);
	pp_free(&pp);
	check_pprof("lines", p, 0);

	meta.first_lines = true;
	profile__set_meta(p, &meta);
	pb = render_pprof(p, NULL, &len, &pp);
	CHECK_INT(pp.nfuncs, 4);
	CHECK_INT(pp.nlocs, 4);
	for (size_t i = 0; i < pp.nfuncs; i++) {
		const struct pp_function *g = &pp.funcs[i];

		if (!strcmp(pp_str(&pp, g->name), "f"))
			CHECK(g->start_line == 3 || g->start_line == 5);
		else if (!strcmp(pp_str(&pp, g->name), "main"))
			CHECK_INT(g->start_line, 20);
		else
			CHECK_INT(g->start_line, 0);
	}
	free(pb);
	pp_free(&pp);
	profile__free(p);
}

/* No samples, no rate, no duration: a valid profile of counts alone. */
static void test_pprof_empty(void)
{
	struct profile *p = profile__new();
	struct pp pp;
	size_t len;
	uint8_t *pb = render_pprof(p, NULL, &len, &pp);

	golden("empty.pb", (const char *)pb, len);
	CHECK_INT(pp.nsamples, 0);
	CHECK_INT(pp.nsample_types, 1);
	CHECK_STR(pp_str(&pp, pp.sample_type[0].type), "samples");
	CHECK_INT(pp.period, 0);
	CHECK_INT(pp.nstrs, 3);
	free(pb);
	pp_free(&pp);
	profile__free(p);
}

/* Counts past int64 (pprof's values are signed) stop at its largest. */
static void test_pprof_saturates(void)
{
	struct profile *p = profile__new();
	struct profile_meta meta = {.rate_hz = 1};
	uint32_t f = fid(p, "f", "a.py", 1, PF_PYTHON);
	struct pp pp;
	size_t len;
	uint8_t *pb;

	CHECK_INT(profile__add(p, 1, 1, &f, 1, UINT64_MAX - 5), 0);
	CHECK_INT(profile__add(p, 1, 2, &f, 1, 10000000000ull), 0);
	profile__set_meta(p, &meta);
	pb = render_pprof(p, NULL, &len, &pp);
	CHECK_INT(pp.nsamples, 2);
	CHECK_INT(pp.samples[0].values[0], INT64_MAX);
	CHECK_INT(pp.samples[0].values[1], INT64_MAX);
	CHECK_INT(pp.samples[1].values[0], 10000000000ll);
	CHECK_INT(pp.samples[1].values[1], INT64_MAX); /* 1e10 s in ns */
	free(pb);
	pp_free(&pp);
	profile__free(p);
}

/* ---- pstats, read by Python ---------------------------------------------- */

/* Frames with and without first lines, two callers, recursion and a frame
 * that is not Python code, at 10 Hz (0.1 s a sample). */
static struct profile *fixture_calls(void)
{
	struct profile *p = profile__new();
	struct profile_meta meta = {.command = "python3 app.py", .rate_hz = 10, .duration_s = 1.8};
	uint32_t M, A, A2, B, H, H2, R, R2, GC;

	M = fid(p, "<module>", "app.py", 3, PF_PYTHON);
	A = fid(p, "a", "app.py", 10, PF_PYTHON);
	A2 = fid(p, "a", "app.py", 11, PF_PYTHON);
	B = fid(p, "b", "app.py", 20, PF_PYTHON);
	H = fid(p, "helper", "lib/util.py", 31, PF_PYTHON);
	H2 = fid(p, "helper", "lib/util.py", 32, PF_PYTHON);
	R = fid(p, "rec", "app.py", 40, PF_PYTHON);
	R2 = fid(p, "rec", "app.py", 42, PF_PYTHON); /* no first line: rec is at 40 */
	GC = fid(p, "<GC>", NULL, 0, PF_OTHER);
	CHECK_INT(profile__set_frame_source(p, M, "/srv/app.py", 1), 0);
	CHECK_INT(profile__set_frame_source(p, A, "/srv/app.py", 9), 0);
	CHECK_INT(profile__set_frame_source(p, A2, "/srv/app.py", 9), 0);
	CHECK_INT(profile__set_frame_source(p, B, "/srv/app.py", 19), 0);
	CHECK_INT(profile__set_frame_source(p, H, "/srv/lib/util.py", 30), 0);
	CHECK_INT(profile__set_frame_source(p, H2, "/srv/lib/util.py", 30), 0);
	ADD(p, 1, 1, 6, M, A, H);
	ADD(p, 1, 1, 2, M, A2, H2);
	ADD(p, 1, 2, 3, M, B, H);
	ADD(p, 1, 1, 1, M, A);
	ADD(p, 1, 1, 4, M, R, R2, R);
	ADD(p, 1, 2, 2, M, GC);
	profile__set_meta(p, &meta);
	return p;
}

/* Each function as (key) (cc, nc, tt, ct) [(caller, (nc, cc, tt, ct)), ...],
 * then what pstats.Stats makes of the file: calls, primitive calls, time. */
static const char pstats_reader[] =
    "import marshal, pstats, sys\n"
    "d = marshal.load(open(sys.argv[1], 'rb'))\n"
    "r = lambda t: tuple(round(x, 9) if isinstance(x, float) else x for x in t)\n"
    "for k in sorted(d):\n"
    "    cc, nc, tt, ct, callers = d[k]\n"
    "    print(k, r((cc, nc, tt, ct)), sorted((c, r(v)) for c, v in callers.items()))\n"
    "s = pstats.Stats(sys.argv[1])\n"
    "print(s.total_calls, s.prim_calls, round(s.total_tt, 9), flush=True)\n";

static const char *const calls_want[] = {
    "('app.py', 1, '<module>') (18, 18, 0.0, 1.8) []",
    "('app.py', 9, 'a') (9, 9, 0.1, 0.9) [(('app.py', 1, '<module>'), (9, 9, 0.1, 0.9))]",
    "('app.py', 19, 'b') (3, 3, 0.0, 0.3) [(('app.py', 1, '<module>'), (3, 3, 0.0, 0.3))]",
    /* Three deep in 4 samples: 12 frames, 4 outermost; the pair
     * rec -> rec twice a sample, once outermost. */
    "('app.py', 40, 'rec') (4, 12, 0.4, 0.4) [(('app.py', 1, '<module>'), (4, 4, 0.0, 0.4)), "
    "(('app.py', 40, 'rec'), (8, 4, 0.4, 0.4))]",
    "('lib/util.py', 30, 'helper') (11, 11, 1.1, 1.1) [(('app.py', 9, 'a'), (8, 8, 0.8, 0.8)), "
    "(('app.py', 19, 'b'), (3, 3, 0.3, 0.3))]",
    "('~', 0, '<GC>') (2, 2, 0.2, 0.2) [(('app.py', 1, '<module>'), (2, 2, 0.2, 0.2))]",
    "55 47 1.8",
};

/* Runs the reader on a pstats file and checks its lines against want. */
static void check_pstats_read(const char *path, const char *const *want, size_t nwant)
{
	const char *python = getenv("PYTHON") ? getenv("PYTHON") : "/usr/bin/python3";
	char *argv[] = {(char *)python, "-c", (char *)pstats_reader, (char *)path, NULL};
	char line[1024];
	int out = -1, status = 0;
	pid_t pid = child_spawn(python, argv, &out);

	CHECK(pid > 0);
	if (pid <= 0)
		return;
	for (size_t i = 0; i < nwant; i++) {
		CHECK(child_read_line(out, line, sizeof(line)) >= 0);
		CHECK_STR(line, want[i]);
	}
	CHECK_INT(child_read_line(out, line, sizeof(line)), -EIO); /* nothing more */
	close(out);
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_pstats(void)
{
	struct profile *p = fixture_calls();
	char path[] = "/tmp/pyhawk-pstats-XXXXXX";
	struct callcounts *cc;
	uint64_t n = 0;
	struct output_opts o = {0};
	int fd = mkstemp(path);
	char *out;
	size_t len;

	out = render(p, OUT_PSTATS, &o, &len);
	golden("calls.pstats", out, len);
	CHECK(fd >= 0 && write(fd, out, len) == (ssize_t)len);
	if (fd >= 0)
		close(fd);
	check_pstats_read(path, calls_want, sizeof(calls_want) / sizeof(calls_want[0]));
	free(out);

	/* --calls: exact counts where the probe counted (names and paths cut
	 * as its buffers cut them, qualified names by their last part); the
	 * callers' counts stay sample counts. */
	cc = callcounts__new(12, 5);
	CHECK(cc != NULL);
	CHECK_INT(callcounts__add(cc, "/srv/lib/util.py", 30, "helper", 300), 0);
	CHECK_INT(callcounts__add(cc, "/srv/lib/util.py", 30, "helpe", 200),
		  0);						     /* another process */
	CHECK_INT(callcounts__add(cc, "/srv/app.py", 9, "b", 7), 0); /* b is at 19 */
	CHECK_INT(callcounts__add(cc, "/srv/app.py", 40, "rec", 0), 0);
	CHECK_INT(callcounts__get(cc, "/srv/lib/util.py", 30, "Util.helper", &n), 0);
	CHECK_INT(n, 500);
	CHECK_INT(callcounts__get(cc, "/srv/lib/util.py", 31, "helper", &n), -ENOENT);
	o.calls = cc;
	out = render(p, OUT_PSTATS, &o, &len);
	o.calls = NULL;
	fd = open(path, O_WRONLY | O_TRUNC);
	CHECK(fd >= 0 && write(fd, out, len) == (ssize_t)len);
	if (fd >= 0)
		close(fd);
	{
		const char *want[sizeof(calls_want) / sizeof(calls_want[0])];

		memcpy(want, calls_want, sizeof(want));
		want[4] =
		    "('lib/util.py', 30, 'helper') (500, 500, 1.1, 1.1) [(('app.py', 9, 'a'), "
		    "(8, 8, 0.8, 0.8)), (('app.py', 19, 'b'), (3, 3, 0.3, 0.3))]";
		want[6] = "544 536 1.8";
		check_pstats_read(path, want, sizeof(want) / sizeof(want[0]));
	}
	free(out);

	/* The same counts in speedscope's frames ("calls", each line's frame
	 * of helper) and the flame graph's (data-calls, in the tooltip). b's
	 * and rec's frames and those without a first line have none. */
	o.threads = true;		    /* as speedscope's profiles are: one per thread */
	out = render(p, OUT_RAW, &o, &len); /* for the importer's test of calls.json */
	golden("calls.txt", out, len);
	free(out);
	o.calls = cc;
	out = render(p, OUT_SPEEDSCOPE, &o, &len);
	golden("calls.json", out, len);
	CHECK(strstr(out, "{\"name\": \"helper\", \"file\": \"lib/util.py\", \"line\": 31, "
			  "\"calls\": 500}") != NULL);
	CHECK(strstr(out, "{\"name\": \"helper\", \"file\": \"lib/util.py\", \"line\": 32, "
			  "\"calls\": 500}") != NULL);
	CHECK(strstr(out, "\"calls\": 7") == NULL && strstr(out, "\"calls\": 0") == NULL);
	free(out);
	out = render(p, OUT_FLAMEGRAPH, &o, &len);
	o.calls = NULL;
	o.threads = false;
	golden("calls.svg", out, len);
	CHECK(strstr(out, "data-name=\"helper\" data-loc=\"lib/util.py:31\" data-calls=\"500\"") !=
	      NULL);
	CHECK(strstr(out, "data-calls=\"7\"") == NULL);
	callcounts__free(cc);
	unlink(path);
	free(out);
	profile__free(p);

	/* Every frame kind, thread roots: the file holds together (tested
	 * further by run-outputs.sh, which loads it with pstats). */
	p = fixture_threads();
	o.threads = true;
	out = render(p, OUT_PSTATS, &o, &len);
	golden("threads.pstats", out, len);
	CHECK(len > 2 && out[0] == '{' && out[len - 1] == '0');
	free(out);
	profile__free(p);

	/* No samples: an empty dict. */
	p = profile__new();
	out = render(p, OUT_PSTATS, &o, &len);
	CHECK(len == 2 && memcmp(out, "{0", 2) == 0);
	free(out);
	profile__free(p);
}

/* ---- lines --------------------------------------------------------------- */

/* work() in tests/unit/fixtures/lines_src.py (first line 4), hot at 7, with
 * samples at 8 and 20 too (a fold between); a function whose file is gone,
 * one that is not a file, one under 1 %, and <GC>. 10 Hz. */
static struct profile *fixture_lines(void)
{
	struct profile *p = profile__new();
	struct profile_meta meta = {
	    .command = "python3 lines_src.py", .rate_hz = 10, .duration_s = 40};
	static const char src[] = "tests/unit/fixtures/lines_src.py";
	uint32_t M, W7, W8, W9, W10, W20, G, B, T, GC;

	M = fid(p, "<module>", "lines_src.py", 28, PF_PYTHON);
	W7 = fid(p, "work", "lines_src.py", 7, PF_PYTHON);
	W8 = fid(p, "work", "lines_src.py", 8, PF_PYTHON);
	W9 = fid(p, "work", "lines_src.py", 9, PF_PYTHON);
	W10 = fid(p, "work", "lines_src.py", 10, PF_PYTHON);
	W20 = fid(p, "work", "lines_src.py", 20, PF_PYTHON);
	G = fid(p, "gone", "/nonexistent/gone.py", 3, PF_PYTHON);
	B = fid(p, "_load", "<frozen importlib._bootstrap>", 671, PF_PYTHON);
	T = fid(p, "tiny", "lines_src.py", 2, PF_PYTHON);
	GC = fid(p, "<GC>", NULL, 0, PF_OTHER);
	CHECK_INT(profile__set_frame_source(p, M, src, 1), 0);
	for (uint32_t id = W7; id <= W20; id++)
		CHECK_INT(profile__set_frame_source(p, id, src, 4), 0);
	CHECK_INT(profile__set_frame_source(p, G, "/nonexistent/gone.py", 1), 0);
	CHECK_INT(profile__set_frame_source(p, B, "<frozen importlib._bootstrap>", 650), 0);
	CHECK_INT(profile__set_frame_source(p, T, src, 1), 0);
	ADD(p, 1, 1, 250, M, W7);
	ADD(p, 1, 2, 50, M, W7); /* another thread: the same line */
	ADD(p, 1, 1, 40, M, W8);
	ADD(p, 1, 1, 5, M, W9);
	ADD(p, 1, 1, 5, M, W10);
	ADD(p, 1, 1, 30, M, W20, G);
	ADD(p, 1, 1, 15, B);
	ADD(p, 1, 1, 3, M, T); /* 0.75 %: under the default threshold */
	ADD(p, 1, 1, 2, M, GC);
	profile__set_meta(p, &meta);
	return p;
}

#define LINES_TOTAL 400

static void test_lines(void)
{
	struct profile *p = fixture_lines();
	struct output_opts o = {.lines_threshold = OUTPUT_LINES_THRESHOLD};
	char *out;
	size_t len;

	CHECK_INT(profile__total(p), LINES_TOTAL);
	out = render(p, OUT_LINES, &o, &len);
	golden("lines.lines", out, len);
	/* Sorted by samples: <module> (385), work (380), gone (30), _load
	 * (15); tiny under 1 %, <GC> not source. */
	CHECK(strstr(out, "Function: <module> at line 1\nSamples: 385 (96.2% of all)\n") != NULL);
	CHECK(strstr(out, "Function: work at line 4\n") > strstr(out, "Function: <module>"));
	CHECK(strstr(out, "Function: gone at line 1\n") > strstr(out, "Function: work"));
	CHECK(strstr(out, "Function: _load at line 650\n") > strstr(out, "Function: gone"));
	CHECK(strstr(out, "tiny") == NULL && strstr(out, "GC") == NULL);
	/* The hot line: its samples, shares of all and of work, its text. */
	CHECK(strstr(out, "\n     7       300     75.0    78.9          total += i * i  # hot\n") !=
	      NULL);
	CHECK(strstr(out, "\n     4                             def work(n):\n") != NULL);
	CHECK(strstr(out, "\n     8        40     10.0    10.5  \ttotal -= 1  # a tab\n") != NULL);
	/* Invalid UTF-8 as U+FFFD, a control character as '?'. */
	CHECK(strstr(out, "    s = 'caf\xef\xbf\xbd'\n") != NULL);
	CHECK(strstr(out, "    t = '\xe9\x96\xa2\xe6\x95\xb0 ?'\n") != NULL);
	/* 11 to 19 unsampled: folded; the file's name and its path. */
	CHECK(strstr(out, "    10         5      1.2     1.3      t = ") != NULL);
	CHECK(strstr(out, "   ...\n    20        30      7.5     7.9      total += 20\n") != NULL);
	CHECK(strstr(out, "File: lines_src.py (tests/unit/fixtures/lines_src.py)\n") != NULL);
	/* No source: the sampled lines alone, and why. */
	CHECK(strstr(out, "Source: not available (No such file or directory)\n\n"
			  "  Line   Samples  % total  % func  Source\n"
			  "     3        30      7.5   100.0\n") != NULL);
	CHECK(strstr(out, "Source: not available (not a file)\n") != NULL);
	free(out);

	/* Threshold 0: every function of Python code, tiny too. */
	o.lines_threshold = 0;
	out = render(p, OUT_LINES, &o, &len);
	CHECK(strstr(out, "Function: tiny at line 1\nSamples: 3 (0.8% of all)\n") != NULL);
	CHECK(strstr(out,
		     "     1                             import sys\n     2         3      0.8  "
		     " 100.0  \n") != NULL);
	free(out);
	/* Above every function: says so. */
	o.lines_threshold = 100;
	out = render(p, OUT_LINES, &o, &len);
	CHECK(strstr(out, "No function has that many samples.") != NULL);
	free(out);
	profile__free(p);

	p = profile__new();
	out = render(p, OUT_LINES, &o, &len);
	CHECK(strstr(out, "pyhawk — 0 samples\n") == out);
	free(out);
	profile__free(p);
}

static void test_errors(void)
{
	struct profile *p = fixture_elided();
	FILE *ro = fopen("/dev/null", "r");

	CHECK_INT(output__write(p, 6, NULL, stdout), -EINVAL);
	CHECK_INT(output__write(p, -1, NULL, stdout), -EINVAL);
	if (ro) {
		/* A stream that refuses writes: an error, not a silent 0. */
		for (int i = 0; i < 6; i++)
			CHECK(output__write(p, i, NULL, ro) < 0);
		fclose(ro);
	}
	profile__free(p);
}

/* Numbers stay C-formatted when the caller runs in a comma locale. */
static void test_locale(void)
{
	struct profile *p = fixture_threads();
	struct output_opts o = { .threads = true };
	char *before[2], *after[2];

	before[0] = render(p, OUT_SPEEDSCOPE, &o, NULL);
	before[1] = render(p, OUT_FLAMEGRAPH, &o, NULL);
	/* run-outputs.sh builds de_DE with localedef and sets LOCPATH. */
	if (setlocale(LC_NUMERIC, "de_DE.UTF-8") || setlocale(LC_NUMERIC, "fr_FR.UTF-8")) {
		char num[16];

		snprintf(num, sizeof(num), "%.1f", 2.5);
		CHECK_STR(num, "2,5"); /* the locale is really in force */
	} else {
		fprintf(stderr, "  locale: no comma locale installed, checked C only\n");
	}
	after[0] = render(p, OUT_SPEEDSCOPE, &o, NULL);
	after[1] = render(p, OUT_FLAMEGRAPH, &o, NULL);
	setlocale(LC_NUMERIC, "C");
	for (int i = 0; i < 2; i++) {
		CHECK(before[i] && after[i] && strcmp(before[i], after[i]) == 0);
		free(before[i]);
		free(after[i]);
	}
	profile__free(p);
}

/* ---- big profiles: size and time --------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

/*
 * nframes distinct frames in a random call tree: each frame is called from
 * one of the 40 frames made before it, or, once stacks are 30 to 90 deep
 * like a busy Python program's, from one of the first 200. One stack per
 * frame ends there, with skewed counts: a few hot paths, a long tail.
 */
static struct profile *fixture_big(uint32_t nframes)
{
	struct profile *p = profile__new();
	struct profile_meta meta = { .command = "python3 big.py", .rate_hz = 1000, .duration_s = 60 };
	uint32_t *parent = malloc(nframes * sizeof(*parent)), *stack = malloc(4096 * sizeof(*stack));
	uint32_t *depth = malloc(nframes * sizeof(*depth));
	char name[64], file[64];

	int ok = 1;

	for (uint32_t i = 0; i < nframes; i++) {
		snprintf(name, sizeof(name), "func_%u", i);
		snprintf(file, sizeof(file), "pkg/mod_%u.py", i / 25);
		ok &= profile__frame_id(p, name, file, 1 + i % 400, PF_PYTHON) == i;
		parent[i] = i == 0 ? UINT32_MAX : i - 1 - rnd() % (i < 40 ? i : 40);
		if (i && depth[parent[i]] >= 30 + rnd() % 60)
			parent[i] = rnd() % (i < 200 ? i : 200);
		depth[i] = i ? depth[parent[i]] + 1 : 1;
	}
	for (uint32_t i = 0; i < nframes; i++) {
		uint32_t n = 0, tid = 1 + i % 4;

		for (uint32_t f = i; f != UINT32_MAX && n < 4096; f = parent[f])
			stack[n++] = f;
		for (uint32_t a = 0; a < n / 2; a++) {
			uint32_t t = stack[a];

			stack[a] = stack[n - 1 - a];
			stack[n - 1 - a] = t;
		}
		ok &= profile__add(p, 1000, 1000 + tid, stack, n, 1 + (rnd() % 1000 == 0 ? 5000 : rnd() % 20)) == 0;
	}
	CHECK(ok);
	profile__set_meta(p, &meta);
	free(parent);
	free(depth);
	free(stack);
	return p;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* --big N PATH: writes the flame graph of fixture_big(N) to PATH and prints
 * its size and how long profile__view + writing took. */
static int big(uint32_t nframes, const char *path)
{
	struct profile *p = fixture_big(nframes);
	struct output_opts o = { .threads = true };
	const char *names[] = { "flamegraph", "speedscope", "raw", "pprof", "pstats", "lines" };
	FILE *f;
	double t0;

	for (int fmt = 0; fmt < 6; fmt++) {
		char *buf = NULL;
		size_t len = 0;

		t0 = now();
		f = open_memstream(&buf, &len);
		CHECK_INT(output__write(p, fmt, &o, f), 0);
		fclose(f);
		printf("%u distinct frames, %" PRIu64 " samples: %s %zu bytes in %.3f s", nframes,
		       profile__total(p), names[fmt], len, now() - t0);
		if (fmt == OUT_FLAMEGRAPH) {
			const char *a = strstr(buf, "data-frames=\""), *e = strstr(buf, "data-elided=\"");

			printf(" (%ld frames drawn, %ld merged or left out)", a ? strtol(a + 13, NULL, 10) : -1,
			       e ? strtol(e + 13, NULL, 10) : -1);
		}
		putchar('\n');
		if (fmt == OUT_FLAMEGRAPH && path)
			CHECK_INT(spit(path, buf, len), 0);
		free(buf);
	}
	profile__free(p);
	return check_report("output --big");
}

int main(int argc, char **argv)
{
	/* Paths are relative to the top of the tree, where the runners start. */
	if (getenv("PYHAWK_GOLDEN_DIR"))
		golden_dir = getenv("PYHAWK_GOLDEN_DIR");
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--regen") == 0)
			regen = 1;
		else if (strcmp(argv[i], "--golden") == 0 && i + 1 < argc)
			golden_dir = argv[++i];
		else if (strcmp(argv[i], "--big") == 0 && i + 1 < argc)
			return big((uint32_t)strtoul(argv[i + 1], NULL, 10), i + 2 < argc ? argv[i + 2] : NULL);
		else {
			fprintf(stderr, "usage: %s [--regen] [--golden DIR] | --big N [OUT.svg]\n", argv[0]);
			return 2;
		}
	}
	test_formats();
	test_profile();
	test_utf8();
	test_growth();
	test_views();
	test_threads_outputs();
	test_processes_outputs();
	test_elided();
	test_huge_counts();
	test_diff();
	test_empty();
	test_no_frames();
	test_pprof_threads();
	test_pprof_processes();
	test_pprof_lines();
	test_pprof_empty();
	test_pprof_saturates();
	test_pstats();
	test_lines();
	test_errors();
	test_locale();
	if (regen)
		fprintf(stderr, "golden files rewritten in %s\n", golden_dir);
	return check_report("output");
}
