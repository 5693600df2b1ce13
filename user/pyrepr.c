/* pyrepr.c: Python's repr() of str, bytes, float and int values read from a target. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyrepr.h"
#include "pystr.h"

/* The longest escape: \UXXXXXXXX. */
#define UNIT_MAX 10

/* Code points Python's str.isprintable() refuses, beyond ASCII: the
 * categories Cc, Cf, Cs, Co, Zl, Zp and Zs other than the space
 * (Objects/unicodectype.c, Tools/unicode/makeunicodedata.py), as ranges.
 * Unassigned code points (Cn) would need Unicode's tables: not here. */
static const struct {
	uint32_t lo, hi;
} unprintable[] = {
    {0x80, 0xa0},	{0xad, 0xad},	     {0x600, 0x605},	 {0x61c, 0x61c},
    {0x6dd, 0x6dd},	{0x70f, 0x70f},	     {0x890, 0x891},	 {0x8e2, 0x8e2},
    {0x1680, 0x1680},	{0x180e, 0x180e},    {0x2000, 0x200f},	 {0x2028, 0x202f},
    {0x205f, 0x2064},	{0x2066, 0x206f},    {0x3000, 0x3000},	 {0xd800, 0xf8ff},
    {0xfeff, 0xfeff},	{0xfff9, 0xfffb},    {0x110bd, 0x110bd}, {0x110cd, 0x110cd},
    {0x13430, 0x1343f}, {0x1bca0, 0x1bca3},  {0x1d173, 0x1d17a}, {0xe0001, 0xe0001},
    {0xe0020, 0xe007f}, {0xf0000, 0x10ffff},
};

static bool printable(uint32_t c)
{
	if (c < 0x20 || c == 0x7f || c > 0x10ffff || (c & 0xfffe) == 0xfffe ||
	    (c >= 0xfdd0 && c <= 0xfdef))
		return false;
	for (size_t i = 0; i < sizeof(unprintable) / sizeof(unprintable[0]); i++)
		if (c >= unprintable[i].lo && c <= unprintable[i].hi)
			return false;
	return true;
}

/* One character of a str (bytes: one byte) as its repr writes it. */
static size_t unit(uint32_t c, bool bytes, char quote, char *buf)
{
	if (c == (uint32_t)quote || c == '\\') {
		buf[0] = '\\';
		buf[1] = (char)c;
		return 2;
	}
	if (c == '\t' || c == '\n' || c == '\r') {
		buf[0] = '\\';
		buf[1] = c == '\t' ? 't' : c == '\n' ? 'n' : 'r';
		return 2;
	}
	if ((c >= 0x20 && c < 0x7f) || (!bytes && c >= 0x80 && printable(c)))
		return pystr__utf8_char(c, (uint8_t *)buf);
	if (c <= 0xff)
		return (size_t)sprintf(buf, "\\x%02x", c);
	if (c <= 0xffff)
		return (size_t)sprintf(buf, "\\u%04x", c);
	return (size_t)sprintf(buf, "\\U%08x", c);
}

/* repr() of a str (chars) or bytes (b), cut to fit out. */
static int quoted(const uint32_t *chars, const uint8_t *b, size_t n, bool more, char *out,
		  size_t outlen)
{
	bool bytes = b != NULL, squote = false, dquote = false;
	size_t pos = 0, keep = 0, limit = outlen - 1, cut = strlen(PYREPR_CUT);
	char quote = '\'', buf[UNIT_MAX + 1];

	if (outlen < 8 || (!chars && !b && n))
		return -EINVAL;
	/* Single quotes, unless the text holds one and no double quote. */
	for (size_t i = 0; i < n; i++) {
		uint32_t c = bytes ? b[i] : chars[i];

		squote |= c == '\'';
		dquote |= c == '"';
	}
	if (squote && !dquote)
		quote = '"';
	if (bytes)
		out[pos++] = 'b';
	out[pos++] = quote;
	keep = pos;
	for (size_t i = 0; i < n; i++) {
		size_t len = unit(bytes ? b[i] : chars[i], bytes, quote, buf);

		if (pos + len > limit) {
			more = true;
			break;
		}
		memcpy(out + pos, buf, len);
		pos += len;
		/* The last place a cut repr can end, "..." after it. */
		if (pos + cut <= limit)
			keep = pos;
	}
	if (!more && pos + 1 <= limit) {
		out[pos++] = quote;
		out[pos] = '\0';
		return (int)pos;
	}
	memcpy(out + keep, PYREPR_CUT, cut + 1);
	return (int)(keep + cut);
}

