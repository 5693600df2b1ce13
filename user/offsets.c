/* offsets.c: CPython struct layouts by version, and from a process's own _Py_DebugOffsets (3.13+).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
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

/* The structs the walker reads fields of (the GIL: the 32 bytes it reads
 * of it). A struct whose described fields moved cannot vouch for its
 * fields the debug offsets do not describe. */
enum section {
	SEC_RUNTIME,
	SEC_INTERP,
	SEC_GIL,
	SEC_TSTATE,
	SEC_FRAME,
	SEC_CODE,
	SEC_STR,
	SEC_BYTES,
	SEC_N
};

/* The most a section's offsets may be, beyond its own size where the debug
 * offsets give one: the walker's buffers, or a sanity bound (the runtime
 * and interpreter are read field by field). */
static const uint32_t section_max[SEC_N] = {
    [SEC_RUNTIME] = 1u << 24,	     [SEC_INTERP] = 1u << 24,
    [SEC_GIL] = PH_GIL_READ_MAX,     [SEC_TSTATE] = PH_TSTATE_READ_MAX,
    [SEC_FRAME] = PH_FRAME_READ_MAX, [SEC_CODE] = 1u << 16,
    [SEC_STR] = PH_STR_HDR_READ_MAX, [SEC_BYTES] = PH_STR_HDR_READ_MAX,
};

/* The debug offsets' largest struct size believed (a sanity bound). */
#define DEBUG_SIZE_MAX (1u << 16)
/* gc.collecting within the interpreter's gc state (a sanity bound). */
#define GC_STATE_MAX 4096

/* field.flags */
#define F_GIL_RELATIVE 1 /* debug value relative to the interpreter, the table's to the GIL */
#define F_WINDOWED     2 /* read from its struct's *_size_read window, which must cover it */
#define F_UNREAD       4 /* no walker reads it: left unknown when its struct moved */
#define F_SUM2	       8 /* two slots whose values add up to it (16 bits each) */

/* A field of struct py_offsets and what the walker reads there: name is
 * CPython's own (as in _Py_DebugOffsets), for messages; width the bytes
 * read at it (0: a position, nothing read); abi: the value every 64-bit
 * build has had (0: none), which the debug offsets must say too, or their
 * own layout is not the one pyhawk knows. */
struct field {
	const char *name;
	unsigned short off;
	unsigned char size;
	unsigned char section;
	unsigned char width;
	unsigned char flags;
	unsigned char abi;
};

#define FIELD(f, dbg, sec, w, fl, abi)                                                             \
	{                                                                                          \
		dbg, offsetof(struct py_offsets, f), sizeof(((struct py_offsets *)0)->f), sec, w,  \
		    fl, abi                                                                        \
	}

