/* test_pyrepr.c: repr() of str, bytes, float and int against Python's own, fixed cases and cuts. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "childio.h"
#include "pyrepr.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define OUT	   160 /* as struct pylocal's value */
#define RANDOM	   3000

/* The oracle: Python reads one request a line and prints repr() of it. */
static const char oracle_src[] =
    "import struct, sys\n"
    "for line in sys.stdin:\n"
    "    k, _, a = line.rstrip('\\n').partition(' ')\n"
    "    if k == 'f':\n"
    "        v = repr(struct.unpack('<d', bytes.fromhex(a))[0])\n"
    "    elif k == 'i':\n"
    "        v = str(int(a, 16))\n"
    "    elif k == 's':\n"
    "        v = repr(''.join(chr(int(c, 16)) for c in a.split(',') if c))\n"
    "    else:\n"
    "        v = repr(bytes.fromhex(a))\n"
    "    sys.stdout.buffer.write(v.encode('utf-8', 'surrogatepass').hex().encode() + b'\\n')\n";

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Code points of every class the repr treats apart. */
static uint32_t random_char(void)
{
	static const uint32_t ranges[][2] = {
	    {0x20, 0x7e},     {0x0, 0x1f},	  {0x7f, 0xff},	      {0x391, 0x3a1},
	    {0x4e00, 0x4e80}, {0x1f600, 0x1f64f}, {0xd800, 0xdfff},   {0x2000, 0x200f},
	    {0x2028, 0x202f}, {0xe000, 0xe0ff},	  {0xfeff, 0xfeff},   {0x27, 0x27},
	    {0x22, 0x22},     {0x5c, 0x5c},	  {0xe0020, 0xe007f}, {0xf0000, 0xf00ff},
	};
	size_t r = next() % N_ELEMS(ranges);

	return ranges[r][0] + (uint32_t)(next() % (ranges[r][1] - ranges[r][0] + 1));
}

struct req {
	char kind;
	char mine[OUT];
	int ret;
};

static struct req reqs[4 * RANDOM];

/* Random floats, ints, strs and bytes: ours must equal Python's, or, for
 * a value cut to fit, be the start of Python's followed by "...". */
static void test_against_python(void)
{
	char reqpath[] = "/tmp/pyrepr-req-XXXXXX", cmd[256], line[8192], want[4096];
	int fd = mkstemp(reqpath), n = 0, matched = 0, cut = 0;
	FILE *f, *p;

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	f = fdopen(fd, "w");
	for (int i = 0; i < RANDOM; i++) {
		uint64_t bits = next();
		double d;
		uint32_t chars[300], digits[20];
		uint8_t bytes[300];
		size_t len = next() % (i % 10 ? 20 : 300);
		unsigned int nd = (unsigned int)(next() % 21), shift = i % 2 ? 30 : 15;
		bool neg = next() & 1;

		/* Floats: random bit patterns, and short decimals. */
		if (i % 2)
			memcpy(&d, &bits, sizeof(d));
		else
			d = (double)(int64_t)(bits % 2000001 - 1000000) /
			    pow(10, (double)(next() % 12));
		memcpy(&bits, &d, sizeof(bits));
		fprintf(f, "f ");
		for (int b = 0; b < 8; b++)
			fprintf(f, "%02x", (unsigned int)(bits >> (8 * b) & 0xff));
		fprintf(f, "\n");
		reqs[n].kind = 'f';
		reqs[n].ret = pyrepr__float(d, reqs[n].mine, OUT);
		n++;

		/* Ints of up to 20 digits of 15 or 30 bits. */
		for (unsigned int k = 0; k < nd; k++)
			digits[k] = (uint32_t)(next() & ((1u << shift) - 1));
		fprintf(f, "i %s0x0", neg ? "-" : "");
		{
			/* The magnitude in hex, 4 bits at a time. */
			unsigned int bitsn = nd * shift, nib = (bitsn + 3) / 4;

			for (unsigned int q = nib; q-- > 0;) {
				unsigned int v = 0;

				for (unsigned int b = 0; b < 4; b++) {
					unsigned int bit = q * 4 + b;

					if (bit < bitsn &&
					    (digits[bit / shift] >> (bit % shift) & 1))
						v |= 1u << b;
				}
				fprintf(f, "%x", v);
			}
		}
		fprintf(f, "\n");
		reqs[n].kind = 'i';
		reqs[n].ret = pyrepr__int(neg, digits, nd, shift, reqs[n].mine, OUT);
		n++;

		/* strs and bytes, some longer than fits. */
		fprintf(f, "s ");
		for (size_t k = 0; k < len; k++) {
			chars[k] = random_char();
			fprintf(f, "%x,", chars[k]);
		}
		fprintf(f, "\n");
		reqs[n].kind = 's';
		reqs[n].ret = pyrepr__str(chars, len, false, reqs[n].mine, OUT);
		n++;
		fprintf(f, "b ");
		for (size_t k = 0; k < len; k++) {
			bytes[k] = k % 3 ? (uint8_t)next() : (uint8_t) " '\"\\az"[next() % 6];
			fprintf(f, "%02x", bytes[k]);
		}
		fprintf(f, "\n");
		reqs[n].kind = 'b';
		reqs[n].ret = pyrepr__bytes(bytes, len, false, reqs[n].mine, OUT);
		n++;
	}
	fclose(f);
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 -c \"$PYREPR_ORACLE\" < %s", reqpath);
	setenv("PYREPR_ORACLE", oracle_src, 1);
	p = popen(cmd, "r");
	CHECK(p != NULL);
	for (int i = 0; p && i < n && fgets(line, sizeof(line), p); i++) {
		struct req *r = &reqs[i];
		size_t ml = strlen(r->mine), cl = strlen(PYREPR_CUT);
		bool ok;

		line[strcspn(line, "\n")] = '\0';
		if (!child_unhex(line, want, sizeof(want))) {
			CHECK(!"oracle line");
			break;
		}
		if (r->kind == 'i' && strlen(want) >= OUT) {
			/* Does not fit: refused, never cut. */
			ok = r->ret == -ERANGE;
		} else if (ml >= cl && !strcmp(r->mine + ml - cl, PYREPR_CUT) &&
			   strcmp(r->mine, want)) {
			/* Cut: a prefix of Python's, and only when it had to. */
			ok = strlen(want) > OUT - 1 && !strncmp(r->mine, want, ml - cl) &&
			     ml > OUT - 1 - 14 && r->ret == (int)ml;
			cut += ok;
		} else {
			ok = !strcmp(r->mine, want) && r->ret == (int)ml;
		}
		if (!ok)
			fprintf(stderr, "%c: got \"%s\" (%d), python \"%s\"\n", r->kind, r->mine,
				r->ret, want);
		matched += ok;
	}
	CHECK(p && pclose(p) == 0);
	unlink(reqpath);
	CHECK_INT(matched, n);
	CHECK(cut > 0);
	printf("  %d of %d random values as Python writes them (%d cut to fit)\n", matched, n, cut);
}

