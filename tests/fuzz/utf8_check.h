/* utf8_check.h: a strict UTF-8 decoder for the fuzz targets' checks (no overlong forms,
 * surrogates or code points past U+10FFFF). */
#ifndef UTF8_CHECK_H
#define UTF8_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The code point at s (n bytes left), its length in *len; -1 when it is
 * not strict UTF-8. */
static inline int32_t utf8_decode(const uint8_t *s, size_t n, size_t *len)
{
	static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
	uint32_t c;
	size_t k;

	if (!n)
		return -1;
	if (s[0] < 0x80)
		k = 1;
	else if ((s[0] & 0xe0) == 0xc0)
		k = 2;
	else if ((s[0] & 0xf0) == 0xe0)
		k = 3;
	else if ((s[0] & 0xf8) == 0xf0)
		k = 4;
	else
		return -1;
	if (k > n)
		return -1;
	c = k == 1 ? s[0] : s[0] & (0x7f >> k);
	for (size_t i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min[k] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return -1;
	*len = k;
	return (int32_t)c;
}

/* Whether the C string s is strict UTF-8 of at most max code points, none
 * of them NUL. */
static inline bool utf8_text(const char *s, size_t max)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t n = 0, len;

	while (*p) {
		if (utf8_decode(p, __builtin_strlen((const char *)p), &len) <= 0 || ++n > max)
			return false;
		p += len;
	}
	return true;
}

#endif /* UTF8_CHECK_H */
