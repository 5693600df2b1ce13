/* offsets_dump.c: prints struct py_offsets for the CPython whose headers it is compiled against.
 *
 * Built once per header set by tools/gen-offsets.sh:
 *   gcc -DPy_BUILD_CORE=1 -I<prefix>/include/python3.X [-I/usr/include] \
 *       -Ibpf tools/offsets_dump.c
 * Every number comes from offsetof/sizeof/enum constants of that version's
 * own headers (DESIGN decision 2); nothing here is a typed-in offset. The
 * only hand-written knowledge is which field plays which role in which
 * version (the walker's semantics), keyed on PY_VERSION_HEX.
 *
 *   offsets_dump table   designated initializers of struct py_offsets
 *   offsets_dump debug   (3.13+) the same struct filled with the u64 slot
 *                        index in _Py_DebugOffsets that describes each
 *                        field, 0 for none (slot 0 is the cookie)
 *   offsets_dump obj     designated initializers of struct py_obj_offsets
 *                        (user/pyobj_offsets.h: user-space object layouts)
 *   offsets_dump version PY_VERSION of the headers
 */
#ifndef Py_BUILD_CORE
#define Py_BUILD_CORE 1
#endif
#include <Python.h>

#ifdef Py_GIL_DISABLED
#error "free-threaded CPython builds are not supported by pyhawk"
#endif
#if PY_VERSION_HEX < 0x03080000
#error "CPython older than 3.8 is not supported by pyhawk"
#endif

#if PY_VERSION_HEX < 0x030b0000
/* Python.h only includes frameobject.h itself from 3.11 on. */
#include <frameobject.h>
#endif
#if PY_VERSION_HEX >= 0x03090000
#include "internal/pycore_runtime.h"
#include "internal/pycore_interp.h"
#endif
#include "internal/pycore_pystate.h"
#include "internal/pycore_gil.h"
#if PY_VERSION_HEX >= 0x030b0000
#include "internal/pycore_code.h"
#include "internal/pycore_frame.h"
#endif
#if PY_VERSION_HEX >= 0x030d0000
#include "internal/pycore_tstate.h"
#endif
#if PY_VERSION_HEX >= 0x030e0000
#include "internal/pycore_interpframe.h"
#include "internal/pycore_debug_offsets.h"
#include "internal/pycore_stackref.h"
#endif
#if PY_VERSION_HEX >= 0x030b0000
#include "internal/pycore_object.h"
#include "internal/pycore_dict.h"
#endif
#if PY_VERSION_HEX >= 0x030c0000
#include "internal/pycore_long.h"
#endif

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyhawk.h"
/* User-space only, so not on the -Ibpf path: found next to this file. */
#include "../user/pyobj_offsets.h"

/* 3.14 only names the frame struct by its tag. */
typedef struct _PyInterpreterFrame ph_iframe;

#if PY_VERSION_HEX < 0x030b0000
/* 3.8-3.10 define the dict keys object and its entries in
 * Objects/dict-common.h, which is not installed: its fields as that file
 * declares them (the same from 3.6 to 3.10). PyDictKeysObject is the
 * installed typedef of this tag. tests/unit/test_pythreads.c walks live
 * dicts of every version with the numbers taken from here. */
typedef struct {
	Py_hash_t me_hash;
	PyObject *me_key;
	PyObject *me_value;
} PyDictKeyEntry;

struct _dictkeysobject {
	Py_ssize_t dk_refcnt;
	Py_ssize_t dk_size;
	void *dk_lookup; /* dict_lookup_func */
	Py_ssize_t dk_usable;
	Py_ssize_t dk_nentries;
	char dk_indices[];
};
#endif

#define MINOR_IS(x) (PY_VERSION_HEX >> 16 == (0x0300 | (x)))
#define MINOR_AT_LEAST(x) (PY_VERSION_HEX >= (0x03000000 | ((x) << 16)))

/* Which bytes of struct py_offsets have been printed: a field added to
 * pyhawk.h and forgotten here fails the run instead of silently staying 0. */
static unsigned char covered[sizeof(struct py_offsets)];
/* The same for struct py_obj_offsets; cov points at the one being printed. */
static unsigned char covered_obj[sizeof(struct py_obj_offsets)];
static unsigned char *cov = covered;
/* What an absent offset is printed as, in the struct being printed. */
static const char *no_offset = "PH_NO_OFFSET";

static void cover(size_t off, size_t size, const char *name)
{
	for (size_t i = off; i < off + size; i++) {
		if (cov[i]) {
			fprintf(stderr, "offsets_dump: %s printed twice\n", name);
			exit(1);
		}
		cov[i] = 1;
	}
}