static void test_fixed(void)
{
	static const struct {
		double v;
		const char *want;
	} floats[] = {
	    {2.5, "2.5"},
	    {100.0, "100.0"},
	    {-0.0, "-0.0"},
	    {0.0, "0.0"},
	    {1e16, "1e+16"},
	    {1e15, "1000000000000000.0"},
	    {1e-5, "1e-05"},
	    {0.0001, "0.0001"},
	    {0.1, "0.1"},
	    {1.0 / 3, "0.3333333333333333"},
	    {-1.5e300, "-1.5e+300"},
	    {5e-324, "5e-324"},
	    {INFINITY, "inf"},
	    {-INFINITY, "-inf"},
	    {NAN, "nan"},
	};
	uint32_t big[3] = {0, 0, 1}, zero[1] = {0}, one[1] = {1};
	uint32_t s[] = {'a', 0x27, 'b'}, s2[] = {0x27, 0x22},
		 s3[] = {0xe9, 0x3b2, 0x1f600, 0x0, 0x85, 0xd800};
	uint8_t b[] = {0x00, 'a', 0x27, 0xff, '\n'};
	uint32_t longs[200];
	char out[OUT];

	for (size_t i = 0; i < N_ELEMS(floats); i++) {
		pyrepr__float(floats[i].v, out, sizeof(out));
		CHECK_STR(out, floats[i].want);
	}
	CHECK_INT(pyrepr__int(false, big, 3, 30, out, sizeof(out)), 19);
	CHECK_STR(out, "1152921504606846976"); /* 2**60 */
	CHECK_INT(pyrepr__int(true, big, 3, 30, out, sizeof(out)), 20);
	CHECK_STR(out, "-1152921504606846976");
	pyrepr__int(false, zero, 0, 30, out, sizeof(out));
	CHECK_STR(out, "0");
	pyrepr__int(true, one, 1, 15, out, sizeof(out));
	CHECK_STR(out, "-1");
	CHECK_INT(pyrepr__int(false, big, 3, 30, out, 10), -ERANGE);
	CHECK_INT(pyrepr__int(false, big, 3, 0, out, sizeof(out)), -EINVAL);

	pyrepr__str(s, 3, false, out, sizeof(out));
	CHECK_STR(out, "\"a'b\"");
	pyrepr__str(s2, 2, false, out, sizeof(out));
	CHECK_STR(out, "'\\'\"'");
	pyrepr__str(s3, N_ELEMS(s3), false, out, sizeof(out));
	CHECK_STR(out, "'\xc3\xa9\xce\xb2\xf0\x9f\x98\x80\\x00\\x85\\ud800'");
	pyrepr__str(NULL, 0, false, out, sizeof(out));
	CHECK_STR(out, "''");
	/* A str known to be longer than what was read is cut even when what
	 * was read fits. */
	pyrepr__str(s, 1, true, out, sizeof(out));
	CHECK_STR(out, "'a...");
	/* Cut on an escape's boundary, never inside it. */
	for (size_t i = 0; i < N_ELEMS(longs); i++)
		longs[i] = 0x1f;
	CHECK_INT(pyrepr__str(longs, 200, false, out, 16), 12);
	CHECK_STR(out, "'\\x1f\\x1f...");
	pyrepr__bytes(b, sizeof(b), false, out, sizeof(out));
	CHECK_STR(out, "b\"\\x00a'\\xff\\n\"");
	pyrepr__bytes(b, 2, true, out, sizeof(out));
	CHECK_STR(out, "b'\\x00a...");
	CHECK_INT(pyrepr__str(s, 3, false, out, 4), -EINVAL);
	CHECK_INT(pyrepr__float(1.0, out, 4), -EINVAL);
}

int main(void)
{
	test_fixed();
	test_against_python();
	return check_report("pyrepr");
}
