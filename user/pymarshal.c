/* pymarshal.c: Python's marshal format, written: dict, tuple, int, float, str. */
#include <string.h>

#include "pymarshal.h"

/*
 * Type codes (Python/marshal.c). Each has been read the same way by every
 * release since 3.4 at least; none of the version 4 shortcuts (short ASCII
 * strings, small tuples, references) is needed to be read.
 */
#define TYPE_NULL	  '0' /* ends a dict */
#define TYPE_INT	  'i' /* int32, little-endian */
#define TYPE_LONG	  'l' /* int32 digit count (its sign is the number's), 15-bit digits */
#define TYPE_BINARY_FLOAT 'g' /* IEEE 754 double, little-endian */
#define TYPE_UNICODE	  'u' /* int32 byte length, UTF-8 */
#define TYPE_TUPLE	  '(' /* int32 item count, items */
#define TYPE_DICT	  '{' /* key, value pairs up to TYPE_NULL */

static void w_u32(FILE *f, uint32_t v)
{
	putc(v & 0xff, f);
	putc(v >> 8 & 0xff, f);
	putc(v >> 16 & 0xff, f);
	putc(v >> 24 & 0xff, f);
}

void pymarshal__dict_begin(FILE *f)
{
	putc(TYPE_DICT, f);
}

void pymarshal__dict_end(FILE *f)
{
	putc(TYPE_NULL, f);
}

void pymarshal__tuple(FILE *f, uint32_t n)
{
	putc(TYPE_TUPLE, f);
	w_u32(f, n);
}

void pymarshal__int(FILE *f, int64_t v)
{
	uint16_t digits[5]; /* 64 bits in 15-bit digits */
	uint64_t mag;
	int n = 0;

	if (v >= INT32_MIN && v <= INT32_MAX) {
		putc(TYPE_INT, f);
		w_u32(f, (uint32_t)(int32_t)v);
		return;
	}
	/* The magnitude, least significant digit first; the reader refuses a
	 * most significant digit of 0, and there is none here. */
	mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	while (mag) {
		digits[n++] = mag & 0x7fff;
		mag >>= 15;
	}
	putc(TYPE_LONG, f);
	w_u32(f, (uint32_t)(v < 0 ? -n : n));
	for (int i = 0; i < n; i++) {
		putc(digits[i] & 0xff, f);
		putc(digits[i] >> 8, f);
	}
}

void pymarshal__float(FILE *f, double v)
{
	uint64_t bits;

	memcpy(&bits, &v, sizeof(bits));
	putc(TYPE_BINARY_FLOAT, f);
	for (int i = 0; i < 8; i++)
		putc(bits >> (8 * i) & 0xff, f);
}

void pymarshal__str(FILE *f, const char *s)
{
	size_t len = strlen(s);

	putc(TYPE_UNICODE, f);
	w_u32(f, (uint32_t)len);
	fwrite(s, 1, len, f);
}
