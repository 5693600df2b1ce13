/* fuzz_pystr.c: libFuzzer target: a str's characters as read from the target (latin-1, UCS-2,
 * UCS-4, any bytes) to UTF-8 by pystr__to_utf8 and pystr__utf8_char.
 *
 * The first byte picks the kind (one bad one among them), the second the
 * output's size (from 0 to more than enough). Checked beyond "no crash":
 * the output is NUL-terminated within its buffer (ASan sees a byte past
 * it), strict UTF-8 (no overlong form, surrogate or NUL), and decodes to
 * exactly the input's characters, with U+FFFD for NUL, surrogates and what
 * is past U+10FFFF; a cut is on a character boundary and only where the
 * next character would not fit; a partial last character is dropped. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "pystr.h"
#include "utf8_check.h"

static uint32_t expected(uint32_t c)
{
	return !c || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff ? 0xfffd : c;
}

static size_t utf8_len(uint32_t c)
{
	return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
}

static uint32_t char_at(const uint8_t *p, int kind)
{
	uint32_t c = 0;

	for (int b = 0; b < kind; b++)
		c |= (uint32_t)p[b] << (8 * b);
	return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int kinds[4] = {1, 2, 4, 3};
	const uint8_t *raw = data + 2;
	size_t nbytes = size - 2, outlen, pos = 0, i = 0, len;
	uint8_t one[4];
	char *out;
	int kind, r;

	if (size < 2)
		return 0;
	kind = kinds[data[0] & 3];
	outlen = data[1] == 0xff ? 4 * nbytes + 1 : data[1];
	out = malloc(outlen ? outlen : 1);
	if (!out)
		abort();
	r = pystr__to_utf8(raw, nbytes, kind, out, outlen);
	if (kind == 3 || !outlen) {
		if (r != (kind == 3 ? -EINVAL : 0))
			abort();
		goto out;
	}
	if (r < 0 || (size_t)r >= outlen || out[r] || strlen(out) != (size_t)r)
		abort();
	/* Character by character, as the input says. */
	for (; i + (size_t)kind <= nbytes; i += (size_t)kind) {
		uint32_t want = expected(char_at(raw + i, kind));
		int32_t got;

		if (pos == (size_t)r)
			break;
		got = utf8_decode((const uint8_t *)out + pos, (size_t)r - pos, &len);
		if (got < 0 || (uint32_t)got != want)
			abort();
		pos += len;
	}
	if (pos != (size_t)r)
		abort();
	/* Stopped early only where the next character did not fit. */
	if (i + (size_t)kind <= nbytes &&
	    utf8_len(expected(char_at(raw + i, kind))) <= outlen - 1 - (size_t)r)
		abort();

	/* One code point on its own. */
	if (size >= 6) {
		uint32_t c = char_at(data + 2, 4);
		size_t k = pystr__utf8_char(c, one);

		if (k < 1 || k > 4 || utf8_decode(one, k, &len) != (int32_t)expected(c) || len != k)
			abort();
	}
out:
	free(out);
	return 0;
}
