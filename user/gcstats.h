/* gcstats.h: collections per generation, read from a Python process's
 * memory: what gc.get_stats() calls "collections", for interpreters built
 * without the gc probes. */
#ifndef GCSTATS_H
#define GCSTATS_H

#include <stdint.h>
#include <sys/types.h>

#include "pyhawk.h"

/* The collections of each of the 3 generations pid's main interpreter has
 * run since it started, into out. version_hex and runtime are what
 * pyproc__inspect found, off the layout of that version. The target is
 * not stopped (process_vm_readv): a collection running meanwhile may or
 * may not be counted yet. Returns 0, or -ESRCH, -EPERM, -EFAULT, -ENOENT
 * (no interpreter yet), -EBADMSG (counts no interpreter would have) or
 * -ENOTSUP (a version whose statistics pyhawk has not checked: 3.15+). */
int gcstats__read(pid_t pid, uint32_t version_hex, uint64_t runtime, const struct py_offsets *off,
		  uint64_t out[3]);

#endif /* GCSTATS_H */
