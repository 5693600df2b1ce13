/* test_rawread.c: collapsed stacks read back: pyhawk's own raw goldens round-trip byte for byte,
 * labels become the frames that wrote them, and every malformed or oversized input is an error
 * naming its line. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "output.h"
#include "rawread.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0;

	if (!f)
		return NULL;
	buf = malloc(1 << 20);
	if (buf)
		n = fread(buf, 1, (1 << 20) - 1, f);
	fclose(f);
	if (buf)
		buf[n] = '\0';
	*len = n;
	return buf;
}

static char *render_raw(const struct profile *p)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	if (!f)
		return NULL;
	CHECK_INT(output__write(p, OUT_RAW, NULL, f), 0);
	fclose(f);
	return buf;
}

/* Read and written again: the same bytes. */
static void test_goldens(void)
{
	static const char *const names[] = {"threads.txt", "threads-merged.txt", "processes.txt"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char path[256], *text, *again;
		struct profile *p = profile__new();
		struct rawread_error e;
		size_t len = 0;

		snprintf(path, sizeof(path), "tests/golden/%s", names[i]);
		text = slurp(path, &len);
		CHECK(text != NULL && len > 0);
		CHECK_INT(rawread__file(p, path, &e), 0);
		again = render_raw(p);
		CHECK(text && again && strcmp(text, again) == 0);
		CHECK_INT(profile__npids(p), 1);
		free(text);
		free(again);
		profile__free(p);
	}
}

static const struct profile_frame *only_frame(struct profile *p, const char *text)
{
	struct rawread_error e;

	CHECK_INT(rawread__parse(p, text, strlen(text), &e), 0);
	return profile__frame(p, 0);
}

/* Each label becomes the frame whose label it is. */
static void test_labels(void)
{
	static const struct {
		const char *line, *name, *file;
		int line_no, kind;
	} cases[] = {
	    {"compute (lib/calc.py:40) 3", "compute", "lib/calc.py", 40, PF_PYTHON},
	    {"関数 (ユーティリティ.py) 3", "関数", "ユーティリティ.py", 0, PF_PYTHON},
	    {"f (/srv/my app (v2)/m.py:7) 1", "f", "/srv/my app (v2)/m.py", 7, PF_PYTHON},
	    {"it's <b> (w.py:9) 1", "it's <b>", "w.py", 9, PF_PYTHON},
	    {"f (C:\\x.py:12) 1", "f", "C:\\x.py", 12, PF_PYTHON},
	    /* Numbers the writers would not print stay part of the file. */
	    {"f (a.py:007) 1", "f", "a.py:007", 0, PF_PYTHON},
	    {"f (a.py:0) 1", "f", "a.py:0", 0, PF_PYTHON},
	    {"f (:5) 1", "f", ":5", 0, PF_PYTHON},
	    {"f (a.py:1234567890) 1", "f", "a.py:1234567890", 0, PF_PYTHON},
	    {"f () 1", "f ()", NULL, 0, PF_OTHER},
	    {"f (a.py:3)x 1", "f (a.py:3)x", NULL, 0, PF_OTHER},
	    {"<GC> 1", "<GC>", NULL, 0, PF_OTHER},
	    {"[idle: I/O] 1", "[idle: I/O]", NULL, 0, PF_OTHER},
	    {"[no Python frames] 1", "[no Python frames]", NULL, 0, PF_OTHER},
	    {"[truncated] 1", "[truncated]", NULL, 0, PF_TRUNCATED},
	    {"[partial] 1", "[partial]", NULL, 0, PF_TRUNCATED},
	    {"thread (4243): worker-1 (x) 1", "thread (4243): worker-1 (x)", NULL, 0, PF_THREAD},
	    {"thread (7) 1", "thread (7)", NULL, 0, PF_THREAD},
	    {"thread (x.py:3) 1", "thread", "x.py", 3, PF_PYTHON},
	    {"process 100: python3 -c 'import job, job.run()' 1",
	     "process 100: python3 -c 'import job, job.run()'", NULL, 0, PF_PROCESS},
	    {"process 12 1", "process 12", NULL, 0, PF_PROCESS},
	    {"process x 1", "process x", NULL, 0, PF_OTHER},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct profile *p = profile__new();
		const struct profile_frame *f = only_frame(p, cases[i].line);
		char label[256];

		CHECK(f != NULL);
		if (!f) {
			profile__free(p);
			continue;
		}
		CHECK_STR(f->name, cases[i].name);
		if (cases[i].file)
			CHECK_STR(f->file, cases[i].file);
		else
			CHECK(f->file == NULL);
		CHECK_INT(f->line, cases[i].line_no);
		CHECK_INT(f->kind, cases[i].kind);
		/* The label is the text read. */
		profile__frame_label(f, label, sizeof(label));
		CHECK(strncmp(label, cases[i].line, strlen(label)) == 0 &&
		      cases[i].line[strlen(label)] == ' ');
		profile__free(p);
	}
}

/* What the format allows besides pyhawk's own layout. */
static void test_lenient(void)
{
	const char text[] = "a;b 3\r\n\n   \nb;c 0\r\n\ta b;c d 2\na;b 4";
	struct profile *p = profile__new();
	struct rawread_error e;
	char *out;

	CHECK_INT(rawread__parse(p, text, sizeof(text) - 1, &e), 0);
	CHECK_INT(profile__total(p), 9);
	out = render_raw(p);
	/* Spaces inside labels stay, and a leading tab (the raw writer writes
	 * it '?', like every control); count 0 adds nothing; stacks seen
	 * twice add up. */
	CHECK_STR(out, "?a b;c d 2\na;b 7\n");
	free(out);
	CHECK_INT(rawread__parse(p, "", 0, &e), 0);
	CHECK_INT(profile__total(p), 9);
	profile__free(p);
}

