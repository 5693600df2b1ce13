/* elfsym.h: what one mapped ELF file says about the CPython runtime it may define (private to pyproc). */
#ifndef ELFSYM_H
#define ELFSYM_H

#include <stdbool.h>
#include <stdint.h>

#include "pyproc.h"

/* Where the process mapped the file: one mapping's start and file offset
 * (normally the lowest mapping at offset 0); path is as shown in maps and
 * only serves as a version hint (libpython3.X, python3.X). */
struct elfsym_map {
	uint64_t start;
	uint64_t offset;
	const char *path;
};

/* Reads the already opened file fd. Returns 1 when it defines _PyRuntime,
 * having filled out->runtime, version_hex, free_threaded and debug_offsets
 * (not pid or elf); 0 when it does not (not an ELF, or only an undefined
 * reference as in extension modules); -ENOTSUP when it does but its
 * version cannot be read or it is not x86-64; other -errno on I/O errors.
 * .symtab is searched only when use_symtab is set (it can be large). The
 * file is target-controlled: every read is bounded. Prints nothing. */
int elfsym__find_runtime(int fd, const struct elfsym_map *map, bool use_symtab,
			 struct pyproc *out);

/* Whether the ELF file fd names a libpython among its DT_NEEDED libraries
 * (an interpreter or embedder the dynamic loader has not finished loading).
 * 1 yes, 0 no (also for a static or non-ELF file), -errno on I/O errors. */
int elfsym__needs_libpython(int fd);

#endif /* ELFSYM_H */
