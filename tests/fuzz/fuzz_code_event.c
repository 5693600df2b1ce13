/* fuzz_code_event.c: libFuzzer target: a code object description as the
 * kernel sends it (its contents come from the target's memory), then frames
 * resolved against it, for every version's line-table format. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "offsets.h"
#include "symbols.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t versions[] = { 0x03080000, 0x030a0000, 0x030b0000, 0x030f0000 };
	struct symbols_opts so = { .lines = SYM_LINE_CURRENT, .full_filenames = 1 };
	struct py_offsets off;
	struct ph_code *c;
	struct ph_frame f = {};
	struct sym_frame sf;
	struct symbols *s;
	size_t n = size < sizeof(*c) ? size : sizeof(*c);

	if (size < PH_CODE_HDR_SIZE + 1)
		return 0;
	c = calloc(1, sizeof(*c));
	s = symbols__new(&so);
	if (!c || !s)
		goto out;
	memcpy(c, data, n);
	c->pid = 0x7fffffff; /* no such process: never read memory */
	c->cookie = 1;
	if (!offsets__for_version(versions[data[0] & 3], 0, &off))
		symbols__set_proc(s, c->pid, 1, versions[data[0] & 3], &off);
	symbols__add_code(s, c, n);
	f.code = c->code;
	f.check = c->check;
	f.lasti = (int32_t)(data[1] | data[2] << 8) - 4;
	symbols__resolve(s, c->pid, 1, &f, &sf);
out:
	symbols__free(s);
	free(c);
	return 0;
}
