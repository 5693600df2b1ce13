/* pyrepr.h: Python's repr() of str, bytes, float and int values read from a target. */
#ifndef PYREPR_H
#define PYREPR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What ends a repr cut to fit: the text before it is the start of the
 * whole repr (a str's or bytes' closing quote is then missing). */
#define PYREPR_CUT "..."

/*
 * Each writes NUL-terminated text into out (outlen bytes, at least 8) and
 * returns its length, or -EINVAL for a bad argument.
 *
 * pyrepr__str: repr() of a str whose first n code points are chars; more:
 * it has more than those (so it is cut). Quotes, escapes (\\, \n, \r, \t,
 * \xNN, \uNNNN, \UNNNNNNNN) and the choice of quote are Python's; which
 * non-ASCII code points count as printable is Python's for the control,
 * format, separator, surrogate and private-use ranges, but not for
 * unassigned code points (Python escapes them; here they are printed).
 * A repr longer than out is cut after a whole character or escape and
 * ends with PYREPR_CUT.
 */
int pyrepr__str(const uint32_t *chars, size_t n, bool more, char *out, size_t outlen);
/* repr() of a bytes whose first n bytes are b (more: it has more). */
int pyrepr__bytes(const uint8_t *b, size_t n, bool more, char *out, size_t outlen);
/* repr() of a float: the shortest text that reads back as v, laid out as
 * Python does (1e+16, 1e-05, 2.5, 100.0, -0.0, inf, nan). */
int pyrepr__float(double v, char *out, size_t outlen);
/* The decimal text of an int given by its digits (least significant
 * first, shift bits each, at most 31). -ERANGE when it does not fit out:
 * an int is never cut. */
int pyrepr__int(bool negative, const uint32_t *digits, unsigned int ndigits, unsigned int shift,
		char *out, size_t outlen);

#endif /* PYREPR_H */
