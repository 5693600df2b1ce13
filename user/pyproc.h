/* pyproc.h: finding a process's CPython runtime (ELF, version, addresses). */
#ifndef PYPROC_H
#define PYPROC_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define PYPROC_DEBUG_OFFSETS_MAX 2048

struct pyproc {
	pid_t pid;
	uint64_t runtime;       /* address of _PyRuntime in the process */
	uint32_t version_hex;   /* PY_VERSION_HEX as detected */
	int free_threaded;      /* 3.13+: from _Py_DebugOffsets */
	char elf[PATH_MAX];     /* path (as mapped) of the ELF defining _PyRuntime */
	uint8_t debug_offsets[PYPROC_DEBUG_OFFSETS_MAX]; /* 3.13+: _PyRuntime+0 */
	size_t debug_offsets_len; /* 0 when absent (< 3.13) */
};

/* Inspects a live process. Returns 0 and fills *out; -ESRCH: no such
 * process; -EPERM/-EACCES: not allowed to read it; -ECHILD: a kernel thread
 * (no user memory); -ENOEXEC: no mapped ELF defines _PyRuntime (not Python,
 * or the runtime is not loaded yet); -ENOTSUP: Python, but its version
 * could not be read, or one older than 3.7 (out->version_hex then says
 * which, from its libpython's name). Library code: prints nothing. */
int pyproc__inspect(pid_t pid, struct pyproc *out);

/* Whether a process that shows no Python runtime yet may still get one
 * without an exec: its executable is named like python, or needs a
 * libpython the dynamic loader has not mapped yet. (A later dlopen of
 * libpython by anything else is not foreseen.) */
bool pyproc__may_become_python(pid_t pid);

#endif /* PYPROC_H */
