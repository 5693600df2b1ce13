/* test_offsets.c: the generated per-version layouts, and layouts from _Py_DebugOffsets. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "offsets.h"

/* Fixtures sit next to this file: copies of real binaries'
 * _Py_DebugOffsets made by tools/extract-debug-offsets.sh --fixtures. */
static size_t load_fixture(const char *name, uint8_t *buf, size_t cap)
{
	char path[512];
	const char *slash = strrchr(__FILE__, '/');
	int dirlen = slash ? (int)(slash - __FILE__) : 1;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%.*s/fixtures/%s", dirlen, slash ? __FILE__ : ".", name);
	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "cannot open fixture %s (run from the source tree's root)\n", path);
		return 0;
	}
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

static struct py_offsets get(uint32_t hex)
{
	struct py_offsets o;

	memset(&o, 0xaa, sizeof(o));
	CHECK_INT(offsets__for_version(hex, 0, &o), 0);
	return o;
}

/* Values measured in cpython-internals.md (3.8 .. 3.14), and read from
 * the sid 3.15 headers for 3.15. */
static void test_known_values(void)
{
	struct py_offsets o;

	o = get(0x030812f0);
	CHECK_INT(o.version_hex, 0x03080000);
	CHECK_INT(o.frame_kind, PH_FRAME_OBJECT_BYTES);
	CHECK_INT(o.owner_skip_min, 0);
	CHECK_INT(o.runtime_interpreters_head, 32);
	CHECK_INT(o.interp_threads_head, 8);
	CHECK_INT(o.runtime_gil, 1152);
	CHECK_INT(o.interp_gil_ptr, PH_NO_OFFSET);
	CHECK_INT(o.gil_last_holder, 8);
	CHECK_INT(o.gil_locked, 16);
	CHECK_INT(o.tstate_frame, 24);
	CHECK_INT(o.tstate_thread_id, 176);
	CHECK_INT(o.tstate_native_thread_id, PH_NO_OFFSET);
	CHECK_INT(o.frame_previous, 24);
	CHECK_INT(o.frame_code, 32);
	CHECK_INT(o.frame_lasti, 104);
	CHECK_INT(o.frame_instr, PH_NO_OFFSET);
	CHECK_INT(o.frame_owner, PH_NO_OFFSET);
	CHECK_INT(o.code_firstlineno, 40);
	CHECK_INT(o.code_check, 104); /* co_filename, then co_name */
	CHECK_INT(o.code_filename, 104);
	CHECK_INT(o.code_name, 112);
	CHECK_INT(o.code_qualname, PH_NO_OFFSET);
	CHECK_INT(o.code_linetable, 120);
	CHECK_INT(o.str_ascii_size, 48);
	CHECK_INT(o.str_compact_size, 72);

	o = get(0x030912f0);
	CHECK_INT(o.frame_kind, PH_FRAME_OBJECT_BYTES);
	CHECK_INT(o.runtime_gil, 352);
	CHECK_INT(o.frame_lasti, 104);

	o = get(0x030a0df0);
	CHECK_INT(o.frame_kind, PH_FRAME_OBJECT_UNITS);
	CHECK_INT(o.frame_lasti, 96);
	CHECK_INT(o.runtime_gil, 352);
	CHECK_INT(o.code_linetable, 120);

	o = get(0x030b07f0);
	CHECK_INT(o.frame_kind, PH_IFRAME_PREV_INSTR);
	CHECK_INT(o.owner_skip_min, 0);
	CHECK_INT(o.runtime_interpreters_head, 40);
	CHECK_INT(o.interp_threads_head, 16);
	CHECK_INT(o.runtime_gil, 360);
	CHECK_INT(o.tstate_frame, 56);
	CHECK_INT(o.cframe_current_frame, 8);
	CHECK_INT(o.tstate_thread_id, 152);
	CHECK_INT(o.tstate_native_thread_id, 160);
	CHECK_INT(o.frame_code, 32);
	CHECK_INT(o.frame_previous, 48);
	CHECK_INT(o.frame_instr, 56);
	CHECK_INT(o.frame_owner, 69);
	CHECK_INT(o.code_firstlineno, 72);
	CHECK_INT(o.code_qualname, 128);
	CHECK_INT(o.code_adaptive, 184);
	CHECK_INT(o.str_ascii_size, 48);

	o = get(0x030c01f0);
	CHECK_INT(o.frame_kind, PH_IFRAME_PREV_INSTR);
	CHECK_INT(o.owner_skip_min, 3);
	CHECK_INT(o.exec_tag_bits, 0);
	CHECK_INT(o.interp_threads_head, 72);
	CHECK_INT(o.interp_gil_ptr, 384);
	CHECK_INT(o.runtime_gil, PH_NO_OFFSET);
	CHECK_INT(o.tstate_status, 24);
	CHECK_INT(o.cframe_current_frame, 0);
	CHECK_INT(o.tstate_thread_id, 136);
	CHECK_INT(o.tstate_native_thread_id, 144);
	CHECK_INT(o.frame_code, 0);
	CHECK_INT(o.frame_owner, 70);
	CHECK_INT(o.code_firstlineno, 68);
	CHECK_INT(o.code_adaptive, 192);
	CHECK_INT(o.str_ascii_size, 40);
	CHECK_INT(o.str_compact_size, 56);

	o = get(0x030d00f0);
	CHECK_INT(o.frame_kind, PH_IFRAME_INSTR_PTR);
	CHECK_INT(o.owner_skip_min, 3);
	CHECK_INT(o.exec_tag_bits, 0);
	CHECK_INT(o.runtime_interpreters_head, 632);
	CHECK_INT(o.interp_next, 7264);
	CHECK_INT(o.interp_threads_head, 7344);
	CHECK_INT(o.interp_gil_ptr, 16);
	CHECK_INT(o.tstate_frame, 72);
	CHECK_INT(o.cframe_current_frame, PH_NO_OFFSET);
	CHECK_INT(o.tstate_status, 32);
	CHECK_INT(o.tstate_status_holds_gil_mask, 0x20);
	CHECK_INT(o.tstate_holds_gil, PH_NO_OFFSET);
	CHECK_INT(o.frame_owner, 70);
	CHECK_INT(o.code_adaptive, 200);

	o = get(0x030e0af0);
	CHECK_INT(o.frame_kind, PH_IFRAME_INSTR_PTR);
	CHECK_INT(o.owner_skip_min, 3);
	CHECK_INT(o.exec_tag_bits, 3);
	CHECK_INT(o.runtime_interpreters_head, 808);
	CHECK_INT(o.interp_next, 7272);
	CHECK_INT(o.tstate_holds_gil, 36);
	CHECK_INT(o.tstate_status_holds_gil_mask, 0);
	CHECK_INT(o.frame_owner, 74);
	CHECK_INT(o.frame_size_read, 75);
	CHECK_INT(o.code_adaptive, 208);

	/* 3.15 (sid 3.15.2 headers): current_frame stays at 72, thread ids
	 * moved back 24 bytes behind base_frame/last_profiled_frame. */
	o = get(0x030f02f0);
	CHECK_INT(o.frame_kind, PH_IFRAME_INSTR_PTR);
	CHECK_INT(o.owner_skip_min, 3);
	CHECK_INT(o.exec_tag_bits, 3);
	CHECK_INT(o.runtime_interpreters_head, 936);
	CHECK_INT(o.interp_threads_head, 7336);
	CHECK_INT(o.tstate_frame, 72);
	CHECK_INT(o.tstate_thread_id, 176);
	CHECK_INT(o.tstate_native_thread_id, 184);
	CHECK_INT(o.tstate_holds_gil, 36);
	CHECK_INT(o.frame_owner, 74);
	CHECK_INT(o.code_adaptive, 208);

	/* Invariants of every table. */
	for (uint32_t minor = 8; minor <= 15; minor++) {
		o = get(0x03000000 | minor << 16);
		CHECK_INT(o.version_hex, 0x03000000 | minor << 16);
		CHECK_INT(o.tstate_next, 8);
		CHECK_INT(o.tstate_interp, 16);
		/* The check hashes the co_filename and co_name pointers. */
		CHECK_INT(o.code_check, o.code_filename);
		CHECK_INT(o.code_name, o.code_filename + 8);
		CHECK(o.code_size_read >= o.code_check + 16);
		CHECK(o.code_size_read >= o.code_linetable + 8);
		CHECK(o.tstate_size_read >= o.tstate_thread_id + 8);
		CHECK(o.frame_size_read > o.frame_previous);
		CHECK_INT(o.str_kind_shift, 2);
		CHECK_INT(o.str_kind_mask, 0x1c);
		CHECK_INT(o.str_compact_mask, 0x20);
		CHECK_INT(o.str_ascii_mask, 0x40);
		CHECK_INT(o.bytes_size, 16);
		CHECK_INT(o.bytes_sval, 32);
	}
}

