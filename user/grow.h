/* grow.h: growing a realloc'ed array by doubling. */
#ifndef GROW_H
#define GROW_H

#include <stddef.h>

/* Makes *arr (of *cap elements of elem bytes) hold at least need: doubles
 * *cap from 16 until it does. 0, or -ENOMEM (then *arr is unchanged). */
int grow__array(void **arr, size_t *cap, size_t need, size_t elem);

#endif /* GROW_H */
