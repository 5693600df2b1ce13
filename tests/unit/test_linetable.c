/* test_linetable.c: line-table decoders against real interpreters, edge cases and random bytes. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "linetable.h"
#include "linetable_fixtures.h"
#include "pystr.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

#define V38 0x030812f0u
#define V39 0x030912f0u
#define V310 0x030a0df0u
#define V311 0x030b07f0u
#define V312 0x030c01f0u
#define V313 0x030d00f0u
#define V314 0x030e0af0u
#define V315 0x030f02f0u

/* Every position of every fixture must give the interpreter's own line;
 * report the first few misses per code object rather than thousands. */
static void test_fixtures(void)
{
	size_t f, i, per_format[3] = { 0 };

	for (f = 0; f < N_ELEMS(lt_fixtures); f++) {
		const struct lt_fixture *fx = &lt_fixtures[f];
		unsigned int minor = (fx->version_hex >> 16) & 0xff;
		int32_t past_end = (int32_t)fx->nlines * fx->lasti_step;
		int misses = 0;

		per_format[minor <= 9 ? 0 : minor == 10 ? 1 : 2]++;
		for (i = 0; i < fx->nlines; i++) {
			int32_t lasti = (int32_t)i * fx->lasti_step;
			int got = linetable__line(fx->version_hex, fx->tab, fx->tablen,
						  fx->firstlineno, lasti);

			if (got != fx->lines[i] && misses++ < 3)
				fprintf(stderr, "%s: lasti %d: line %d, want %d\n", fx->name,
					lasti, got, fx->lines[i]);
		}
		CHECK_INT(misses, 0);

		/* Before the first instruction: -1 (<= 3.10), -2 (3.11, 3.12). */
		CHECK_INT(linetable__line(fx->version_hex, fx->tab, fx->tablen,
					  fx->firstlineno, -1), fx->firstlineno);
		CHECK_INT(linetable__line(fx->version_hex, fx->tab, fx->tablen,
					  fx->firstlineno, -2), fx->firstlineno);

		/* lnotab does not know where the code ends; the others do. */
		CHECK_INT(linetable__line(fx->version_hex, fx->tab, fx->tablen,
					  fx->firstlineno, past_end),
			  minor <= 9 ? fx->lines[fx->nlines - 1] : -1);
	}
	/* A regeneration that lost a whole format would pass vacuously. */
	CHECK(per_format[0] > 0);
	CHECK(per_format[1] > 0);
	CHECK(per_format[2] > 0);
}