static void test_refused(void)
{
	struct py_offsets o;
	char buf[16];

	/* Never the nearest version. */
	CHECK_INT(offsets__for_version(0x030710f0, 0, &o), -ENOTSUP);
	CHECK_INT(offsets__for_version(0x031000a1, 0, &o), -ENOTSUP);
	CHECK_INT(offsets__for_version(0x020712f0, 0, &o), -ENOTSUP);
	CHECK_INT(offsets__for_version(0x040d0000, 0, &o), -ENOTSUP);
	CHECK_INT(offsets__for_version(0, 0, &o), -ENOTSUP);
	CHECK_INT(offsets__for_version(0x030d00f0, 1, &o), -EOPNOTSUPP);
	CHECK_INT(offsets__for_version(0x030e0af0, 1, &o), -EOPNOTSUPP);

	CHECK_STR(offsets__version_str(0x030c01f0, buf, sizeof(buf)), "3.12");
	CHECK_STR(offsets__version_str(0x030f0000, buf, sizeof(buf)), "3.15");
}

static void put64(uint8_t *buf, size_t at, uint64_t v)
{
	memcpy(buf + at, &v, 8);
}

static uint64_t get64(const uint8_t *buf, size_t at)
{
	uint64_t v;

	memcpy(&v, buf + at, 8);
	return v;
}