/* How put() prints a value. */
enum fmt { DEC, HEX, VERSION };

/* Prints one field, checking that the value fits its width (and, for
 * offsets, that it does not collide with PH_NO_OFFSET). sym, when set, is
 * printed instead of the number (a constant of pyhawk.h). */
static void put(size_t off, size_t size, const char *name, unsigned long long v, enum fmt fmt,
		const char *sym)
{
	unsigned long long max = size >= 4 ? 0xffffffffull : (1ull << (8 * size)) - 1;

	cover(off, size, name);
	if (v >= max || (size == 2 && v >= PH_NO_OFFSET)) {
		fprintf(stderr, "offsets_dump: %s = %llu does not fit %zu bytes\n", name, v, size);
		exit(1);
	}
	if (sym)
		printf("\t\t.%s = %s,\n", name, sym);
	else if (fmt == VERSION)
		printf("\t\t.%s = 0x%08llx,\n", name, v);
	else if (fmt == HEX)
		printf("\t\t.%s = 0x%llx,\n", name, v);
	else
		printf("\t\t.%s = %llu,\n", name, v);
}

static void put_none(size_t off, size_t size, const char *name)
{
	cover(off, size, name);
	if (size == 2 || size == 4)
		printf("\t\t.%s = %s,\n", name, no_offset);
	else
		printf("\t\t.%s = 0,\n", name);
}

#define FIELD(f) offsetof(struct py_offsets, f), sizeof(((struct py_offsets *)0)->f), #f
#define SET(f, v) put(FIELD(f), (unsigned long long)(v), DEC, NULL)
#define SET_HEX(f, v) put(FIELD(f), (unsigned long long)(v), HEX, NULL)
#define SET_VERSION(f, v) put(FIELD(f), (unsigned long long)(v), VERSION, NULL)
/* A field set to a named constant of pyhawk.h, printed by name. */
#define SET_NAME(f, v) put(FIELD(f), (unsigned long long)(v), DEC, #v)
#define NONE(f) put_none(FIELD(f))
#define PAD(f) cover(FIELD(f))
/* End of a field inside a struct, for the *_size_read spans. */
#define END(type, member) (offsetof(type, member) + sizeof(((type *)0)->member))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* Bit-field masks cannot be taken with offsetof: set the member to all
 * ones in a zeroed struct and read back the 32-bit word it lives in. */
#define BITS_MASK(type, word, member)                                  \
	({                                                             \
		type o_;                                               \
		uint32_t w_;                                           \
		memset(&o_, 0, sizeof(o_));                            \
		o_.word.member--; /* wraps to all ones */              \
		memcpy(&w_, &o_.word, sizeof(w_));                     \
		w_;                                                    \
	})

