/* pymarshal.h: writing Python's marshal format (the types pstats files need). */
#ifndef PYMARSHAL_H
#define PYMARSHAL_H

#include <stdint.h>
#include <stdio.h>

/*
 * Values are written one after the other, as marshal.load() reads them: a
 * dict is pymarshal__dict_begin, then key, value, key, value ..., then
 * pymarshal__dict_end; a tuple is pymarshal__tuple(n) followed by its n
 * items. Only types that every Python from 3.8 on reads are used, and no
 * references (FLAG_REF), so equal values are simply written again.
 * Errors are left in the stream: check ferror(f) at the end.
 */
void pymarshal__dict_begin(FILE *f);
void pymarshal__dict_end(FILE *f);
void pymarshal__tuple(FILE *f, uint32_t n);
void pymarshal__int(FILE *f, int64_t v);
void pymarshal__float(FILE *f, double v);
/* s must be valid UTF-8 (marshal.load refuses a str that is not). */
void pymarshal__str(FILE *f, const char *s);

#endif /* PYMARSHAL_H */