/* Byte positions, in the real _Py_DebugOffsets, of a few fields: from
 * cpython-internals.md section 7 (3.13, 3.14) and the sid 3.15 header. */
struct layout {
	const char *fixture;
	uint32_t hex;
	size_t size;
	size_t thread_id;   /* thread_state.thread_id */
	size_t gil_locked;  /* interpreter_state.gil_runtime_state_locked */
	size_t frame_owner; /* interpreter_frame.owner */
};

static const struct layout layouts[] = {
	{ "debug_offsets_3.13.0.bin", 0x030d00f0, 584, 192, 136, 264 },
	{ "debug_offsets_3.13.18.bin", 0x030d12f0, 584, 192, 136, 264 },
	{ "debug_offsets_3.14.10.bin", 0x030e0af0, 760, 216, 144, 288 },
	{ "debug_offsets_3.15.2.bin", 0x030f02f0, 888, 240, 144, 352 },
};

/* offsets__from_debug on a copy of buf; *o gets the result. */
static int follow(struct py_offsets *o, uint32_t hex, const uint8_t *buf, size_t n, char *what,
		  size_t whatlen)
{
	*o = get(hex);
	return offsets__from_debug(o, buf, n, what, whatlen);
}

static int starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

extern const struct py_offsets offsets_table[], offsets_debug_slots[];
extern const size_t offsets_table_len;

static const struct py_offsets *slots_of(uint32_t hex)
{
	for (size_t i = 0; i < offsets_table_len; i++)
		if (offsets_table[i].version_hex >> 16 == hex >> 16)
			return &offsets_debug_slots[i];
	return NULL;
}

/* A struct grown by 8 bytes before the field in slot from: the size (in
 * size_slot) and the fields in slots from .. end-1 are 8 bytes on. */
static void grow(uint8_t *buf, uint32_t size_slot, uint32_t from, uint32_t end)
{
	put64(buf, 8 * size_slot, get64(buf, 8 * size_slot) + 8);
	for (uint32_t s = from; s < end; s++)
		put64(buf, 8 * s, get64(buf, 8 * s) + 8);
}

/* u16 fields of struct py_offsets a grown struct moves 8 bytes on. */
#define U16(f) offsetof(struct py_offsets, f)
static const size_t tstate_fields[] = {
    U16(tstate_next),  U16(tstate_thread_id), U16(tstate_native_thread_id),
    U16(tstate_frame), U16(tstate_status),    U16(tstate_datastack_chunk)};
static const size_t code_fields[] = {U16(code_filename), U16(code_name),      U16(code_check),
				     U16(code_qualname), U16(code_linetable), U16(code_firstlineno),
				     U16(code_size_read)};

static void check_moved(const struct py_offsets *o, const struct py_offsets *t,
			const size_t *fields, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint16_t got, was;

		memcpy(&got, (const char *)o + fields[i], 2);
		memcpy(&was, (const char *)t + fields[i], 2);
		CHECK_INT(got, was + 8);
	}
}