static void dump_table(void)
{
	uint32_t kind_mask;
	size_t code_read;

	printf("\t{\n");
	/* The table describes a minor version, not the patch level its
	 * headers came from: patch releases keep these layouts. */
	SET_VERSION(version_hex, PY_VERSION_HEX & 0xffff0000u);
#if MINOR_AT_LEAST(13)
	SET_NAME(frame_kind, PH_IFRAME_INSTR_PTR);
#elif MINOR_AT_LEAST(11)
	SET_NAME(frame_kind, PH_IFRAME_PREV_INSTR);
#elif MINOR_IS(10)
	SET_NAME(frame_kind, PH_FRAME_OBJECT_UNITS);
#else
	SET_NAME(frame_kind, PH_FRAME_OBJECT_BYTES);
#endif
	/* Frames owned by the C stack / the interpreter (entry and base
	 * frames) are not Python code. 3.14 renumbered the enum: entry frames
	 * use INTERPRETER=3 and CPython tests owner >= INTERPRETER; 3.15
	 * dropped CSTACK altogether. */
#if MINOR_AT_LEAST(14)
	SET(owner_skip_min, FRAME_OWNED_BY_INTERPRETER);
#elif MINOR_AT_LEAST(12)
	SET(owner_skip_min, FRAME_OWNED_BY_CSTACK);
#else
	SET(owner_skip_min, 0);
#endif
	/* 3.14: f_executable is a _PyStackRef whose low bits tag it. */
#if MINOR_AT_LEAST(14)
	SET(exec_tag_bits, Py_TAG_BITS);
#else
	SET(exec_tag_bits, 0);
#endif
	PAD(_pad0);

	SET(runtime_interpreters_head, offsetof(_PyRuntimeState, interpreters.head));
	SET(interp_next, offsetof(PyInterpreterState, next));
#if MINOR_AT_LEAST(11)
	SET(interp_threads_head, offsetof(PyInterpreterState, threads.head));
#else
	SET(interp_threads_head, offsetof(PyInterpreterState, tstate_head));
#endif
	/* 3.12 gave each interpreter its own GIL, reached by a pointer (the
	 * main interpreter's points at its embedded _gil). */
#if MINOR_AT_LEAST(12)
	SET(interp_gil_ptr, offsetof(PyInterpreterState, ceval.gil));
	NONE(runtime_gil);
#else
	NONE(interp_gil_ptr);
	SET(runtime_gil, offsetof(_PyRuntimeState, ceval.gil));
#endif
	SET(gil_locked, offsetof(struct _gil_runtime_state, locked));
	SET(gil_last_holder, offsetof(struct _gil_runtime_state, last_holder));
	/* Non-zero while a collection runs (3.9 moved the GC state into
	 * each interpreter). */
#if MINOR_AT_LEAST(9)
	SET(gc_collecting, offsetof(PyInterpreterState, gc.collecting));
#else
	SET(gc_collecting, offsetof(_PyRuntimeState, gc.collecting));
#endif

	/* Thread state: one read must cover every field the walker uses. */
	{
		size_t end = MAX(END(PyThreadState, next), END(PyThreadState, interp));

		end = MAX(end, END(PyThreadState, thread_id));
#if MINOR_AT_LEAST(13)
		end = MAX(end, END(PyThreadState, current_frame));
#elif MINOR_AT_LEAST(11)
		end = MAX(end, END(PyThreadState, cframe));
#else
		end = MAX(end, END(PyThreadState, frame));
#endif
#if MINOR_AT_LEAST(11)
		end = MAX(end, END(PyThreadState, native_thread_id));
		end = MAX(end, END(PyThreadState, datastack_chunk));
#endif
#if MINOR_AT_LEAST(14)
		end = MAX(end, END(PyThreadState, holds_gil));
#endif
#if MINOR_AT_LEAST(12)
		/* _status is a bit-field word: read as 4 bytes. */
		end = MAX(end, offsetof(PyThreadState, _status) + 4);
#endif
		SET(tstate_size_read, end);
	}
	SET(tstate_next, offsetof(PyThreadState, next));
	SET(tstate_interp, offsetof(PyThreadState, interp));
#if MINOR_AT_LEAST(13)
	SET(tstate_frame, offsetof(PyThreadState, current_frame));
	NONE(cframe_current_frame);
#elif MINOR_AT_LEAST(11)
	SET(tstate_frame, offsetof(PyThreadState, cframe));
	SET(cframe_current_frame, offsetof(_PyCFrame, current_frame));
#else
	SET(tstate_frame, offsetof(PyThreadState, frame));
	NONE(cframe_current_frame);
#endif
	SET(tstate_thread_id, offsetof(PyThreadState, thread_id));
#if MINOR_AT_LEAST(11)
	SET(tstate_native_thread_id, offsetof(PyThreadState, native_thread_id));
#else
	NONE(tstate_native_thread_id);
#endif
	/* 3.13 keeps "holds the GIL" in a _status bit; 3.14 made it an int of
	 * its own (data races on the bit field). */
#if MINOR_AT_LEAST(14)
	SET(tstate_holds_gil, offsetof(PyThreadState, holds_gil));
#else
	NONE(tstate_holds_gil);
#endif
#if MINOR_AT_LEAST(12)
	SET(tstate_status, offsetof(PyThreadState, _status));
#else
	NONE(tstate_status);
#endif
	PAD(_pad2);
#if MINOR_IS(13)
	SET_HEX(tstate_status_holds_gil_mask, BITS_MASK(PyThreadState, _status, holds_gil));
#else
	SET(tstate_status_holds_gil_mask, 0);
#endif

	/* Frames */
#if MINOR_AT_LEAST(11)
	{
		size_t end = MAX(END(ph_iframe, previous), END(ph_iframe, owner));

#if MINOR_AT_LEAST(13)
		end = MAX(end, END(ph_iframe, f_executable));
		end = MAX(end, END(ph_iframe, instr_ptr));
#else
		end = MAX(end, END(ph_iframe, f_code));
		end = MAX(end, END(ph_iframe, prev_instr));
#endif
		SET(frame_size_read, end);
	}
	SET(frame_previous, offsetof(ph_iframe, previous));
#if MINOR_AT_LEAST(13)
	SET(frame_code, offsetof(ph_iframe, f_executable));
#else
	SET(frame_code, offsetof(ph_iframe, f_code));
#endif
	NONE(frame_lasti);
#if MINOR_AT_LEAST(13)
	SET(frame_instr, offsetof(ph_iframe, instr_ptr));
#else
	SET(frame_instr, offsetof(ph_iframe, prev_instr));
#endif
	SET(frame_owner, offsetof(ph_iframe, owner));
	SET(tstate_datastack_chunk, offsetof(PyThreadState, datastack_chunk));
	PAD(_pad5);
#else
	SET(frame_size_read, MAX(MAX(END(PyFrameObject, f_back), END(PyFrameObject, f_code)),
				 END(PyFrameObject, f_lasti)));
	SET(frame_previous, offsetof(PyFrameObject, f_back));
	SET(frame_code, offsetof(PyFrameObject, f_code));
	SET(frame_lasti, offsetof(PyFrameObject, f_lasti));
	NONE(frame_instr);
	NONE(frame_owner);
	NONE(tstate_datastack_chunk);
	PAD(_pad5);
#endif

	/* Code objects: the walker hashes the 16 bytes from code_check (the
	 * co_filename and co_name pointers, adjacent in every version) into a
	 * frame's check value. */
	code_read = MAX(END(PyCodeObject, co_filename), END(PyCodeObject, co_name));
	code_read = MAX(code_read, offsetof(PyCodeObject, co_firstlineno) + 8);
#if MINOR_AT_LEAST(11)
	code_read = MAX(code_read, END(PyCodeObject, co_qualname));
#endif
#if MINOR_AT_LEAST(10)
	code_read = MAX(code_read, END(PyCodeObject, co_linetable));
#else
	code_read = MAX(code_read, END(PyCodeObject, co_lnotab));
#endif
	SET(code_size_read, code_read);
	SET(code_filename, offsetof(PyCodeObject, co_filename));
	SET(code_name, offsetof(PyCodeObject, co_name));
#if MINOR_AT_LEAST(11)
	SET(code_qualname, offsetof(PyCodeObject, co_qualname));
#else
	NONE(code_qualname);
#endif
#if MINOR_AT_LEAST(10)
	SET(code_linetable, offsetof(PyCodeObject, co_linetable));
#else
	SET(code_linetable, offsetof(PyCodeObject, co_lnotab));
#endif
	SET(code_firstlineno, offsetof(PyCodeObject, co_firstlineno));
#if MINOR_AT_LEAST(11)
	SET(code_adaptive, offsetof(PyCodeObject, co_code_adaptive));
#else
	NONE(code_adaptive);
#endif
	_Static_assert(offsetof(PyCodeObject, co_name) == offsetof(PyCodeObject, co_filename) + 8,
		       "co_name follows co_filename");
	SET(code_check, offsetof(PyCodeObject, co_filename));

	/* str and bytes */
	SET(str_length, offsetof(PyASCIIObject, length));
	SET(str_state, offsetof(PyASCIIObject, state));
	SET(str_ascii_size, sizeof(PyASCIIObject));
	SET(str_compact_size, sizeof(PyCompactUnicodeObject));
	kind_mask = BITS_MASK(PyASCIIObject, state, kind);
	SET_HEX(str_kind_mask, kind_mask);
	SET_HEX(str_compact_mask, BITS_MASK(PyASCIIObject, state, compact));
	SET_HEX(str_ascii_mask, BITS_MASK(PyASCIIObject, state, ascii));
	SET(str_kind_shift, __builtin_ctz(kind_mask));
	PAD(_pad3);
	SET(bytes_size, offsetof(PyBytesObject, ob_base.ob_size));
	SET(bytes_sval, offsetof(PyBytesObject, ob_sval));
	PAD(_pad4);
	printf("\t},\n");
}