/* Every error names the line and says what is wrong, in one line. */
static void test_errors(void)
{
	static const struct {
		const char *text;
		int ret;
		size_t line;
		const char *says;
	} cases[] = {
	    {"a;b 1\nno count here\n", -EINVAL, 2, "sample count 'here' is not a whole number"},
	    {"a;b\n", -EINVAL, 1, "no sample count (expected 'frame;...;frame COUNT')"},
	    {"a;b 1\n\na;b \n", -EINVAL, 3, "no sample count at the end of the line"},
	    {"a;b 1.5\n", -EINVAL, 1, "sample count '1.5' is not a whole number"},
	    {"a;b -1\n", -EINVAL, 1, "sample count '-1' is not a whole number"},
	    {"a;b +1\n", -EINVAL, 1, "sample count '+1' is not a whole number"},
	    {"a;b 0x10\n", -EINVAL, 1, "not a whole number"},
	    {" 5\n", -EINVAL, 1, "no frames before the sample count"},
	    {"a;;b 5\n", -EINVAL, 1, "frame 2 is empty"},
	    {";a 5\n", -EINVAL, 1, "frame 1 is empty"},
	    {"a;b; 5\n", -EINVAL, 1, "frame 3 is empty"},
	    {"a 1\nb 18446744073709551616\n", -E2BIG, 2,
	     "sample count '18446744073709551616' is too large"},
	    {"a 18446744073709551615\nb 1\n", -E2BIG, 2, "add up to more than 2^64 - 1"},
	    {"a 1\r\nb\r\n", -EINVAL, 2, "no sample count"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct profile *p = profile__new();
		struct rawread_error e;
		int ret = rawread__parse(p, cases[i].text, strlen(cases[i].text), &e);

		CHECK_INT(ret, cases[i].ret);
		CHECK_INT(e.line, cases[i].line);
		if (!strstr(e.msg, cases[i].says))
			fprintf(stderr, "  case %zu: '%s' lacks '%s'\n", i, e.msg, cases[i].says);
		CHECK(strstr(e.msg, cases[i].says) != NULL);
		CHECK(strchr(e.msg, '\n') == NULL);
		profile__free(p);
	}
}

/* Past each limit: refused, never cut. */
static void test_limits(void)
{
	size_t big = (size_t)RAWREAD_MAX_LINE + 16, n = 0;
	char *text = malloc(big + 1);
	struct profile *p = profile__new();
	struct rawread_error e;

	CHECK(text != NULL);
	if (!text)
		return;
	/* RAWREAD_MAX_FRAMES frames: fine; one more: too deep. */
	for (uint32_t i = 0; i < RAWREAD_MAX_FRAMES; i++)
		n += (size_t)sprintf(text + n, "%sf", i ? ";" : "");
	n += (size_t)sprintf(text + n, " 1\n");
	CHECK_INT(rawread__parse(p, text, n, &e), 0);
	n -= 3;
	n += (size_t)sprintf(text + n, ";f 1\n");
	CHECK_INT(rawread__parse(p, text, n, &e), -E2BIG);
	CHECK(strstr(e.msg, "a stack of more than 16384 frames") != NULL);
	/* A label of RAWREAD_MAX_LABEL bytes: fine; one more: too long. */
	memset(text, 'x', RAWREAD_MAX_LABEL + 1);
	strcpy(text + RAWREAD_MAX_LABEL, " 1\n");
	CHECK_INT(rawread__parse(p, text, strlen(text), &e), 0);
	memset(text, 'x', RAWREAD_MAX_LABEL + 1);
	strcpy(text + RAWREAD_MAX_LABEL + 1, " 1\n");
	CHECK_INT(rawread__parse(p, text, strlen(text), &e), -E2BIG);
	CHECK(strstr(e.msg, "frame 1 is longer than 65536 bytes") != NULL);
	/* A line past RAWREAD_MAX_LINE, on line 2. */
	memset(text, 'a', big);
	memcpy(text, "a 1\n", 4);
	CHECK_INT(rawread__parse(p, text, big, &e), -E2BIG);
	CHECK_INT(e.line, 2);
	CHECK(strstr(e.msg, "a line longer than 16 MiB") != NULL);
	/* A NUL byte is not text. */
	CHECK_INT(rawread__parse(p, "a\0b 1\n", 6, &e), -EINVAL);
	CHECK(strstr(e.msg, "NUL") != NULL);
	free(text);
	profile__free(p);
}

static void test_files(void)
{
	struct profile *p = profile__new();
	struct rawread_error e;

	CHECK_INT(rawread__file(p, "tests/golden/no-such-file.txt", &e), -ENOENT);
	CHECK_STR(e.msg, "cannot read it: No such file or directory");
	CHECK_INT(e.line, 0);
	CHECK_INT(rawread__file(p, "tests/golden", &e), -EISDIR);
	CHECK_STR(e.msg, "cannot read it: Is a directory");
	/* Not collapsed stacks: the first line says so. */
	CHECK_INT(rawread__file(p, "tests/golden/threads.svg", &e), -EINVAL);
	CHECK_INT(e.line, 1);
	CHECK_INT(profile__total(p), 0);
	profile__free(p);
}

int main(void)
{
	test_goldens();
	test_labels();
	test_lenient();
	test_errors();
	test_limits();
	test_files();
	return check_report("rawread");
}
