/* linetable.c: decoders for CPython's line tables (lnotab, PEP 626, PEP 657). */
#include <limits.h>

#include "linetable.h"

/*
 * The tables come from the target's memory, so none of them is trusted: every
 * byte read is checked against len, the running line is kept in 64 bits and a
 * line outside int range (possible only in a forged table) reads as "no
 * line". A negative addr is before the first instruction; CPython answers
 * co_firstlineno there, and so do we.
 */

static int line_or_none(int64_t line)
{
	return line < 0 || line > INT_MAX ? -1 : (int)line;
}

/*
 * <= 3.9 co_lnotab: (address delta u8, line delta s8) pairs. The line at addr
 * is firstlineno plus the line deltas of every pair whose running address is
 * <= addr. Large deltas are split over several pairs, so a pair whose address
 * delta is 0 still moves the line. The table does not record where the
 * bytecode ends: past the last pair the last line holds.
 */
int linetable__lnotab(const uint8_t *tab, size_t len, int firstlineno, int addr)
{
	int64_t line = firstlineno, at = 0;
	size_t i;

	if (addr < 0)
		return firstlineno;
	if (!tab)
		len = 0;
	for (i = 0; i + 1 < len; i += 2) {
		at += tab[i];
		if (at > addr)
			break;
		line += (int8_t)tab[i + 1];
	}
	return line_or_none(line);
}

/*
 * 3.10 co_linetable (PEP 626): (byte length u8, line delta s8) pairs, each
 * covering [start, start + length). A line delta of -128 marks a range with
 * no line and leaves the running line alone. Zero-length pairs only carry a
 * line delta too large for one pair, so they never match an address.
 */
int linetable__pep626(const uint8_t *tab, size_t len, int firstlineno, int addr)
{
	int64_t line = firstlineno, end = 0;
	size_t i;

	if (addr < 0)
		return firstlineno;
	if (!tab)
		len = 0;
	for (i = 0; i + 1 < len; i += 2) {
		int8_t delta = (int8_t)tab[i + 1];

		end += tab[i];
		if (delta != -128)
			line += delta;
		/* Ranges are contiguous from 0, so the first one ending past
		 * addr holds it. */
		if (addr < end)
			return delta == -128 ? -1 : line_or_none(line);
	}
	return -1;
}

/* Location entry kinds (Objects/locations.md). 3.15 keeps the 3.11 format:
 * same _PyCodeLocationInfoKind in its cpython/code.h, and its fixtures
 * (3.15.2) decode with these rules. */
enum {
	LOC_ONE_LINE0 = 10,
	LOC_ONE_LINE2 = 12,
	LOC_NO_COLUMNS = 13,
	LOC_LONG = 14,
	LOC_NONE = 15,
};

/*
 * An unsigned varint of 6-bit chunks, least significant first, 0x40 meaning
 * "more follows". It lives inside one entry, so a byte with bit 7 set (the
 * next entry's header) or the end of the table ends it early: that table is
 * malformed. Six chunks already exceed any int; more is malformed too.
 */
static int read_varint(const uint8_t *tab, size_t len, size_t *pos, uint64_t *val)
{
	uint64_t v = 0;
	unsigned int shift;

	for (shift = 0; shift < 36; shift += 6) {
		uint8_t b;

		if (*pos >= len || (tab[*pos] & 0x80))
			return -1;
		b = tab[(*pos)++];
		v |= (uint64_t)(b & 0x3f) << shift;
		if (!(b & 0x40)) {
			*val = v;
			return 0;
		}
	}
	return -1;
}

/*
 * 3.11+ co_linetable (PEP 657): entries of a header byte (bit 7 set, kind in
 * bits 3-6, length - 1 in code units in bits 0-2) and trailing bytes with bit
 * 7 clear. Only the start line matters here: kinds 10-12 add kind - 10, 13
 * and 14 add a signed varint, 15 has no location and keeps the running line,
 * the short forms 0-9 add nothing. Lengths cover the inline CACHE units too,
 * so any byte offset a frame can hold lands in an entry.
 */
int linetable__locations(const uint8_t *tab, size_t len, int firstlineno, int addr)
{
	int64_t line = firstlineno, end = 0;
	size_t i = 0;

	if (addr < 0)
		return firstlineno;
	if (!tab)
		len = 0;
	while (i < len) {
		uint8_t head = tab[i];
		int kind = (head >> 3) & 15;
		uint64_t v;

		/* CPython writes entries back to back; anything else is not
		 * a table we can trust to line up with the bytecode. */
		if (!(head & 0x80))
			return -1;
		i++;
		if (kind == LOC_NO_COLUMNS || kind == LOC_LONG) {
			if (read_varint(tab, len, &i, &v))
				return -1;
			line += v & 1 ? -(int64_t)(v >> 1) : (int64_t)(v >> 1);
		} else if (kind >= LOC_ONE_LINE0 && kind <= LOC_ONE_LINE2) {
			line += kind - LOC_ONE_LINE0;
		}
		if (line < INT_MIN || line > INT_MAX)
			return -1;
		end += ((head & 7) + 1) * 2;
		if (addr < end)
			return kind == LOC_NONE ? -1 : line_or_none(line);
		/* The rest of the entry (columns, end line) is not needed. */
		while (i < len && !(tab[i] & 0x80))
			i++;
	}
	return -1;
}

int linetable__line(uint32_t version_hex, const uint8_t *tab, size_t len, int firstlineno,
		    int32_t lasti)
{
	unsigned int major = version_hex >> 24, minor = (version_hex >> 16) & 0xff;

	/* An unknown version may have moved to a new format: say "no line"
	 * rather than decode it with a neighbour's rules. */
	if (major != 3 || minor < 8 || minor > 15)
		return -1;
	/* -1 (<= 3.10) or -2 (3.11, 3.12: prev_instr one unit before the
	 * code) means the frame has not run its first instruction yet. */
	if (lasti < 0)
		return firstlineno;
	if (minor <= 9)
		return linetable__lnotab(tab, len, firstlineno, lasti);
	if (minor == 10) {
		/* f_lasti counts 2-byte code units, the table counts bytes. */
		if (lasti > INT_MAX / 2)
			return -1;
		return linetable__pep626(tab, len, firstlineno, lasti * 2);
	}
	return linetable__locations(tab, len, firstlineno, lasti);
}