static const struct field fields[] = {
    FIELD(runtime_interpreters_head, "runtime_state.interpreters_head", SEC_RUNTIME, 8, 0, 0),
    FIELD(interp_next, "interpreter_state.next", SEC_INTERP, 8, 0, 0),
    FIELD(interp_threads_head, "interpreter_state.threads_head", SEC_INTERP, 8, 0, 0),
    FIELD(interp_gil_ptr, "interpreter_state.ceval_gil", SEC_INTERP, 8, 0, 0),
    FIELD(gc_collecting, "interpreter_state.gc + gc.collecting", SEC_INTERP, 4, F_SUM2, 0),
    FIELD(gil_locked, "interpreter_state.gil_runtime_state_locked", SEC_GIL, 4, F_GIL_RELATIVE, 0),
    FIELD(gil_last_holder, "interpreter_state.gil_runtime_state_holder", SEC_GIL, 8, F_GIL_RELATIVE,
	  0),
    FIELD(tstate_next, "thread_state.next", SEC_TSTATE, 8, F_WINDOWED, 0),
    FIELD(tstate_interp, "thread_state.interp", SEC_TSTATE, 8, F_WINDOWED, 0),
    FIELD(tstate_frame, "thread_state.current_frame", SEC_TSTATE, 8, F_WINDOWED, 0),
    FIELD(cframe_current_frame, "thread_state.cframe", SEC_TSTATE, 8, F_WINDOWED, 0),
    FIELD(tstate_thread_id, "thread_state.thread_id", SEC_TSTATE, 8, F_WINDOWED, 0),
    FIELD(tstate_native_thread_id, "thread_state.native_thread_id", SEC_TSTATE, 8, F_UNREAD, 0),
    FIELD(tstate_holds_gil, "thread_state.holds_gil", SEC_TSTATE, 4, F_UNREAD, 0),
    FIELD(tstate_status, "thread_state.status", SEC_TSTATE, 4, F_UNREAD, 0),
    FIELD(tstate_datastack_chunk, "thread_state.datastack_chunk", SEC_TSTATE, 8, F_WINDOWED, 0),
    FIELD(frame_previous, "interpreter_frame.previous", SEC_FRAME, 8, F_WINDOWED, 0),
    FIELD(frame_code, "interpreter_frame.executable", SEC_FRAME, 8, F_WINDOWED, 0),
    FIELD(frame_lasti, "interpreter_frame.lasti", SEC_FRAME, 4, F_WINDOWED, 0),
    FIELD(frame_instr, "interpreter_frame.instr_ptr", SEC_FRAME, 8, F_WINDOWED, 0),
    FIELD(frame_owner, "interpreter_frame.owner", SEC_FRAME, 1, F_WINDOWED, 0),
    FIELD(code_filename, "code_object.filename", SEC_CODE, 8, F_WINDOWED, 0),
    FIELD(code_name, "code_object.name", SEC_CODE, 8, F_WINDOWED, 0),
    FIELD(code_qualname, "code_object.qualname", SEC_CODE, 8, F_WINDOWED, 0),
    FIELD(code_linetable, "code_object.linetable", SEC_CODE, 8, F_WINDOWED, 0),
    FIELD(code_firstlineno, "code_object.firstlineno", SEC_CODE, 4, F_WINDOWED, 0),
    FIELD(code_adaptive, "code_object.co_code_adaptive", SEC_CODE, 0, 0, 0),
    FIELD(str_length, "unicode_object.length", SEC_STR, 8, 0, 16),
    FIELD(str_state, "unicode_object.state", SEC_STR, 4, 0, 0),
    FIELD(str_ascii_size, "unicode_object.asciiobject_size", SEC_STR, 0, 0, 0),
    FIELD(str_compact_size, "unicode_object.compactunicodeobject_size", SEC_STR, 0, 0, 0),
    FIELD(bytes_size, "bytes_object.ob_size", SEC_BYTES, 8, 0, 16),
    FIELD(bytes_sval, "bytes_object.ob_sval", SEC_BYTES, 0, 0, 32),
};

#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

/* The *_size_read field of a section, whose debug slot is the slot of the
 * struct's own size (tools/offsets_dump.c), or 0. */
static size_t window_of(enum section sec)
{
	switch (sec) {
	case SEC_TSTATE:
		return offsetof(struct py_offsets, tstate_size_read);
	case SEC_FRAME:
		return offsetof(struct py_offsets, frame_size_read);
	case SEC_CODE:
		return offsetof(struct py_offsets, code_size_read);
	default:
		return 0;
	}
}

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

static void field_set(struct py_offsets *o, size_t off, size_t size, uint32_t v)
{
	unsigned char *p = (unsigned char *)o + off;
	uint16_t v16 = v;

	if (size == 2)
		memcpy(p, &v16, 2);
	else
		memcpy(p, &v, 4);
}

static uint64_t slot_get(const uint8_t *buf, uint32_t slot)
{
	uint64_t v;

	memcpy(&v, buf + 8 * (size_t)slot, 8);
	return v;
}

