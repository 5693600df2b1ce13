/* pystr.h: CPython str contents (latin-1, UCS-2, UCS-4) to UTF-8. */
#ifndef PYSTR_H
#define PYSTR_H

#include <stddef.h>
#include <stdint.h>

/* Converts nbytes of raw str data of the given kind (1, 2 or 4 bytes per
 * character) to NUL-terminated UTF-8 in out (outlen bytes, truncated on a
 * character boundary). Invalid code points become U+FFFD. Returns the
 * length written, or -EINVAL for a bad kind. */
/* One code point as UTF-8 in buf; returns its length (1-4). NUL, surrogates
 * and what is past U+10FFFF become U+FFFD. */
size_t pystr__utf8_char(uint32_t c, uint8_t buf[4]);
int pystr__to_utf8(const uint8_t *raw, size_t nbytes, int kind, char *out, size_t outlen);

#endif /* PYSTR_H */