static void test_debug_offsets(const struct layout *l)
{
	uint8_t real[1024], bad[1024];
	const struct py_offsets *slots = slots_of(l->hex);
	struct py_offsets o, t;
	char what[160];
	size_t n;

	n = load_fixture(l->fixture, real, sizeof(real));
	CHECK_INT(n, l->size);
	CHECK(slots != NULL);
	if (n != l->size || !slots)
		return;
	CHECK_INT(get64(real, 8), l->hex);
	t = get(l->hex);

	/* The real bytes agree with the tables generated from headers: the
	 * layout is the table's, byte for byte. */
	CHECK_INT(follow(&o, l->hex, real, n, what, sizeof(what)), 0);
	CHECK_STR(what, "");
	CHECK(memcmp(&o, &t, sizeof(o)) == 0);
	CHECK_INT(follow(&o, l->hex, real, n, NULL, 0), 0);

	/* A patch release grew the thread state by 8 bytes after its first
	 * member: followed on every version, the debug offsets describing
	 * every field the walker reads in it; 3.14's holds_gil, which they do
	 * not describe and nothing reads, becomes unknown. */
	memcpy(bad, real, n);
	grow(bad, slots->tstate_size_read, slots->tstate_size_read + 2, slots->frame_size_read);
	CHECK_INT(follow(&o, l->hex, bad, n, what, sizeof(what)),
		  7 + (slots->tstate_holds_gil != 0));
	CHECK(starts(what, "thread_state.next "));
	check_moved(&o, &t, tstate_fields, sizeof(tstate_fields) / sizeof(tstate_fields[0]));
	CHECK(o.tstate_size_read >= o.tstate_datastack_chunk + 8);
	CHECK(o.tstate_size_read >= o.tstate_thread_id + 8);
	CHECK(o.tstate_size_read <= t.tstate_size_read + 8);
	CHECK_INT(o.tstate_holds_gil,
		  slots->tstate_holds_gil ? t.tstate_holds_gil + 8 : PH_NO_OFFSET);
	/* Nothing else moved. */
	CHECK_INT(o.frame_previous, t.frame_previous);
	CHECK_INT(o.code_filename, t.code_filename);
	CHECK_INT(o.interp_threads_head, t.interp_threads_head);

	/* The interpreter grew before its gc state: gc.collecting follows (the
	 * sum of two slots), nothing else moves. */
	memcpy(bad, real, n);
	put64(bad, 8 * (slots->gc_collecting & 0xffff),
	      get64(real, 8 * (slots->gc_collecting & 0xffff)) + 16);
	CHECK_INT(follow(&o, l->hex, bad, n, what, sizeof(what)), 1);
	CHECK_INT(o.gc_collecting, t.gc_collecting + 16);
	CHECK(starts(what, "interpreter_state.gc + gc.collecting "));

	/* The code object grown at its start: its fields, the check span and
	 * the read window follow. */
	memcpy(bad, real, n);
	grow(bad, slots->code_size_read, slots->code_filename, slots->code_adaptive + 1);
	CHECK(follow(&o, l->hex, bad, n, what, sizeof(what)) >= 5);
	check_moved(&o, &t, code_fields, sizeof(code_fields) / sizeof(code_fields[0]));
	CHECK_INT(o.tstate_next, t.tstate_next);

	/* One field moved within its struct: followed, named with its
	 * values. */
	memcpy(bad, real, n);
	put64(bad, l->frame_owner, get64(real, l->frame_owner) - 1);
	CHECK_INT(follow(&o, l->hex, bad, n, what, sizeof(what)), 1);
	CHECK_INT(o.frame_owner, t.frame_owner - 1);
	{
		char want[80];

		snprintf(want, sizeof(want), "interpreter_frame.owner %u -> %u", t.frame_owner,
			 t.frame_owner - 1);
		CHECK_STR(what, want);
	}

	/* Corrupt: a field beyond its struct, a struct of no size, code
	 * pointers the walker cannot hash together. */
	memcpy(bad, real, n);
	put64(bad, l->thread_id, 4096);
	CHECK_INT(follow(&o, l->hex, bad, n, what, sizeof(what)), -ERANGE);
	CHECK(starts(what, "thread_state.thread_id: 4096, beyond the "));

	memcpy(bad, real, n);
	put64(bad, 8 * slots->tstate_size_read, 0);
	CHECK_INT(follow(&o, l->hex, bad, n, what, sizeof(what)), -ERANGE);
	CHECK_STR(what, "thread_state: a size of 0 bytes");

	memcpy(bad, real, n);
	put64(bad, 8 * slots->frame_size_read, 1ull << 40);
	CHECK_INT(follow(&o, l->hex, bad, n, what, sizeof(what)), -ERANGE);
	CHECK(starts(what, "interpreter_frame: a size of "));

	memcpy(bad, real, n);
	put64(bad, 8 * slots->code_name, get64(real, 8 * slots->code_name) + 16);
	CHECK_INT(follow(&o, l->hex, bad, n, what, sizeof(what)), -ENOTSUP);
	CHECK_STR(what, "code_object.name: not next to code_object.filename");

	/* The GIL fields are relative to the embedded GIL, and within the 32
	 * bytes the walker reads of it. */
	memcpy(bad, real, n);
	put64(bad, l->gil_locked, 0);
	CHECK_INT(follow(&o, l->hex, bad, n, what, sizeof(what)), -ERANGE);
	CHECK(starts(what, "interpreter_state.gil_runtime_state_locked: before the GIL"));
	memcpy(bad, real, n);
	put64(bad, l->gil_locked, get64(real, l->gil_locked) + 30);
	CHECK_INT(follow(&o, l->hex, bad, n, what, sizeof(what)), -ERANGE);
	CHECK(starts(what, "interpreter_state.gil_runtime_state_locked: "));
	CHECK(strstr(what, "beyond the 32 bytes") != NULL);

	/* Debug offsets whose own layout is not the one pyhawk knows: a slot
	 * with a value every build shares says otherwise. */
	memcpy(bad, real, n);
	put64(bad, 8 * slots->bytes_sval, 40);
	CHECK_INT(follow(&o, l->hex, bad, n, what, sizeof(what)), -EBADMSG);
	CHECK_STR(what, "bytes_object.ob_sval: 40, where every build has 32");

	/* A str header that would not hold its length and state. */
	memcpy(bad, real, n);
	put64(bad, 8 * slots->str_state, get64(real, 8 * slots->str_state) + 64);
	CHECK(follow(&o, l->hex, bad, n, what, sizeof(what)) < 0);

	/* The table is wrong instead of the process: the process wins. */
	o = t;
	o.code_qualname += 8;
	CHECK_INT(offsets__from_debug(&o, real, n, what, sizeof(what)), 1);
	CHECK_INT(o.code_qualname, t.code_qualname);

	/* Not debug offsets at all, or not this version's. */
	memcpy(bad, real, n);
	bad[0] = 'X';
	CHECK_INT(follow(&o, l->hex, bad, n, what, sizeof(what)), -EBADMSG);
	CHECK_STR(what, "cookie");

	memcpy(bad, real, n);
	put64(bad, 8, l->hex + 0x00010000);
	CHECK_INT(follow(&o, l->hex, bad, n, what, sizeof(what)), -EBADMSG);
	CHECK_STR(what, "version");

	memcpy(bad, real, n);
	put64(bad, 16, 1);
	CHECK_INT(follow(&o, l->hex, bad, n, what, sizeof(what)), -EBADMSG);
	CHECK_STR(what, "free_threaded");

	CHECK_INT(follow(&o, l->hex, real, n - 8, what, sizeof(what)), -EBADMSG);
	CHECK_STR(what, "size");
	CHECK_INT(follow(&o, l->hex, real, 16, what, sizeof(what)), -EBADMSG);
	CHECK_INT(follow(&o, l->hex, real, 0, what, sizeof(what)), -EBADMSG);

	/* A 3.12 table has no debug offsets to follow. */
	CHECK_INT(follow(&o, 0x030c01f0, real, n, what, sizeof(what)), -EBADMSG);
}

static void test_debug_cross_minor(void)
{
	uint8_t b13[1024], b14[1024];
	size_t n13 = load_fixture("debug_offsets_3.13.0.bin", b13, sizeof(b13));
	size_t n14 = load_fixture("debug_offsets_3.14.10.bin", b14, sizeof(b14));
	struct py_offsets o;
	char what[160];

	/* Each minor's bytes are refused by the other's table. */
	CHECK_INT(follow(&o, 0x030d0000, b14, n14, what, sizeof(what)), -EBADMSG);
	CHECK_INT(follow(&o, 0x030e0000, b13, n13, what, sizeof(what)), -EBADMSG);
	/* 3.14 bytes relabelled as 3.13: the 3.13 slot layout reads other
	 * fields, which must not pass. */
	put64(b14, 8, 0x030d00f0);
	CHECK(follow(&o, 0x030d0000, b14, n14, what, sizeof(what)) < 0);
}

int main(void)
{
	test_known_values();
	test_refused();
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
		test_debug_offsets(&layouts[i]);
	test_debug_cross_minor();
	return check_report("offsets");
}