#if MINOR_AT_LEAST(13)
/* The _Py_DebugOffsets slot (u64 index) describing a field. */
#define SLOT(f, dbg) put(FIELD(f), offsetof(_Py_DebugOffsets, dbg) / 8, DEC, NULL)
/* No slot: left out of the initializer, so 0. */
#define NOSLOT(f) cover(FIELD(f))

static void dump_debug_slots(void)
{
	_Static_assert(offsetof(_Py_DebugOffsets, runtime_state) % 8 == 0,
		       "_Py_DebugOffsets fields are u64 slots");
	printf("\t{\n");
	/* version_hex holds the size of _Py_DebugOffsets in slots, so a
	 * buffer can be checked for length before any slot is read. */
	put(FIELD(version_hex), sizeof(_Py_DebugOffsets) / 8, DEC, NULL);
	NOSLOT(frame_kind);
	NOSLOT(owner_skip_min);
	NOSLOT(exec_tag_bits);
	PAD(_pad0);
	SLOT(runtime_interpreters_head, runtime_state.interpreters_head);
	SLOT(interp_next, interpreter_state.next);
	SLOT(interp_threads_head, interpreter_state.threads_head);
	SLOT(interp_gil_ptr, interpreter_state.ceval_gil);
	/* The debug offsets give the embedded GIL's fields relative to the
	 * interpreter: runtime_gil's slot is the GIL's own offset there, and
	 * offsets.c compares the differences. */
	SLOT(gil_locked, interpreter_state.gil_runtime_state_locked);
	SLOT(gil_last_holder, interpreter_state.gil_runtime_state_holder);
	SLOT(runtime_gil, interpreter_state.gil_runtime_state);
	/* Two slots, summed: the interpreter's gc state, and collecting in
	 * it (low 16 bits the first, high 16 the second). */
	put(FIELD(gc_collecting),
	    offsetof(_Py_DebugOffsets, interpreter_state.gc) / 8 |
		(offsetof(_Py_DebugOffsets, gc.collecting) / 8) << 16,
	    DEC, NULL);
	/* The *_size_read fields hold the slot of their struct's own size:
	 * offsets.c bounds the struct's fields by it. */
	SLOT(tstate_size_read, thread_state.size);
	SLOT(tstate_next, thread_state.next);
	SLOT(tstate_interp, thread_state.interp);
	SLOT(tstate_frame, thread_state.current_frame);
	NOSLOT(cframe_current_frame);
	SLOT(tstate_thread_id, thread_state.thread_id);
	SLOT(tstate_native_thread_id, thread_state.native_thread_id);
#if MINOR_AT_LEAST(15)
	SLOT(tstate_holds_gil, thread_state.holds_gil);
#else
	NOSLOT(tstate_holds_gil);
#endif
	SLOT(tstate_status, thread_state.status);
	PAD(_pad2);
	NOSLOT(tstate_status_holds_gil_mask);
	SLOT(frame_size_read, interpreter_frame.size);
	SLOT(frame_previous, interpreter_frame.previous);
	SLOT(frame_code, interpreter_frame.executable);
	NOSLOT(frame_lasti);
	SLOT(frame_instr, interpreter_frame.instr_ptr);
	SLOT(frame_owner, interpreter_frame.owner);
	SLOT(tstate_datastack_chunk, thread_state.datastack_chunk);
	PAD(_pad5);
	SLOT(code_size_read, code_object.size);
	SLOT(code_filename, code_object.filename);
	SLOT(code_name, code_object.name);
	SLOT(code_qualname, code_object.qualname);
	SLOT(code_linetable, code_object.linetable);
	SLOT(code_firstlineno, code_object.firstlineno);
	SLOT(code_adaptive, code_object.co_code_adaptive);
	NOSLOT(code_check);
	SLOT(str_length, unicode_object.length);
	SLOT(str_state, unicode_object.state);
	SLOT(str_ascii_size, unicode_object.asciiobject_size);
#if MINOR_AT_LEAST(15)
	SLOT(str_compact_size, unicode_object.compactunicodeobject_size);
#else
	NOSLOT(str_compact_size);
#endif
	NOSLOT(str_kind_mask);
	NOSLOT(str_compact_mask);
	NOSLOT(str_ascii_mask);
	NOSLOT(str_kind_shift);
	PAD(_pad3);
	SLOT(bytes_size, bytes_object.ob_size);
	SLOT(bytes_sval, bytes_object.ob_sval);
	PAD(_pad4);
	printf("\t},\n");
}
#else
static void dump_debug_slots(void)
{
	/* No _Py_DebugOffsets before 3.13: an all-zero entry. */
	printf("\t{ 0 },\n");
	memset(covered, 1, sizeof(covered));
}
#endif

