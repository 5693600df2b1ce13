/* fuzz_debug_offsets.c: libFuzzer target: a process's _Py_DebugOffsets (read from its ELF file,
 * so the target's bytes) followed over pyhawk's tables, by offsets__from_debug.
 *
 * The first byte picks a real _Py_DebugOffsets (the unit tests' fixtures:
 * 3.13.0, 3.13.18, 3.14.10, 3.15.2; run from the source tree's root), the
 * table to start from (its version's, or 3.12's that has none) and the
 * size of the answer's buffer; the second how much of it is cut off; the
 * rest is XORed onto it. Checked beyond "no crash": nothing is read past
 * the length given (the bytes are in a buffer of exactly that size); the
 * result is >= 0, -EBADMSG, -ERANGE or -ENOTSUP; the answer is
 * NUL-terminated within its buffer and nothing is written past it, empty
 * for 0, not a header's name for -ERANGE; a layout followed never has a
 * field beyond what the walker reads at once (nor at PH_NO_OFFSET) unless
 * the table had it so; and each fixture whole agrees with its own
 * version's table, and no longer once cut. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "offsets.h"

#define FIXTURE_MAX 1024
#define WHAT_MAX    64

static const char *const names[] = {"debug_offsets_3.13.0.bin", "debug_offsets_3.13.18.bin",
				    "debug_offsets_3.14.10.bin", "debug_offsets_3.15.2.bin"};

static struct fixture {
	uint8_t b[FIXTURE_MAX];
	size_t len;
	struct py_offsets off;
} fixtures[4];

static struct py_offsets no_slots; /* 3.12: no _Py_DebugOffsets */

static void load(struct fixture *fx, const char *name)
{
	const char *slash = strrchr(__FILE__, '/');
	char path[512];
	uint64_t hex;
	FILE *f;

	snprintf(path, sizeof(path), "%.*s/../unit/fixtures/%s",
		 slash ? (int)(slash - __FILE__) : 1, slash ? __FILE__ : ".", name);
	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "cannot open fixture %s (run from the source tree's root)\n", path);
		abort();
	}
	fx->len = fread(fx->b, 1, sizeof(fx->b), f);
	fclose(f);
	memcpy(&hex, fx->b + 8, sizeof(hex));
	if (fx->len < 24 || offsets__for_version((uint32_t)hex, 0, &fx->off))
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		load(&fixtures[i], names[i]);
	if (offsets__for_version(0x030c0000, 0, &no_slots))
		abort();
	return 0;
}

static bool is_header(const char *what)
{
	return !strcmp(what, "cookie") || !strcmp(what, "version") ||
	       !strcmp(what, "free_threaded") || !strcmp(what, "size");
}

/* A layout the walker can read: each window within its buffer, and the
 * fields read from a window inside it (the table's own values aside). */
static void check_within(const struct py_offsets *table, const struct py_offsets *o)
{
	if (o->tstate_size_read > PH_TSTATE_READ_MAX || o->frame_size_read > PH_FRAME_READ_MAX ||
	    o->code_size_read > PH_CODE_READ_MAX)
		abort();
#define IN(f, win, w)                                                                              \
	if (o->f != table->f && o->f != PH_NO_OFFSET && o->f + (w) > o->win)                       \
		abort();
	IN(tstate_next, tstate_size_read, 8)
	IN(tstate_thread_id, tstate_size_read, 8)
	IN(tstate_frame, tstate_size_read, 8)
	IN(tstate_datastack_chunk, tstate_size_read, 8)
	IN(frame_previous, frame_size_read, 8)
	IN(frame_code, frame_size_read, 8)
	IN(frame_instr, frame_size_read, 8)
	IN(frame_owner, frame_size_read, 1)
	IN(code_filename, code_size_read, 8)
	IN(code_linetable, code_size_read, 8)
	IN(code_firstlineno, code_size_read, 4)
#undef IN
	if (o->code_check + 16 > o->code_size_read || o->str_state + 4 > PH_STR_HDR_READ_MAX ||
	    o->str_length + 8 > PH_STR_HDR_READ_MAX || o->gil_locked + 4 > PH_GIL_READ_MAX ||
	    o->gil_last_holder + 8 > PH_GIL_READ_MAX)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct fixture *fx;
	const struct py_offsets *off;
	struct py_offsets got;
	char what[WHAT_MAX + 8];
	size_t len, whatlen, cut, i;
	bool pristine = true;
	uint8_t *buf;
	int r;

	if (size < 2)
		return 0;
	fx = &fixtures[data[0] & 3];
	off = data[0] & 4 ? &no_slots : &fx->off;
	whatlen = (data[0] >> 3) * 3; /* 0 .. 93: past WHAT_MAX too */
	if (whatlen > WHAT_MAX)
		whatlen = WHAT_MAX;
	len = size - 2 > fx->len ? size - 2 : fx->len;
	cut = data[1] < len ? data[1] : len;
	len -= cut;
	buf = malloc(len ? len : 1);
	if (!buf)
		abort();
	for (i = 0; i < len; i++) {
		uint8_t x = i + 2 < size ? data[i + 2] : 0;

		buf[i] = (i < fx->len ? fx->b[i] : 0) ^ x;
		pristine &= !x;
	}
	memset(what, 0x5a, sizeof(what));
	got = *off;
	r = offsets__from_debug(&got, buf, len, whatlen ? what : NULL, whatlen);
	if (r < 0 && r != -EBADMSG && r != -ERANGE && r != -ENOTSUP)
		abort();
	if (r > 0)
		check_within(off, &got);
	for (i = whatlen; i < sizeof(what); i++)
		if (what[i] != 0x5a)
			abort();
	if (whatlen) {
		if (!memchr(what, '\0', whatlen))
			abort();
		if (r == 0 ? what[0] != '\0' : whatlen > 1 && what[0] == '\0')
			abort();
		/* A field of the table, never the header, is what moved. */
		if (r == -ERANGE && whatlen == WHAT_MAX && is_header(what))
			abort();
	}
	if (pristine && off == &fx->off && len + cut == fx->len && r != (cut ? -EBADMSG : 0))
		abort();
	free(buf);
	return 0;
}
