/* test_pymarshal.c: the marshal writer, byte for byte, and read back by Python's own marshal. */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "childio.h"
#include "pymarshal.h"

static char *written(void (*fn)(FILE *f), size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f)
		return NULL;
	fn(f);
	fclose(f);
	return buf;
}

#define BYTES(fn, want)                                                                            \
	do {                                                                                       \
		size_t len_ = 0;                                                                   \
		char *got_ = written(fn, &len_);                                                   \
		CHECK(got_ &&len_ == sizeof(want) - 1 && memcmp(got_, want, len_) == 0);           \
		free(got_);                                                                        \
	} while (0)

static void w_one(FILE *f)
{
	pymarshal__int(f, 1);
}

static void w_neg(FILE *f)
{
	pymarshal__int(f, -2);
}

static void w_2p31(FILE *f)
{
	pymarshal__int(f, (int64_t)1 << 31);
}

static void w_neg_long(FILE *f)
{
	pymarshal__int(f, -((int64_t)1 << 31) - 1);
}

static void w_float(FILE *f)
{
	pymarshal__float(f, 1.5);
}

static void w_str(FILE *f)
{
	pymarshal__str(f, "\xc3\xa9"); /* é */
}

static void w_tuple(FILE *f)
{
	pymarshal__tuple(f, 1);
	pymarshal__int(f, 1);
}

static void w_empty_dict(FILE *f)
{
	pymarshal__dict_begin(f);
	pymarshal__dict_end(f);
}

/* The encodings, worked out from Python/marshal.c's reader (and equal to
 * what marshal.dumps(value, 2) gives). */
static void test_bytes(void)
{
	BYTES(w_one, "i\x01\x00\x00\x00");
	BYTES(w_neg, "i\xfe\xff\xff\xff");
	/* 2**31 = 2 * 2**30: digits 0, 0, 2 (15 bits each). */
	BYTES(w_2p31, "l\x03\x00\x00\x00\x00\x00\x00\x00\x02\x00");
	/* -(2**31 + 1): -3 digits 1, 0, 2. */
	BYTES(w_neg_long, "l\xfd\xff\xff\xff\x01\x00\x00\x00\x02\x00");
	BYTES(w_float, "g\x00\x00\x00\x00\x00\x00\xf8\x3f");
	BYTES(w_str, "u\x02\x00\x00\x00\xc3\xa9");
	BYTES(w_tuple, "(\x01\x00\x00\x00i\x01\x00\x00\x00");
	BYTES(w_empty_dict, "{0");
}

/* A pstats-shaped value with every edge of every type. */
static void w_sample(FILE *f)
{
	static const int64_t ints[] = {0,
				       -1,
				       INT32_MAX,
				       INT32_MIN,
				       (int64_t)INT32_MAX + 1,
				       (int64_t)INT32_MIN - 1,
				       (int64_t)1 << 45,
				       INT64_MAX,
				       INT64_MIN + 1,
				       INT64_MIN};

	pymarshal__dict_begin(f);
	pymarshal__tuple(f, 3);
	pymarshal__str(f, "app/m\xc3\xb3"
			  "dulo.py");
	pymarshal__int(f, 12);
	pymarshal__str(f, "Worker.\xe9\x96\xa2\xe6\x95\xb0 \xf0\x9f\x94\xa5"); /* 関数, an emoji */
	pymarshal__tuple(f, 5);
	pymarshal__int(f, 3);
	pymarshal__int(f, 4);
	pymarshal__float(f, 0.1);
	pymarshal__float(f, 2.5e-3);
	pymarshal__dict_begin(f);
	pymarshal__tuple(f, 3);
	pymarshal__str(f, "~");
	pymarshal__int(f, 0);
	pymarshal__str(f, "<GC>");
	pymarshal__tuple(f, 4);
	pymarshal__int(f, 1);
	pymarshal__int(f, 1);
	pymarshal__float(f, 0.0);
	pymarshal__float(f, 1e300);
	pymarshal__dict_end(f);

	pymarshal__str(f, "");
	pymarshal__tuple(f, sizeof(ints) / sizeof(ints[0]));
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
		pymarshal__int(f, ints[i]);
	pymarshal__str(f, "floats");
	pymarshal__tuple(f, 4);
	pymarshal__float(f, -0.0);
	pymarshal__float(f, INFINITY);
	pymarshal__float(f, -1.0 / 3);
	pymarshal__float(f, 5e-324);
	pymarshal__tuple(f, 0);
	pymarshal__dict_begin(f);
	pymarshal__dict_end(f);
	pymarshal__dict_end(f);
}

static const char sample_repr[] =
    "{('app/módulo.py', 12, 'Worker.関数 🔥'): (3, 4, 0.1, 0.0025, "
    "{('~', 0, '<GC>'): (1, 1, 0.0, 1e+300)}), "
    "'': (0, -1, 2147483647, -2147483648, 2147483648, -2147483649, 35184372088832, "
    "9223372036854775807, -9223372036854775807, -9223372036854775808), "
    "'floats': (-0.0, inf, -0.3333333333333333, 5e-324), (): {}}";

/* Python's marshal reads it as the value above, and writes the same bytes
 * back with version 2: so this writer is marshal's own encoding. */
static const char reader[] =
    "import marshal, sys\n"
    "data = open(sys.argv[1], 'rb').read()\n"
    "value = marshal.loads(data)\n"
    "print('same bytes' if marshal.dumps(value, 2) == data else 'other bytes', flush=True)\n"
    "sys.stdout.buffer.write(repr(value).encode('utf-8') + b'\\n')\n";

static void test_read_by_python(void)
{
	const char *python = getenv("PYTHON") ? getenv("PYTHON") : "/usr/bin/python3";
	char path[] = "/tmp/pyhawk-marshal-XXXXXX", line[4096];
	char *argv[] = {(char *)python, "-c", (char *)reader, path, NULL};
	int fd = mkstemp(path), out = -1, status = 0;
	FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
	pid_t pid;

	CHECK(f != NULL);
	if (!f)
		return;
	w_sample(f);
	CHECK(!ferror(f));
	fclose(f);
	pid = child_spawn(python, argv, &out);
	CHECK(pid > 0);
	if (pid > 0) {
		CHECK(child_read_line(out, line, sizeof(line)) > 0);
		CHECK_STR(line, "same bytes");
		CHECK(child_read_line(out, line, sizeof(line)) > 0);
		CHECK_STR(line, sample_repr);
		close(out);
		waitpid(pid, &status, 0);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	unlink(path);
}

int main(void)
{
	test_bytes();
	test_read_by_python();
	return check_report("pymarshal");
}