static void test_lnotab(void)
{
	static const uint8_t simple[] = { 6, 1, 4, 2 };
	/* 3.8 splits an address delta > 255 as (255, 0), (rest, line). */
	static const uint8_t far_addr[] = { 255, 0, 45, 1 };
	/* ... and a line delta > 127 as (addr, 127), (0, rest). */
	static const uint8_t far_line[] = { 0, 127, 0, 73, 10, 1 };
	/* Line deltas are signed since 3.6: -128 is a plain delta here. */
	static const uint8_t back[] = { 2, 0x80, 2, 0xb8 };
	static const uint8_t odd[] = { 2, 1, 7 };

	CHECK_INT(linetable__lnotab(NULL, 0, 10, 0), 10);
	CHECK_INT(linetable__lnotab(simple, 0, 10, 8), 10);
	CHECK_INT(linetable__lnotab(NULL, 4, 10, 8), 10);

	CHECK_INT(linetable__lnotab(simple, sizeof(simple), 10, -1), 10);
	CHECK_INT(linetable__lnotab(simple, sizeof(simple), 10, 0), 10);
	CHECK_INT(linetable__lnotab(simple, sizeof(simple), 10, 5), 10);
	CHECK_INT(linetable__lnotab(simple, sizeof(simple), 10, 6), 11);
	CHECK_INT(linetable__lnotab(simple, sizeof(simple), 10, 9), 11);
	CHECK_INT(linetable__lnotab(simple, sizeof(simple), 10, 10), 13);
	CHECK_INT(linetable__lnotab(simple, sizeof(simple), 10, INT_MAX), 13);
	CHECK_INT(linetable__lnotab(simple, sizeof(simple), 10, INT_MIN), 10);

	CHECK_INT(linetable__lnotab(far_addr, sizeof(far_addr), 1, 299), 1);
	CHECK_INT(linetable__lnotab(far_addr, sizeof(far_addr), 1, 300), 2);

	CHECK_INT(linetable__lnotab(far_line, sizeof(far_line), 1, 0), 201);
	CHECK_INT(linetable__lnotab(far_line, sizeof(far_line), 1, 9), 201);
	CHECK_INT(linetable__lnotab(far_line, sizeof(far_line), 1, 10), 202);

	CHECK_INT(linetable__lnotab(back, sizeof(back), 500, 1), 500);
	CHECK_INT(linetable__lnotab(back, sizeof(back), 500, 2), 372);
	CHECK_INT(linetable__lnotab(back, sizeof(back), 500, 4), 300);
	/* A forged table that walks below line 0 has no line. */
	CHECK_INT(linetable__lnotab(back, sizeof(back), 100, 4), -1);

	/* A stray last byte is half a pair: ignored. */
	CHECK_INT(linetable__lnotab(odd, sizeof(odd), 1, 100), 2);
}

static void test_pep626(void)
{
	static const uint8_t simple[] = { 6, 1, 4, 2 };
	/* -128 marks a range without a line; the running line stays. */
	static const uint8_t noline[] = { 2, 0, 4, 0x80, 2, 1 };
	/* Line deltas over 127 come as zero-length pairs first. */
	static const uint8_t far_line[] = { 0, 127, 0, 73, 4, 0 };
	static const uint8_t back[] = { 2, 0, 2, 0x81, 2, 0x81 };
	static const uint8_t odd[] = { 2, 1, 7 };

	CHECK_INT(linetable__pep626(NULL, 0, 10, 0), -1);
	CHECK_INT(linetable__pep626(simple, 0, 10, 0), -1);
	CHECK_INT(linetable__pep626(NULL, 0, 10, -2), 10);

	CHECK_INT(linetable__pep626(simple, sizeof(simple), 10, -1), 10);
	CHECK_INT(linetable__pep626(simple, sizeof(simple), 10, 0), 11);
	CHECK_INT(linetable__pep626(simple, sizeof(simple), 10, 5), 11);
	CHECK_INT(linetable__pep626(simple, sizeof(simple), 10, 6), 13);
	CHECK_INT(linetable__pep626(simple, sizeof(simple), 10, 9), 13);
	CHECK_INT(linetable__pep626(simple, sizeof(simple), 10, 10), -1);
	CHECK_INT(linetable__pep626(simple, sizeof(simple), 10, INT_MAX), -1);

	CHECK_INT(linetable__pep626(noline, sizeof(noline), 7, 1), 7);
	CHECK_INT(linetable__pep626(noline, sizeof(noline), 7, 2), -1);
	CHECK_INT(linetable__pep626(noline, sizeof(noline), 7, 5), -1);
	CHECK_INT(linetable__pep626(noline, sizeof(noline), 7, 6), 8);
	CHECK_INT(linetable__pep626(noline, sizeof(noline), 7, 8), -1);

	CHECK_INT(linetable__pep626(far_line, sizeof(far_line), 1, 0), 201);
	CHECK_INT(linetable__pep626(far_line, sizeof(far_line), 1, 3), 201);
	CHECK_INT(linetable__pep626(far_line, sizeof(far_line), 1, 4), -1);

	CHECK_INT(linetable__pep626(back, sizeof(back), 300, 0), 300);
	CHECK_INT(linetable__pep626(back, sizeof(back), 300, 2), 173);
	CHECK_INT(linetable__pep626(back, sizeof(back), 300, 4), 46);
	CHECK_INT(linetable__pep626(back, sizeof(back), 200, 4), -1);

	CHECK_INT(linetable__pep626(odd, sizeof(odd), 1, 0), 2);
	CHECK_INT(linetable__pep626(odd, sizeof(odd), 1, 2), -1);
}

