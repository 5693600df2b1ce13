/* linetable.h: line numbers from CPython line tables (3.8 - 3.15). */
#ifndef LINETABLE_H
#define LINETABLE_H

#include <stddef.h>
#include <stdint.h>

/* The three formats, each given a byte offset into the bytecode. All return
 * the line, or -1 when the table says "no line" or the offset is past the
 * end. Tables come from the target: every read is bounded by len. */
int linetable__lnotab(const uint8_t *tab, size_t len, int firstlineno, int addr);    /* <= 3.9 */
int linetable__pep626(const uint8_t *tab, size_t len, int firstlineno, int addr);    /* 3.10 */
int linetable__locations(const uint8_t *tab, size_t len, int firstlineno, int addr); /* 3.11+ */

/* The line for a frame as the kernel recorded it: lasti is struct
 * ph_frame.lasti (raw f_lasti on <= 3.10, a byte offset on 3.11+). Picks the
 * format and the unit conversion from version_hex. A negative lasti (before
 * the first instruction) gives firstlineno. */
int linetable__line(uint32_t version_hex, const uint8_t *tab, size_t len, int firstlineno,
		    int32_t lasti);

#endif /* LINETABLE_H */