/* The same printers for struct py_obj_offsets. */
#define OFIELD(f) offsetof(struct py_obj_offsets, f), sizeof(((struct py_obj_offsets *)0)->f), #f
#define OSET(f, v) put(OFIELD(f), (unsigned long long)(v), DEC, NULL)
#define OSET_HEX(f, v) put(OFIELD(f), (unsigned long long)(v), HEX, NULL)
#define OSET_VERSION(f, v) put(OFIELD(f), (unsigned long long)(v), VERSION, NULL)
#define OSET_NAME(f, v) put(OFIELD(f), (unsigned long long)(v), DEC, #v)
#define ONONE(f) put_none(OFIELD(f))
#define OPAD(f) cover(OFIELD(f))

#if MINOR_AT_LEAST(11)
/* An instance of a type with VM-managed attributes, laid out nowhere in
 * particular: the headers' own inline accessors are asked where they look,
 * so their pointer arithmetic, not ours, gives the numbers. */
static PyTypeObject fake_type;
static uintptr_t fake_mem[32];

static PyObject *fake_instance(unsigned long flags)
{
	PyObject *o = (PyObject *)&fake_mem[16];

	fake_type.tp_flags = flags;
	fake_type.tp_basicsize = sizeof(PyObject);
	o->ob_type = &fake_type;
	return o;
}