/* Header bytes of the location table: bit 7, kind << 3, code units - 1. */
#define LOC(kind, units) ((uint8_t)(0x80 | (kind) << 3 | ((units) - 1)))

static void test_locations(void)
{
	/* Short form (kind 3) over 2 units, then one-line forms +0/+1/+2. */
	static const uint8_t forms[] = {
		LOC(3, 2), 0x12,
		LOC(10, 1), 4, 9,
		LOC(11, 1), 4, 9,
		LOC(12, 8), 4, 9,
	};
	/* No-column (13) -3, long form (14) +200 (svarint 400 = 0x50 0x06
	 * in two chunks) with end line and columns, no location (15), then
	 * a short form that must still see the running line. */
	static const uint8_t varints[] = {
		LOC(13, 1), 7,
		LOC(14, 2), 0x50, 0x06, 0, 5, 9,
		LOC(15, 1),
		LOC(0, 1), 0x05,
	};
	static const uint8_t trunc_end[] = { LOC(0, 1), 0, LOC(13, 1), 0x50 };
	static const uint8_t trunc_next[] = { LOC(13, 1), 0x50, LOC(0, 1), 0 };
	static const uint8_t no_varint[] = { LOC(14, 1) };
	static const uint8_t overlong[] = { LOC(13, 1), 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x3f };
	static const uint8_t not_entry[] = { 0x12, LOC(0, 1), 0 };
	/* Six-chunk svarints of -/+ 63 * 2^29: the running line leaves int
	 * range, which only a forged table can do. */
	static const uint8_t underflow[] = { LOC(13, 1), 0x41, 0x40, 0x40, 0x40, 0x40, 0x3f };
	static const uint8_t overflow[] = { LOC(13, 1), 0x40, 0x40, 0x40, 0x40, 0x40, 0x3f };
	static const uint8_t below_zero[] = { LOC(13, 1), 0x0b };

	CHECK_INT(linetable__locations(NULL, 0, 10, 0), -1);
	CHECK_INT(linetable__locations(forms, 0, 10, 0), -1);
	CHECK_INT(linetable__locations(NULL, 0, 10, -2), 10);

	CHECK_INT(linetable__locations(forms, sizeof(forms), 10, -2), 10);
	CHECK_INT(linetable__locations(forms, sizeof(forms), 10, 0), 10);
	CHECK_INT(linetable__locations(forms, sizeof(forms), 10, 3), 10);
	CHECK_INT(linetable__locations(forms, sizeof(forms), 10, 4), 10);
	CHECK_INT(linetable__locations(forms, sizeof(forms), 10, 6), 11);
	CHECK_INT(linetable__locations(forms, sizeof(forms), 10, 8), 13);
	CHECK_INT(linetable__locations(forms, sizeof(forms), 10, 23), 13);
	CHECK_INT(linetable__locations(forms, sizeof(forms), 10, 24), -1);
	CHECK_INT(linetable__locations(forms, sizeof(forms), 10, INT_MAX), -1);

	CHECK_INT(linetable__locations(varints, sizeof(varints), 10, 0), 7);
	CHECK_INT(linetable__locations(varints, sizeof(varints), 10, 2), 207);
	CHECK_INT(linetable__locations(varints, sizeof(varints), 10, 5), 207);
	CHECK_INT(linetable__locations(varints, sizeof(varints), 10, 6), -1);
	CHECK_INT(linetable__locations(varints, sizeof(varints), 10, 7), -1);
	CHECK_INT(linetable__locations(varints, sizeof(varints), 10, 8), 207);
	CHECK_INT(linetable__locations(varints, sizeof(varints), 10, 10), -1);

	/* Malformed: what precedes the damage still decodes. */
	CHECK_INT(linetable__locations(trunc_end, sizeof(trunc_end), 10, 0), 10);
	CHECK_INT(linetable__locations(trunc_end, sizeof(trunc_end), 10, 2), -1);
	CHECK_INT(linetable__locations(trunc_next, sizeof(trunc_next), 10, 0), -1);
	CHECK_INT(linetable__locations(trunc_next, sizeof(trunc_next), 10, 2), -1);
	CHECK_INT(linetable__locations(no_varint, sizeof(no_varint), 10, 0), -1);
	CHECK_INT(linetable__locations(overlong, sizeof(overlong), 10, 0), -1);
	CHECK_INT(linetable__locations(not_entry, sizeof(not_entry), 10, 0), -1);
	CHECK_INT(linetable__locations(underflow, sizeof(underflow), 10, 0), -1);
	CHECK_INT(linetable__locations(overflow, sizeof(overflow), 10, 0), -1);
	CHECK_INT(linetable__locations(below_zero, sizeof(below_zero), 3, 0), -1);
}

