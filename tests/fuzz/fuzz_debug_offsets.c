/* fuzz_debug_offsets.c: libFuzzer target: a process's _Py_DebugOffsets (read from its ELF file,
 * so the target's bytes) against pyhawk's tables, by offsets__check_debug.
 *
 * The first byte picks a real _Py_DebugOffsets (the unit tests' fixtures:
 * 3.13.0, 3.13.18, 3.14.10, 3.15.2; run from the source tree's root), the
 * table to check it against (its version's, or 3.12's that has none) and
 * the size of the answer's buffer; the second how much of it is cut off;
 * the rest is XORed onto it. Checked beyond "no crash": nothing is read
 * past the length given (the bytes are in a buffer of exactly that size);
 * the result is 0, -EBADMSG or -ERANGE; the name of what disagrees is
 * NUL-terminated within its buffer and nothing is written past it, empty
 * for 0, a field's name for -ERANGE; and each fixture whole agrees with
 * its own version's table, and no longer once cut. */
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct fixture *fx;
	const struct py_offsets *off;
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
	r = offsets__check_debug(off, buf, len, whatlen ? what : NULL, whatlen);
	if (r != 0 && r != -EBADMSG && r != -ERANGE)
		abort();
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