int pyrepr__str(const uint32_t *chars, size_t n, bool more, char *out, size_t outlen)
{
	return quoted(chars, NULL, n, more, out, outlen);
}

int pyrepr__bytes(const uint8_t *b, size_t n, bool more, char *out, size_t outlen)
{
	static const uint8_t none;

	return quoted(NULL, b ? b : &none, n, more, out, outlen);
}

int pyrepr__float(double v, char *out, size_t outlen)
{
	char e[40], digits[24], text[64], *t = text;
	const char *p;
	int exp, decpt, k = 0;

	if (outlen < 8)
		return -EINVAL;
	if (isnan(v) || isinf(v))
		return snprintf(out, outlen, "%s", isnan(v) ? "nan" : v < 0 ? "-inf" : "inf");
	/* The fewest significant digits that read back as v (17 always do). */
	for (int prec = 0; prec < 17; prec++) {
		snprintf(e, sizeof(e), "%.*e", prec, v);
		if (strtod(e, NULL) == v)
			break;
	}
	/* e is [-]d[.ddd]e[+-]XX: its digits and the decimal exponent. */
	p = e + (e[0] == '-');
	for (; *p && *p != 'e' && k < 18; p++)
		if (*p != '.')
			digits[k++] = *p;
	digits[k] = '\0';
	exp = *p == 'e' ? atoi(p + 1) : 0;
	while (k > 1 && digits[k - 1] == '0')
		digits[--k] = '\0';
	decpt = exp + 1;
	if (e[0] == '-')
		*t++ = '-';
	/* Python's repr (format 'r') writes an exponent outside
	 * 1e-4 <= |v| < 1e16, and always a digit after the point. */
	if (decpt <= -4 || decpt > 16) {
		t += sprintf(t, "%c%s%s", digits[0], k > 1 ? "." : "", digits + 1);
		sprintf(t, "e%c%02d", exp < 0 ? '-' : '+', abs(exp));
	} else if (decpt <= 0) {
		t += sprintf(t, "0.");
		memset(t, '0', (size_t)-decpt);
		sprintf(t - decpt, "%s", digits);
	} else if (decpt >= k) {
		t += sprintf(t, "%s", digits);
		memset(t, '0', (size_t)(decpt - k));
		sprintf(t + decpt - k, ".0");
	} else {
		sprintf(t, "%.*s.%s", decpt, digits, digits + decpt);
	}
	k = snprintf(out, outlen, "%s", text);
	return (size_t)k < outlen ? k : -ERANGE;
}

int pyrepr__int(bool negative, const uint32_t *digits, unsigned int ndigits, unsigned int shift,
		char *out, size_t outlen)
{
	/* Base 10^9 chunks, least significant first: 2^31 * 10^9 fits 64 bits. */
	uint32_t work[64], chunks[80];
	unsigned int n = ndigits, nchunks = 0;
	size_t pos = 0;
	int len;

	if (outlen < 8 || ndigits > 64 || !shift || shift > 31 || (ndigits && !digits))
		return -EINVAL;
	memcpy(work, digits, ndigits * sizeof(*work));
	while (n && !work[n - 1])
		n--;
	while (n) {
		uint64_t rem = 0;

		/* work /= 10^9, most significant digit first. */
		for (unsigned int i = n; i-- > 0;) {
			uint64_t cur = rem << shift | work[i];

			work[i] = (uint32_t)(cur / 1000000000u);
			rem = cur % 1000000000u;
		}
		chunks[nchunks++] = (uint32_t)rem;
		while (n && !work[n - 1])
			n--;
	}
	if (!nchunks)
		return snprintf(out, outlen, "0");
	if (negative)
		out[pos++] = '-';
	len = snprintf(out + pos, outlen - pos, "%u", chunks[nchunks - 1]);
	pos += (size_t)len;
	for (unsigned int i = nchunks - 1; i-- > 0 && pos < outlen;) {
		len = snprintf(out + pos, outlen - pos, "%09u", chunks[i]);
		pos += (size_t)len;
	}
	if (pos >= outlen) {
		out[0] = '\0';
		return -ERANGE;
	}
	return (int)pos;
}
