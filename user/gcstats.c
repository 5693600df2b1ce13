/* gcstats.c: collections per generation from the interpreter's own
 * statistics. From 3.8 to 3.14 the collector's state (in _PyRuntime for
 * 3.8, in the interpreter after) holds generation_stats[3] right before
 * `collecting`: three Py_ssize_t each (collections, collected,
 * uncollectable). Checked against gc.get_stats() on every interpreter of
 * the matrix; 3.15 lays them out otherwise (and its builds here have the
 * probes). */
#include <errno.h>
#include <string.h>

#include "gcstats.h"
#include "offsets.h"
#include "pyobj.h"
#include "pyobj_offsets.h"

#define GENERATIONS   3
#define STAT_FIELDS   3 /* collections, collected, uncollectable */
#define STATS_SIZE    (GENERATIONS * STAT_FIELDS * sizeof(int64_t))
/* No interpreter collects this often in a lifetime: more is garbage. */
#define MAX_PLAUSIBLE (1ull << 48)

int gcstats__read(pid_t pid, uint32_t version_hex, uint64_t runtime, const struct py_offsets *off,
		  uint64_t out[3])
{
	struct py_obj_offsets obj;
	int64_t stats[GENERATIONS * STAT_FIELDS];
	uint64_t base = runtime;
	struct pyobj *r;
	int err;

	if (version_hex < 0x03080000 || version_hex >= 0x030f0000 ||
	    off->gc_collecting == PH_NO_OFFSET || off->gc_collecting < STATS_SIZE)
		return -ENOTSUP;
	if (offsets__obj_for_version(version_hex, 0, &obj))
		return -ENOTSUP;
	r = pyobj__new(pid, off, &obj, 2);
	if (!r)
		return -ENOMEM;
	err = 0;
	if (version_hex >= 0x03090000) {
		err = pyobj__read_u64(r, runtime + obj.runtime_interpreters_main, &base);
		if (!err && !base)
			err = -ENOENT;
	}
	if (!err)
		err = pyobj__read(r, base + off->gc_collecting - STATS_SIZE, stats, sizeof(stats));
	pyobj__free(r);
	if (err)
		return err;
	for (int g = 0; g < GENERATIONS; g++) {
		int64_t n = stats[g * STAT_FIELDS];

		if (n < 0 || (uint64_t)n > MAX_PLAUSIBLE)
			return -EBADMSG;
		out[g] = (uint64_t)n;
	}
	return 0;
}