/* The same bytes read by each version's rules: the unit conversion is the
 * only difference between 3.10 and its neighbours. */
static void test_line_dispatch(void)
{
	static const uint8_t pairs[] = { 4, 1, 4, 1, 4, 1 };
	static const uint8_t locs[] = { LOC(10, 2), 0, 0, LOC(11, 2), 0, 0 };
	static const uint32_t unknown[] = { 0x030712f0, 0x031000a0, 0x040000f0, 0x020712f0, 0 };
	size_t i;

	CHECK_INT(linetable__line(V38, pairs, sizeof(pairs), 1, 4), 2);
	CHECK_INT(linetable__line(V39, pairs, sizeof(pairs), 1, 8), 3);
	CHECK_INT(linetable__line(V310, pairs, sizeof(pairs), 1, 0), 2);
	CHECK_INT(linetable__line(V310, pairs, sizeof(pairs), 1, 2), 3);
	CHECK_INT(linetable__line(V310, pairs, sizeof(pairs), 1, 4), 4);
	CHECK_INT(linetable__line(V310, pairs, sizeof(pairs), 1, 6), -1);
	CHECK_INT(linetable__line(V310, pairs, sizeof(pairs), 1, INT32_MAX), -1);

	CHECK_INT(linetable__line(V311, locs, sizeof(locs), 5, 2), 5);
	CHECK_INT(linetable__line(V311, locs, sizeof(locs), 5, 4), 6);
	CHECK_INT(linetable__line(V312, locs, sizeof(locs), 5, -2), 5);
	CHECK_INT(linetable__line(V313, locs, sizeof(locs), 5, 6), 6);
	CHECK_INT(linetable__line(V314, locs, sizeof(locs), 5, 8), -1);
	CHECK_INT(linetable__line(V315, locs, sizeof(locs), 5, 0), 5);
	CHECK_INT(linetable__line(V315, locs, sizeof(locs), 5, INT32_MIN), 5);

	/* An unknown version is not decoded with a neighbour's rules. */
	for (i = 0; i < N_ELEMS(unknown); i++) {
		CHECK_INT(linetable__line(unknown[i], locs, sizeof(locs), 5, 0), -1);
		CHECK_INT(linetable__line(unknown[i], locs, sizeof(locs), 5, -1), -1);
	}
}

/* Fills all of out first, so a check can see what pystr left alone. */
static int utf8(const uint8_t *raw, size_t nbytes, int kind, char out[32], size_t outlen)
{
	memset(out, 'X', 32);
	return pystr__to_utf8(raw, nbytes, kind, out, outlen);
}

