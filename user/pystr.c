/* pystr.c: CPython str contents (latin-1, UCS-2, UCS-4) to UTF-8. */
#include <errno.h>
#include <limits.h>

#include "pystr.h"

#define REPLACEMENT 0xfffd

/* The target is x86-64, so str data is little-endian; assembling it byte by
 * byte also avoids unaligned loads from a buffer the caller filled. */
static uint32_t load_char(const uint8_t *p, int kind)
{
	uint32_t c = p[0];

	if (kind >= 2)
		c |= (uint32_t)p[1] << 8;
	if (kind == 4)
		c |= (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	return c;
}

size_t pystr__utf8_char(uint32_t c, uint8_t buf[4])
{
	/* A str may hold lone surrogates (surrogateescape) and a forged one
	 * anything at all; neither has a UTF-8 form. U+0000 is valid but would
	 * end the C string early, so the length returned would lie. */
	if (c == 0 || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		c = REPLACEMENT;
	if (c < 0x80) {
		buf[0] = (uint8_t)c;
		return 1;
	}
	if (c < 0x800) {
		buf[0] = (uint8_t)(0xc0 | c >> 6);
		buf[1] = (uint8_t)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		buf[0] = (uint8_t)(0xe0 | c >> 12);
		buf[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
		buf[2] = (uint8_t)(0x80 | (c & 0x3f));
		return 3;
	}
	buf[0] = (uint8_t)(0xf0 | c >> 18);
	buf[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3f));
	buf[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
	buf[3] = (uint8_t)(0x80 | (c & 0x3f));
	return 4;
}

int pystr__to_utf8(const uint8_t *raw, size_t nbytes, int kind, char *out, size_t outlen)
{
	size_t pos = 0, i;

	if (kind != 1 && kind != 2 && kind != 4)
		return -EINVAL;
	if (!out || outlen == 0)
		return 0;
	/* The return value is an int: never produce more than it can say. */
	if (outlen > (size_t)INT_MAX)
		outlen = (size_t)INT_MAX;
	if (!raw)
		nbytes = 0;
	/* A trailing partial character (nbytes not a multiple of kind) is a
	 * short read: drop it rather than guess its missing bytes. */
	for (i = 0; nbytes - i >= (size_t)kind; i += kind) {
		uint8_t buf[4];
		size_t n = pystr__utf8_char(load_char(raw + i, kind), buf), k;

		/* Stop before a character that would not fit with the NUL, so
		 * the result is never cut inside a UTF-8 sequence. */
		if (n > outlen - 1 - pos)
			break;
		for (k = 0; k < n; k++)
			out[pos++] = (char)buf[k];
	}
	out[pos] = '\0';
	return (int)pos;
}