/* Bytes between a pointer the headers return and the object, below it. */
static size_t below(PyObject *o, const void *p)
{
	if ((const char *)p >= (const char *)o) {
		fprintf(stderr, "offsets_dump: a pre-header field is not before the object\n");
		exit(1);
	}
	return (size_t)((const char *)o - (const char *)p);
}
#endif

/* A frame's locals: where they are, how their names and kinds are listed
 * and, 3.14+, how a _PyStackRef slot is tagged (asked of the headers' own
 * inline functions). */
static void dump_locals(void)
{
#if MINOR_AT_LEAST(11)
	OSET_NAME(locals_layout, PYOBJ_LOCALS_KINDS);
#if MINOR_AT_LEAST(12)
	OSET(kind_hidden, CO_FAST_HIDDEN);
#else
	OSET(kind_hidden, 0);
#endif
	OSET(kind_cell, CO_FAST_CELL);
	OSET(kind_free, CO_FAST_FREE);
	OSET(frame_localsplus, offsetof(ph_iframe, localsplus));
	OSET(frameobj_frame, offsetof(PyFrameObject, f_frame));
#else
	OSET_NAME(locals_layout, PYOBJ_LOCALS_VARNAMES);
	OSET(kind_hidden, 0);
	OSET(kind_cell, 0);
	OSET(kind_free, 0);
	OSET(frame_localsplus, offsetof(PyFrameObject, f_localsplus));
	ONONE(frameobj_frame);
#endif
#if MINOR_AT_LEAST(14)
	{
		_PyStackRef zero = PyStackRef_TagInt(0), one = PyStackRef_TagInt(1);
		uintptr_t step = one.bits - zero.bits;

		if (!step || (step & (step - 1)) ||
		    PyStackRef_UntagInt(PyStackRef_TagInt(-5)) != -5 ||
		    (zero.bits & Py_TAG_BITS) == 0 || PyStackRef_IsTaggedInt(PyStackRef_NULL)) {
			fprintf(stderr, "offsets_dump: unexpected _PyStackRef int tagging\n");
			exit(1);
		}
		OSET(ref_null, PyStackRef_NULL.bits);
		OSET(ref_tag_mask, Py_TAG_BITS);
		OSET(ref_int_tag, zero.bits & Py_TAG_BITS);
		OSET(ref_int_shift, __builtin_ctzll(step));
	}
#else
	OSET(ref_null, 0);
	OSET(ref_tag_mask, 0);
	OSET(ref_int_tag, 0);
	OSET(ref_int_shift, 0);
#endif
	OSET(code_argcount, offsetof(PyCodeObject, co_argcount));
	OSET(code_kwonlyargcount, offsetof(PyCodeObject, co_kwonlyargcount));
	OSET(code_flags, offsetof(PyCodeObject, co_flags));
#if MINOR_AT_LEAST(11)
	OSET(code_nlocals, offsetof(PyCodeObject, co_nlocalsplus));
	OSET(code_varnames, offsetof(PyCodeObject, co_localsplusnames));
	ONONE(code_cellvars);
	ONONE(code_freevars);
	OSET(code_kinds, offsetof(PyCodeObject, co_localspluskinds));
#else
	OSET(code_nlocals, offsetof(PyCodeObject, co_nlocals));
	OSET(code_varnames, offsetof(PyCodeObject, co_varnames));
	OSET(code_cellvars, offsetof(PyCodeObject, co_cellvars));
	OSET(code_freevars, offsetof(PyCodeObject, co_freevars));
	ONONE(code_kinds);
#endif
	OPAD(_pad5);
	OSET_HEX(co_varargs, CO_VARARGS);
	OSET_HEX(co_varkeywords, CO_VARKEYWORDS);
	OSET(tuple_size, offsetof(PyTupleObject, ob_base.ob_size));
	OSET(tuple_items, offsetof(PyTupleObject, ob_item));
	OSET(cell_ref, offsetof(PyCellObject, ob_ref));
	OSET(float_value, offsetof(PyFloatObject, ob_fval));
	OPAD(_pad6);
}