static void test_pystr(void)
{
	static const uint8_t ascii[] = "hello";
	static const uint8_t fuenf[] = { 'f', 0xfc, 'n', 'f' };
	static const uint8_t kansu[] = { 0xa2, 0x95, 0x70, 0x65 };          /* 関数 */
	static const uint8_t cjk_b[] = { 0x00, 0x00, 0x02, 0x00 };          /* 𠀀 */
	static const uint8_t lone[] = { 0x00, 0xd8, 'a', 0, 0xff, 0xdf };   /* surrogates */
	static const uint8_t big[] = { 0x00, 0x00, 0x11, 0x00, 0xff, 0xff, 0xff, 0xff,
				       0xff, 0xff, 0x10, 0x00 };
	static const uint8_t nul[] = { 'a', 0, 'b' };
	char out[32];

	CHECK_INT(utf8(ascii, 5, 1, out, sizeof(out)), 5);
	CHECK_STR(out, "hello");
	CHECK_INT(utf8(fuenf, sizeof(fuenf), 1, out, sizeof(out)), 5);
	CHECK_STR(out, "f\xc3\xbcnf");
	CHECK_INT(utf8(kansu, sizeof(kansu), 2, out, sizeof(out)), 6);
	CHECK_STR(out, "\xe9\x96\xa2\xe6\x95\xb0");
	CHECK_INT(utf8(cjk_b, sizeof(cjk_b), 4, out, sizeof(out)), 4);
	CHECK_STR(out, "\xf0\xa0\x80\x80");
	CHECK_INT(utf8(lone, sizeof(lone), 2, out, sizeof(out)), 7);
	CHECK_STR(out, "\xef\xbf\xbd" "a" "\xef\xbf\xbd");
	CHECK_INT(utf8(big, sizeof(big), 4, out, sizeof(out)), 10);
	CHECK_STR(out, "\xef\xbf\xbd\xef\xbf\xbd\xf4\x8f\xbf\xbf");
	CHECK_INT(utf8(nul, sizeof(nul), 1, out, sizeof(out)), 5);
	CHECK_STR(out, "a\xef\xbf\xbd" "b");
	CHECK_INT(utf8(NULL, 0, 1, out, sizeof(out)), 0);
	CHECK_STR(out, "");
	/* A short read that ends inside a character drops it. */
	CHECK_INT(utf8(kansu, 3, 2, out, sizeof(out)), 3);
	CHECK_STR(out, "\xe9\x96\xa2");
	CHECK_INT(utf8(cjk_b, 3, 4, out, sizeof(out)), 0);

	/* Truncation keeps whole characters and room for the NUL. */
	CHECK_INT(utf8(fuenf, sizeof(fuenf), 1, out, 3), 1);
	CHECK_STR(out, "f");
	CHECK_INT(utf8(fuenf, sizeof(fuenf), 1, out, 4), 3);
	CHECK_STR(out, "f\xc3\xbc");
	CHECK_INT(utf8(fuenf, sizeof(fuenf), 1, out, 1), 0);
	CHECK_STR(out, "");
	CHECK_INT(utf8(cjk_b, sizeof(cjk_b), 4, out, 4), 0);
	CHECK_STR(out, "");
	CHECK_INT(utf8(cjk_b, sizeof(cjk_b), 4, out, 5), 4);
	CHECK_INT(utf8(kansu, sizeof(kansu), 2, out, 6), 3);
	CHECK_STR(out, "\xe9\x96\xa2");
	CHECK_INT(utf8(ascii, 5, 1, out, 0), 0);
	CHECK_INT(out[0], 'X');

	CHECK_INT(utf8(ascii, 5, 0, out, sizeof(out)), -EINVAL);
	CHECK_INT(utf8(ascii, 5, 3, out, sizeof(out)), -EINVAL);
	CHECK_INT(utf8(ascii, 5, 8, out, sizeof(out)), -EINVAL);
	CHECK_INT(utf8(ascii, 5, -1, out, sizeof(out)), -EINVAL);
}