static int fail(char *what, size_t whatlen, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(char *what, size_t whatlen, int err, const char *fmt, ...)
{
	va_list ap;

	if (what && whatlen) {
		va_start(ap, fmt);
		vsnprintf(what, whatlen, fmt, ap);
		va_end(ap);
	}
	return err;
}

/* _Py_DebugOffsets starts with the cookie, PY_VERSION_HEX and the
 * free-threaded flag (slots 0, 1, 2) in every version that has it. */
#define DBG_SLOT_VERSION 1
#define DBG_SLOT_FREE_THREADED 2

/* The header's checks: the slot table of the version, or NULL (what says
 * why). */
static const struct py_offsets *debug_slots(const struct py_offsets *off, const uint8_t *buf,
					    size_t len, char *what, size_t whatlen)
{
	const struct py_offsets *slots;
	size_t idx;

	if (len < 3 * 8 || memcmp(buf, "xdebugpy", 8) != 0)
		return fail(what, whatlen, 0, "cookie"), NULL;
	if (MINOR_KEY(slot_get(buf, DBG_SLOT_VERSION)) != MINOR_KEY(off->version_hex) ||
	    !table_for(off->version_hex, &idx))
		return fail(what, whatlen, 0, "version"), NULL;
	if (slot_get(buf, DBG_SLOT_FREE_THREADED) != 0)
		return fail(what, whatlen, 0, "free_threaded"), NULL;
	slots = &offsets_debug_slots[idx];
	/* No _Py_DebugOffsets layout known for this minor (before 3.13), or
	 * a buffer too short for it. */
	if (slots->version_hex == 0 || len < 8 * (size_t)slots->version_hex)
		return fail(what, whatlen, 0, "size"), NULL;
	return slots;
}

/* The value of field f in the debug offsets: 0 and *v, or -ERANGE. */
static int debug_value(const struct field *f, const struct py_offsets *slots, const uint8_t *buf,
		       const uint64_t *sec_size, uint64_t *v, char *what, size_t whatlen)
{
	uint32_t slot = field_get(slots, f->off, f->size), nslots = slots->version_hex;
	uint64_t got, limit = section_max[f->section];

	if (f->flags & F_SUM2) {
		uint32_t first = slot & 0xffff, second = slot >> 16;
		uint64_t part;

		if (!first || first >= nslots || !second || second >= nslots)
			return fail(what, whatlen, -EBADMSG, "%s", f->name);
		got = slot_get(buf, first);
		part = slot_get(buf, second);
		if (got > limit || part > GC_STATE_MAX)
			return fail(what, whatlen, -ERANGE, "%s: %llu + %llu, out of bounds",
				    f->name, (unsigned long long)got, (unsigned long long)part);
		got += part;
	} else {
		if (slot >= nslots) /* a generated table inconsistent with itself */
			return fail(what, whatlen, -EBADMSG, "%s", f->name);
		got = slot_get(buf, slot);
	}
	if (f->flags & F_GIL_RELATIVE) {
		uint64_t base = slots->runtime_gil && slots->runtime_gil < nslots
				    ? slot_get(buf, slots->runtime_gil)
				    : UINT64_MAX;

		if (got < base || base > section_max[SEC_INTERP])
			return fail(what, whatlen, -ERANGE, "%s: before the GIL it is in", f->name);
		got -= base;
	}
	if (f->abi && got != f->abi)
		return fail(what, whatlen, -EBADMSG, "%s: %llu, where every build has %u", f->name,
			    (unsigned long long)got, f->abi);
	if (sec_size[f->section] && sec_size[f->section] < limit)
		limit = sec_size[f->section];
	if (got > limit || f->width > limit - got || got >= PH_NO_OFFSET)
		return fail(what, whatlen, -ERANGE, "%s: %llu, beyond the %llu bytes it is in",
			    f->name, (unsigned long long)got, (unsigned long long)limit);
	*v = got;
	return 0;
}

int offsets__from_debug(struct py_offsets *off, const uint8_t *buf, size_t len, char *what,
			size_t whatlen)
{
	const struct py_offsets table = *off, *slots;
	uint64_t sec_size[SEC_N] = {0};
	bool changed[SEC_N] = {false};
	uint32_t span[SEC_N] = {0};
	int differ = 0, err;
	size_t n = 0;

	if (what && whatlen)
		what[0] = '\0';
	slots = debug_slots(off, buf, len, what, whatlen);
	if (!slots)
		return -EBADMSG;
	for (int sec = 0; sec < SEC_N; sec++) {
		size_t w = window_of(sec);
		uint32_t slot = w ? field_get(slots, w, 2) : 0;

		if (!slot)
			continue;
		if (slot >= slots->version_hex)
			return fail(what, whatlen, -EBADMSG, "size");
		sec_size[sec] = slot_get(buf, slot);
		if (sec_size[sec] == 0 || sec_size[sec] > DEBUG_SIZE_MAX)
			return fail(what, whatlen, -ERANGE, "%s: a size of %llu bytes",
				    sec == SEC_TSTATE  ? "thread_state"
				    : sec == SEC_FRAME ? "interpreter_frame"
						       : "code_object",
				    (unsigned long long)sec_size[sec]);
	}
	/* Every field the debug offsets describe, from them. */
	for (size_t i = 0; i < NFIELDS; i++) {
		const struct field *f = &fields[i];
		uint64_t v = 0;

		if (!field_get(slots, f->off, f->size))
			continue;
		err = debug_value(f, slots, buf, sec_size, &v, what, whatlen);
		if (err)
			return err;
		if (v != field_get(&table, f->off, f->size)) {
			changed[f->section] = true;
			differ++;
			if (what && whatlen && n < whatlen)
				n += snprintf(what + n, whatlen - n, "%s%s %u -> %llu",
					      differ > 1 ? ", " : "", f->name,
					      field_get(&table, f->off, f->size),
					      (unsigned long long)v);
		}
		field_set(off, f->off, f->size, (uint32_t)v);
	}
	if (!differ)
		return 0;
	/* A struct whose layout moved: the table cannot vouch for its fields
	 * the debug offsets do not describe, and its read window follows the
	 * fields. */
	for (size_t i = 0; i < NFIELDS; i++) {
		const struct field *f = &fields[i];
		uint32_t v = field_get(off, f->off, f->size);

		if (!changed[f->section] || v == PH_NO_OFFSET)
			continue;
		if (!field_get(slots, f->off, f->size)) {
			if (f->flags & F_UNREAD) {
				field_set(off, f->off, f->size, PH_NO_OFFSET);
				continue;
			}
			return fail(what, whatlen, -ENOTSUP,
				    "%s: not in its _Py_DebugOffsets, and its struct differs from "
				    "pyhawk's table",
				    f->name);
		}
		if ((f->flags & F_WINDOWED) && v + f->width > span[f->section])
			span[f->section] = v + f->width;
	}
	if (changed[SEC_STR]) {
		/* The walker reads a str's length and state from its header,
		 * str_compact_size bytes (and the data of an ASCII one starts
		 * at str_ascii_size). */
		uint32_t hdr = off->str_ascii_size < off->str_compact_size ? off->str_ascii_size
									   : off->str_compact_size;

		if ((uint32_t)off->str_length + 8 > hdr || (uint32_t)off->str_state + 4 > hdr)
			return fail(
			    what, whatlen, -ERANGE,
			    "unicode_object: length and state not within its %u-byte header", hdr);
	}
	if (changed[SEC_CODE]) {
		/* The walker hashes the two adjacent pointers co_filename and
		 * co_name into a frame's check value. */
		if ((uint32_t)off->code_name != (uint32_t)off->code_filename + 8)
			return fail(what, whatlen, -ENOTSUP,
				    "code_object.name: not next to code_object.filename");
		off->code_check = off->code_filename;
		if ((uint32_t)off->code_check + 16 > span[SEC_CODE])
			span[SEC_CODE] = off->code_check + 16;
	}
	for (int sec = 0; sec < SEC_N; sec++) {
		size_t w = window_of(sec);
		uint32_t have = w ? field_get(&table, w, 2) : 0;

		if (!w || !changed[sec])
			continue;
		if (span[sec] > (sec == SEC_CODE ? PH_CODE_READ_MAX : section_max[sec]))
			return fail(what, whatlen, -ERANGE,
				    "%s: its fields span %u bytes, more than pyhawk reads",
				    sec == SEC_TSTATE  ? "thread_state"
				    : sec == SEC_FRAME ? "interpreter_frame"
						       : "code_object",
				    span[sec]);
		field_set(off, w, 2, span[sec] > have ? span[sec] : have);
	}
	return differ;
}
