/* offsets.c: CPython struct layouts by version, cross-checked with a process's _Py_DebugOffsets. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "offsets.h"

/* Generated from each CPython's own headers by tools/gen-offsets.sh
 * (user/offsets_table.c), one entry per minor version. offsets_debug_slots
 * is parallel to offsets_table: the _Py_DebugOffsets u64 slot describing
 * each field (3.13+), its size in slots in version_hex. */
extern const struct py_offsets offsets_table[];
extern const struct py_offsets offsets_debug_slots[];
extern const size_t offsets_table_len;
/* The object layouts of the same versions (its own length: the two tables
 * are looked up by version, never by index). */
extern const struct py_obj_offsets offsets_obj_table[];
extern const size_t offsets_obj_table_len;

_Static_assert(sizeof(struct py_obj_offsets) % 8 == 0, "py_obj_offsets has explicit padding");

#define MINOR_KEY(hex) ((hex) >> 16)

static const struct py_offsets *table_for(uint32_t version_hex, size_t *idx)
{
	for (size_t i = 0; i < offsets_table_len; i++) {
		if (MINOR_KEY(offsets_table[i].version_hex) == MINOR_KEY(version_hex)) {
			if (idx)
				*idx = i;
			return &offsets_table[i];
		}
	}
	return NULL;
}

int offsets__for_version(uint32_t version_hex, int free_threaded, struct py_offsets *out)
{
	const struct py_offsets *t;

	/* Free-threaded builds move every object field and run several
	 * threads at once: a different walker, not a different table. */
	if (free_threaded)
		return -EOPNOTSUPP;
	/* Exact minor only: a neighbour's layout would walk garbage. */
	t = table_for(version_hex, NULL);
	if (!t)
		return -ENOTSUP;
	*out = *t;
	return 0;
}

int offsets__obj_for_version(uint32_t version_hex, int free_threaded, struct py_obj_offsets *out)
{
	if (free_threaded)
		return -EOPNOTSUPP;
	for (size_t i = 0; i < offsets_obj_table_len; i++) {
		if (MINOR_KEY(offsets_obj_table[i].version_hex) == MINOR_KEY(version_hex)) {
			*out = offsets_obj_table[i];
			return 0;
		}
	}
	return -ENOTSUP;
}

const char *offsets__version_str(uint32_t version_hex, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u", version_hex >> 24, (version_hex >> 16) & 0xff);
	return buf;
}

/* The fields _Py_DebugOffsets can vouch for. Which slot describes each,
 * per minor version, is data (offsets_debug_slots), not code. */
struct field {
	const char *name;
	unsigned short off;
	unsigned char size;
	unsigned char gil_relative; /* debug value is relative to the interpreter */
};

#define F(f) { #f, offsetof(struct py_offsets, f), sizeof(((struct py_offsets *)0)->f), 0 }
#define F_GIL(f) { #f, offsetof(struct py_offsets, f), sizeof(((struct py_offsets *)0)->f), 1 }

static const struct field debug_fields[] = {
	F(runtime_interpreters_head),
	F(interp_next),
	F(interp_threads_head),
	F(interp_gil_ptr),
	/* The debug offsets give the main interpreter's embedded _gil
	 * fields from the interpreter's start; the table has them inside
	 * struct _gil_runtime_state. Compared as differences from
	 * interpreter_state.gil_runtime_state. */
	F_GIL(gil_locked),
	F_GIL(gil_last_holder),
	F(tstate_next),
	F(tstate_interp),
	F(tstate_frame),
	F(tstate_thread_id),
	F(tstate_native_thread_id),
	F(tstate_holds_gil),
	F(tstate_status),
	F(frame_previous),
	F(frame_code),
	F(frame_instr),
	F(frame_owner),
	F(tstate_datastack_chunk),
	F(code_filename),
	F(code_name),
	F(code_qualname),
	F(code_linetable),
	F(code_firstlineno),
	F(code_adaptive),
	F(str_length),
	F(str_state),
	F(str_ascii_size),
	F(str_compact_size),
	F(bytes_size),
	F(bytes_sval),
};

static uint32_t field_get(const struct py_offsets *o, size_t off, size_t size)
{
	const unsigned char *p = (const unsigned char *)o + off;
	uint32_t v32;
	uint16_t v16;

	switch (size) {
	case 1:
		return *p;
	case 2:
		memcpy(&v16, p, 2);
		return v16;
	default:
		memcpy(&v32, p, 4);
		return v32;
	}
}

static uint64_t slot_get(const uint8_t *buf, uint32_t slot)
{
	uint64_t v;

	memcpy(&v, buf + 8 * (size_t)slot, 8);
	return v;
}

static void set_what(char *what, size_t whatlen, const char *s)
{
	if (what && whatlen)
		snprintf(what, whatlen, "%s", s);
}

/* _Py_DebugOffsets starts with the cookie, PY_VERSION_HEX and the
 * free-threaded flag (slots 0, 1, 2) in every version that has it. */
#define DBG_SLOT_VERSION 1
#define DBG_SLOT_FREE_THREADED 2

int offsets__check_debug(const struct py_offsets *off, const uint8_t *buf, size_t len,
			 char *what, size_t whatlen)
{
	const struct py_offsets *slots;
	uint32_t nslots;
	uint64_t gil_base = 0;
	size_t idx;

	set_what(what, whatlen, "");
	if (len < 3 * 8 || memcmp(buf, "xdebugpy", 8) != 0) {
		set_what(what, whatlen, "cookie");
		return -EBADMSG;
	}
	if (MINOR_KEY(slot_get(buf, DBG_SLOT_VERSION)) != MINOR_KEY(off->version_hex) ||
	    !table_for(off->version_hex, &idx)) {
		set_what(what, whatlen, "version");
		return -EBADMSG;
	}
	if (slot_get(buf, DBG_SLOT_FREE_THREADED) != 0) {
		set_what(what, whatlen, "free_threaded");
		return -EBADMSG;
	}
	slots = &offsets_debug_slots[idx];
	nslots = slots->version_hex;
	/* No _Py_DebugOffsets layout known for this minor (before 3.13), or
	 * a buffer too short for it. */
	if (nslots == 0 || len < 8 * (size_t)nslots) {
		set_what(what, whatlen, "size");
		return -EBADMSG;
	}
	if (slots->runtime_gil && slots->runtime_gil < nslots)
		gil_base = slot_get(buf, slots->runtime_gil);

	for (size_t i = 0; i < sizeof(debug_fields) / sizeof(debug_fields[0]); i++) {
		const struct field *f = &debug_fields[i];
		uint32_t slot = field_get(slots, f->off, f->size);
		uint64_t got, want;

		if (slot == 0)
			continue;
		if (slot >= nslots) {
			/* A generated table inconsistent with itself. */
			set_what(what, whatlen, f->name);
			return -EBADMSG;
		}
		got = slot_get(buf, slot);
		if (f->gil_relative) {
			if (!slots->runtime_gil || got < gil_base) {
				set_what(what, whatlen, f->name);
				return -ERANGE;
			}
			got -= gil_base;
		}
		want = field_get(off, f->off, f->size);
		if (got != want) {
			set_what(what, whatlen, f->name);
			return -ERANGE;
		}
	}
	return 0;
}
