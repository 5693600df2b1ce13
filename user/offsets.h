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

/* Cross-checks *off against a process's own _Py_DebugOffsets (3.13+), as
 * read from _PyRuntime+0 (buf, len bytes). Returns 0 when every field that
 * both know agrees; -EBADMSG when the cookie or version does not match;
 * -ERANGE when a field disagrees (its name is written to what). */
int offsets__check_debug(const struct py_offsets *off, const uint8_t *buf, size_t len,
			 char *what, size_t whatlen);

/* "3.12" style name of a version, for messages. */
const char *offsets__version_str(uint32_t version_hex, char *buf, size_t len);

#endif /* OFFSETS_H */