static void dump_obj(void)
{
	cov = covered_obj;
	no_offset = "PYOBJ_NO_OFFSET";
	printf("\t{\n");
	OSET_VERSION(version_hex, PY_VERSION_HEX & 0xffff0000u);
#if MINOR_AT_LEAST(11)
	OSET_NAME(keys_layout, PYOBJ_KEYS_LOG2);
#else
	OSET_NAME(keys_layout, PYOBJ_KEYS_SIZE);
#endif
	/* 3.11 moved instance attributes before the object (values and a
	 * lazily made dict), 3.12 folded both into one tagged word, 3.13 put
	 * the values after the object. */
#if MINOR_AT_LEAST(13)
	OSET_NAME(attrs_layout, PYOBJ_ATTRS_INLINE);
#elif MINOR_IS(12)
	OSET_NAME(attrs_layout, PYOBJ_ATTRS_DICT_OR_VALUES);
#elif MINOR_IS(11)
	OSET_NAME(attrs_layout, PYOBJ_ATTRS_VALUES_PTR);
#else
	OSET_NAME(attrs_layout, PYOBJ_ATTRS_DICTOFFSET);
#endif
	/* 3.12 replaced ob_size by lv_tag (PEP 683 era int rework). */
#if MINOR_AT_LEAST(12)
	OSET_NAME(long_layout, PYOBJ_LONG_LV_TAG);
#else
	OSET_NAME(long_layout, PYOBJ_LONG_OB_SIZE);
#endif
	OPAD(_pad0);

	OSET(runtime_interpreters_main, offsetof(_PyRuntimeState, interpreters.main));
#if MINOR_AT_LEAST(12)
	OSET(interp_modules, offsetof(PyInterpreterState, imports.modules));
#else
	OSET(interp_modules, offsetof(PyInterpreterState, modules));
#endif

	OSET(obj_type, offsetof(PyObject, ob_type));
	OSET(type_name, offsetof(PyTypeObject, tp_name));
	OSET(type_basicsize, offsetof(PyTypeObject, tp_basicsize));
	OSET(type_flags, offsetof(PyTypeObject, tp_flags));
	OSET(type_dictoffset, offsetof(PyTypeObject, tp_dictoffset));
	OSET(heaptype_cached_keys, offsetof(PyHeapTypeObject, ht_cached_keys));
	OSET_HEX(tpflags_heaptype, Py_TPFLAGS_HEAPTYPE);
#if MINOR_AT_LEAST(11)
	OSET_HEX(tpflags_managed_dict, Py_TPFLAGS_MANAGED_DICT);
#else
	OSET(tpflags_managed_dict, 0);
#endif
#if MINOR_AT_LEAST(13)
	OSET_HEX(tpflags_inline_values, Py_TPFLAGS_INLINE_VALUES);
#else
	OSET(tpflags_inline_values, 0);
#endif
	OSET_HEX(tpflags_long_subclass, Py_TPFLAGS_LONG_SUBCLASS);
	OSET_HEX(tpflags_unicode_subclass, Py_TPFLAGS_UNICODE_SUBCLASS);
	OSET_HEX(tpflags_dict_subclass, Py_TPFLAGS_DICT_SUBCLASS);

#if MINOR_AT_LEAST(13)
	{
		PyObject *o = fake_instance(Py_TPFLAGS_MANAGED_DICT | Py_TPFLAGS_INLINE_VALUES);

		OSET(preheader_dict, below(o, _PyObject_ManagedDictPointer(o)));
		OSET(preheader_values, 0);
		/* pyhawk reads inline values at obj + tp_basicsize (3.13.0
		 * requires tp_basicsize == sizeof(PyObject) and adds that). */
		if ((char *)_PyObject_InlineValues(o) != (char *)o + fake_type.tp_basicsize) {
			fprintf(stderr, "offsets_dump: inline values are not at tp_basicsize\n");
			exit(1);
		}
		OSET(values_tag_mask, 0);
		OSET(values_tag_adjust, 0);
	}
#elif MINOR_IS(12)
	{
		PyObject *o = fake_instance(Py_TPFLAGS_MANAGED_DICT);
		PyDictValues *v = (PyDictValues *)(uintptr_t)0x1000;
		PyDictOrValues dorv;
		unsigned mask = 0;

		OSET(preheader_dict, below(o, _PyObject_DictOrValuesPointer(o)));
		OSET(preheader_values, 0);
		for (unsigned b = 0; b < 3; b++) {
			dorv.values = (char *)(uintptr_t)(0x1000 | 1u << b);
			if (_PyDictOrValues_IsValues(dorv))
				mask |= 1u << b;
		}
		_PyDictOrValues_SetValues(&dorv, v);
		if (!mask || !_PyDictOrValues_IsValues(dorv) || _PyDictOrValues_GetValues(dorv) != v ||
		    (uintptr_t)dorv.values > (uintptr_t)v) {
			fprintf(stderr, "offsets_dump: unexpected dict-or-values tagging\n");
			exit(1);
		}
		OSET(values_tag_mask, mask);
		OSET(values_tag_adjust, (uintptr_t)v - (uintptr_t)dorv.values);
	}
#elif MINOR_IS(11)
	{
		PyObject *o = fake_instance(Py_TPFLAGS_MANAGED_DICT);

		OSET(preheader_dict, below(o, _PyObject_ManagedDictPointer(o)));
		OSET(preheader_values, below(o, _PyObject_ValuesPointer(o)));
		OSET(values_tag_mask, 0);
		OSET(values_tag_adjust, 0);
	}
#else
	OSET(preheader_dict, 0);
	OSET(preheader_values, 0);
	OSET(values_tag_mask, 0);
	OSET(values_tag_adjust, 0);
#endif
	OPAD(_pad1);

	OSET(dict_used, offsetof(PyDictObject, ma_used));
	OSET(dict_keys, offsetof(PyDictObject, ma_keys));
	OSET(dict_values, offsetof(PyDictObject, ma_values));
#if MINOR_AT_LEAST(11)
	OSET(keys_size, offsetof(PyDictKeysObject, dk_log2_size));
	OSET(keys_log2_index_bytes, offsetof(PyDictKeysObject, dk_log2_index_bytes));
	OSET(keys_kind, offsetof(PyDictKeysObject, dk_kind));
#else
	OSET(keys_size, offsetof(PyDictKeysObject, dk_size));
	ONONE(keys_log2_index_bytes);
	ONONE(keys_kind);
#endif
	OSET(keys_nentries, offsetof(PyDictKeysObject, dk_nentries));
	OSET(keys_indices, offsetof(PyDictKeysObject, dk_indices));
#if MINOR_AT_LEAST(11)
	OSET(keys_kind_general, DICT_KEYS_GENERAL);
#else
	OSET(keys_kind_general, 0);
#endif
	OPAD(_pad2);
	OSET(entry_size, sizeof(PyDictKeyEntry));
	OSET(entry_key, offsetof(PyDictKeyEntry, me_key));
	OSET(entry_value, offsetof(PyDictKeyEntry, me_value));
#if MINOR_AT_LEAST(11)
	OSET(uentry_size, sizeof(PyDictUnicodeEntry));
	OSET(uentry_key, offsetof(PyDictUnicodeEntry, me_key));
	OSET(uentry_value, offsetof(PyDictUnicodeEntry, me_value));
	OSET(values_values, offsetof(PyDictValues, values));
#else
	ONONE(uentry_size);
	ONONE(uentry_key);
	ONONE(uentry_value);
	/* ma_values is the PyObject *[] itself. */
	OSET(values_values, 0);
#endif
#if MINOR_AT_LEAST(13)
	OSET(values_capacity, offsetof(PyDictValues, capacity));
	OSET(values_valid, offsetof(PyDictValues, valid));
#else
	ONONE(values_capacity);
	ONONE(values_valid);
#endif

#if MINOR_AT_LEAST(12)
	OSET(long_size, offsetof(PyLongObject, long_value.lv_tag));
	OSET(long_digits, offsetof(PyLongObject, long_value.ob_digit));
#else
	OSET(long_size, offsetof(PyLongObject, ob_base.ob_size));
	OSET(long_digits, offsetof(PyLongObject, ob_digit));
#endif
	OSET(long_digit_size, sizeof(digit));
	OSET(long_shift, PyLong_SHIFT);
#if MINOR_AT_LEAST(12)
	OSET(long_nonsize_bits, NON_SIZE_BITS);
	OSET(long_sign_mask, SIGN_MASK);
	OSET(long_sign_negative, SIGN_NEGATIVE);
#else
	OSET(long_nonsize_bits, 0);
	OSET(long_sign_mask, 0);
	OSET(long_sign_negative, 0);
#endif
	OPAD(_pad3);
	OSET(str_data, offsetof(PyUnicodeObject, data));
	OPAD(_pad4);
	dump_locals();
	printf("\t},\n");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s table|debug|obj|version\n", argv[0]);
		return 2;
	}
	if (strcmp(argv[1], "version") == 0) {
		printf("%s\n", PY_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "table") == 0)
		dump_table();
	else if (strcmp(argv[1], "debug") == 0)
		dump_debug_slots();
	else if (strcmp(argv[1], "obj") == 0)
		dump_obj();
	else {
		fprintf(stderr, "usage: %s table|debug|obj|version\n", argv[0]);
		return 2;
	}
	for (size_t i = 0; cov == covered && i < sizeof(covered); i++) {
		if (!covered[i]) {
			fprintf(stderr, "offsets_dump: byte %zu of struct py_offsets not set\n", i);
			return 1;
		}
	}
	for (size_t i = 0; cov == covered_obj && i < sizeof(covered_obj); i++) {
		if (!covered_obj[i]) {
			fprintf(stderr, "offsets_dump: byte %zu of struct py_obj_offsets not set\n", i);
			return 1;
		}
	}
	return 0;
}