/* xorshift64: the same random bytes on every run, so a failure reproduces. */
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? (uint32_t)(rng % n) : 0;
}

/* Strict UTF-8 check: what pystr writes must be valid for any input. */
static int valid_utf8(const char *s, size_t n)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0, k, len;
	uint32_t c;

	while (i < n) {
		if (p[i] < 0x80) {
			if (!p[i])
				return 0;
			i++;
			continue;
		}
		if ((p[i] & 0xe0) == 0xc0)
			len = 2, c = p[i] & 0x1f;
		else if ((p[i] & 0xf0) == 0xe0)
			len = 3, c = p[i] & 0x0f;
		else if ((p[i] & 0xf8) == 0xf0)
			len = 4, c = p[i] & 0x07;
		else
			return 0;
		if (n - i < len)
			return 0;
		for (k = 1; k < len; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			c = c << 6 | (p[i + k] & 0x3f);
		}
		if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) ||
		    (len == 4 && c < 0x10000) || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return 0;
		i += len;
	}
	return 1;
}

/*
 * Random bytes through every decoder. Each table sits in a heap block of
 * exactly its length so ASan flags any read past it. Every answer must be
 * -1 or a line >= 0: firstlineno is drawn >= 0, and a decoder that lets a
 * forged table drive the line negative or wrap has a bug. Half the tables
 * set bit 7 often, so the location decoder gets past its first entry.
 */
static void test_random(void)
{
	static const uint32_t versions[] = { V38, V39, V310, V311, V312, V313, V314, V315,
					     0x031000a0 };
	int bad_line = 0, bad_str = 0, round;

	for (round = 0; round < 20000; round++) {
		size_t len = rnd(96), i;
		uint8_t *tab = malloc(len ? len : 1);
		int first = (int)rnd(100000), addr, r, k;
		char *out;
		size_t outlen;
		uint8_t *raw;
		int kind, n;

		if (!tab)
			abort();
		for (i = 0; i < len; i++) {
			tab[i] = (uint8_t)rnd(256);
			if (round & 1 && rnd(3) == 0)
				tab[i] |= 0x80;
		}
		for (k = 0; k < 8; k++) {
			addr = k == 0 ? INT_MAX : k == 1 ? INT_MIN : (int)rnd(300) - 4;
			r = linetable__lnotab(tab, len, first, addr);
			bad_line += r < -1;
			r = linetable__pep626(tab, len, first, addr);
			bad_line += r < -1;
			r = linetable__locations(tab, len, first, addr);
			bad_line += r < -1;
			r = linetable__line(versions[rnd(N_ELEMS(versions))], tab, len, first,
					    (int32_t)addr);
			bad_line += r < -1;
		}

		/* pystr: random data, kind (sometimes invalid) and output size. */
		kind = (int[]){ 1, 2, 4, 1, 2, 4, 3, 0 }[rnd(8)];
		outlen = rnd(40);
		out = malloc(outlen ? outlen : 1);
		raw = malloc(len ? len : 1);
		if (!out || !raw)
			abort();
		memcpy(raw, tab, len);
		n = pystr__to_utf8(raw, len, kind, out, outlen);
		if (kind != 1 && kind != 2 && kind != 4)
			bad_str += n != -EINVAL;
		else if (outlen == 0)
			bad_str += n != 0;
		else
			bad_str += n < 0 || (size_t)n >= outlen || out[n] != '\0' ||
				   strlen(out) != (size_t)n || !valid_utf8(out, (size_t)n);
		free(raw);
		free(out);
		free(tab);
	}
	CHECK_INT(bad_line, 0);
	CHECK_INT(bad_str, 0);
}

int main(void)
{
	test_fixtures();
	test_lnotab();
	test_pep626();
	test_locations();
	test_line_dispatch();
	test_pystr();
	test_random();
	return check_report("linetable");
}
