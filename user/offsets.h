/* offsets.h: CPython struct layouts by version, for the BPF walker. */
#ifndef OFFSETS_H
#define OFFSETS_H

#include <stddef.h>
#include <stdint.h>
#include "pyhawk.h"
#include "pyobj_offsets.h"

/* Fills *out with the layout of the CPython minor version of version_hex
 * (PY_VERSION_HEX). Returns 0, or -ENOTSUP for a version pyhawk has no
 * table for (never a guess from a neighbouring version), or -EOPNOTSUPP
 * for a free-threaded build. */
int offsets__for_version(uint32_t version_hex, int free_threaded, struct py_offsets *out);

/* Fills *out with the user-space object layouts (dicts, types, ints,
 * instance attributes) of the minor version of version_hex. Same rules and
 * errors as offsets__for_version. */
int offsets__obj_for_version(uint32_t version_hex, int free_threaded, struct py_obj_offsets *out);

/* Takes into *off (the table of its minor version) every field a
 * process's own _Py_DebugOffsets (3.13+, read from _PyRuntime+0: buf, len
 * bytes) describes, each checked to lie within its struct (the struct's
 * size from the debug offsets, and what the walker reads at once). Where
 * a struct's fields moved, its read window follows them and a field the
 * debug offsets do not describe cannot be vouched for. Returns the number
 * of fields that differ from the table (their names and values, table ->
 * process, in what), or -EBADMSG (the cookie, version, free-threaded flag
 * or size is wrong), -ERANGE (a field out of bounds) or -ENOTSUP (a field
 * of a moved struct not described), what naming it. */
int offsets__from_debug(struct py_offsets *off, const uint8_t *buf, size_t len, char *what,
			size_t whatlen);

/* "3.12" style name of a version, for messages. */
const char *offsets__version_str(uint32_t version_hex, char *buf, size_t len);

#endif /* OFFSETS_H */
