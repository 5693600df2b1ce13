/* pythreads.h: the threading names of a Python process's threads, read from its memory. */
#ifndef PYTHREADS_H
#define PYTHREADS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pyhawk.h"
#include "pyobj_offsets.h"

/* Longest name reported, in code points (longer names are cut): the
 * UTF-8 passed to the callback is at most 4 times as many bytes. */
#define PYTHREADS_NAME_MAX 256

typedef void (*pythreads_cb)(void *ctx, uint32_t tid, const char *name);

/* Reads the `threading` module of pid's main interpreter (sys.modules
 * ["threading"]._active and ._limbo) and calls cb once per Thread object
 * that has both a name and a native id, with tid = that thread's kernel
 * id as this process sees it (translated from the target's pid namespace)
 * and name = Thread.name (UTF-8, NUL-terminated; valid only during the
 * call). The target is never stopped: it is read with process_vm_readv
 * while it runs, so what it changes meanwhile may be missed. version_hex
 * and runtime are what pyproc__inspect found; off and obj the tables of
 * that version.
 *
 * Returns the number of calls made (0: threading is imported but no thread
 * is named yet), or -ESRCH (no such process), -EPERM (not allowed to read
 * it), -ENOENT (threading is not imported), -EINVAL (tables of another
 * version), -EBADMSG (something that should be a dict, str or int is not:
 * garbage, or a version pyhawk misreads), -EFAULT (unreadable pointer) or
 * -E2BIG (more to read than pyhawk will) or -ENOMEM; cb may have been
 * called before an error. Prints nothing. */
int pythreads__names(pid_t pid, uint32_t version_hex, uint64_t runtime,
		     const struct py_offsets *off, const struct py_obj_offsets *obj,
		     pythreads_cb cb, void *ctx);

#endif /* PYTHREADS_H */
