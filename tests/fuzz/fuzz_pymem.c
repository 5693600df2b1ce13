/* fuzz_pymem.c: libFuzzer target: the readers of a Python process's memory (pyobj, pythreads,
 * pylocals, gcstats) walking memory the input forges.
 *
 * They read with process_vm_readv, so the forged memory is in this very
 * process (as in the unit tests' garbage runs): a zeroed block between two
 * inaccessible pages. The first byte picks the CPython version whose
 * tables are used. For it, a template of that version's objects is built
 * in the block: a runtime whose interpreter has sys.modules = {"threading":
 * a module} whose _active holds one Thread named "worker-1" with native id
 * 4242 (and an empty _limbo), its collector's counts, and a frame running a
 * code object whose locals are an int, a str, a float, None and bytes. The
 * rest of the input is XORed onto it, so that the fuzzer starts deep inside
 * valid objects while any bytes can still be reached. Each aligned word whose
 * high half is TAG then becomes a pointer into the block (its low half an
 * offset, which may land on the page after it); other words stay as they
 * are. The first words are the roots: the runtime, the frame, and two
 * objects that pyobj's readers are pointed at.
 *
 * Checked beyond "no crash, no hang" (every walk is bounded by its read
 * budget): reading ourselves never fails as for another process (-ESRCH,
 * -EPERM) nor as for tables that do not fit (-EINVAL: genuine tables are
 * used); other errors are those documented; strings are NUL-terminated
 * strict UTF-8 of at most PYOBJ_STR_MAX code points; an int's digits fit
 * its shift; a dict's values come in bounded chunks; pythreads__names's
 * count is its calls, each with a thread id; locals are NUL-terminated;
 * collection counts are plausible. And the template itself, for every
 * version (checked at start, so a process_vm_readv refused on ourselves
 * cannot make the target test nothing), reads exactly: the thread's name
 * and id, the three collection counts, and each local's name, value and
 * whether it is an argument. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "gcstats.h"
#include "offsets.h"
#include "procfs.h"
#include "pylocals.h"
#include "pyobj.h"
#include "pythreads.h"
#include "utf8_check.h"

#define PAGE	  4096
#define BLOCK	  (4 * PAGE)
#define TAG	  0x50594f42u /* "BOYP": the high half of a word that points into the block */
#define BUDGET	  64
#define LOCALS	  32
#define THREAD_ID 4242
#define NLOCALS	  5

static const uint32_t minors[] = {0x03080000, 0x03090000, 0x030a0000, 0x030b0000,
				  0x030c0000, 0x030d0000, 0x030e0000, 0x030f0000};
static const uint64_t gc_counts[3] = {11, 22, 33};
static const struct pylocal want_locals[NLOCALS] = {
    {"a", "7", true},	  {"s", "'hi'", false},	     {"f", "1.5", false},
    {"n", "None", false}, {"b", "b'\\x00A'", false},
};

/* A version's tables and its template: the block's bytes, and which
 * 4-byte units of them some object's field holds. */
static struct version {
	struct py_offsets off;
	struct py_obj_offsets obj;
	uint8_t b[BLOCK];
	uint8_t used[BLOCK / 4];
	size_t len;
} versions[sizeof(minors) / sizeof(minors[0])];
static size_t nversions;
static uint8_t *block;	 /* BLOCK bytes between two inaccessible pages */
static bool ns_identity; /* thread ids as the target sees them are ours */

/* Template building: an object is a few fields at offsets from its start,
 * placed at the lowest free spot where none of them meets another's. */
struct obj {
	size_t n;
	struct {
		uint32_t off, len;
		uint8_t v[80];
	} f[16];
};

static uint64_t ptr(uint32_t at)
{
	return (uint64_t)TAG << 32 | at;
}

static void fbytes(struct obj *o, uint32_t off, const void *p, uint32_t len)
{
	if (o->n == 16 || len > sizeof(o->f[0].v))
		abort();
	o->f[o->n].off = off;
	o->f[o->n].len = len;
	memcpy(o->f[o->n++].v, p, len);
}

static void f64(struct obj *o, uint32_t off, uint64_t v)
{
	fbytes(o, off, &v, 8);
}

static void f32(struct obj *o, uint32_t off, uint32_t v)
{
	fbytes(o, off, &v, 4);
}

static bool fits(const struct version *v, const struct obj *o, uint32_t at)
{
	for (size_t i = 0; i < o->n; i++) {
		uint32_t s = at + o->f[i].off, e = s + o->f[i].len;

		if (e > BLOCK)
			return false;
		for (uint32_t u = s / 4; u < (e + 3) / 4; u++)
			if (v->used[u])
				return false;
	}
	return true;
}

static uint32_t place_at(struct version *v, const struct obj *o, uint32_t at)
{
	if (!fits(v, o, at))
		abort();
	for (size_t i = 0; i < o->n; i++) {
		uint32_t s = at + o->f[i].off, e = s + o->f[i].len;

		memcpy(v->b + s, o->f[i].v, o->f[i].len);
		memset(v->used + s / 4, 1, (e + 3) / 4 - s / 4);
		if (e > v->len)
			v->len = e;
	}
	return at;
}

static uint32_t place(struct version *v, const struct obj *o)
{
	for (uint32_t at = 32; at < BLOCK; at += 8)
		if (fits(v, o, at))
			return place_at(v, o, at);
	abort();
}

/* A compact ASCII str (also a type's tp_name when type is 0: a C string). */
static uint32_t str(struct version *v, uint32_t type, const char *s)
{
	const struct py_offsets *off = &v->off;
	struct obj o = {0};

	if (!type) {
		fbytes(&o, 0, s, strlen(s) + 1);
		return place(v, &o);
	}
	f64(&o, v->obj.obj_type, ptr(type));
	f64(&o, off->str_length, strlen(s));
	f32(&o, off->str_state,
	    (1u << off->str_kind_shift) | off->str_compact_mask | off->str_ascii_mask);
	fbytes(&o, off->str_ascii_size, s, strlen(s) + 1);
	return place(v, &o);
}

static uint32_t type(struct version *v, const char *name, uint64_t flags, int64_t dictoffset)
{
	const struct py_obj_offsets *b = &v->obj;
	struct obj o = {0};

	f64(&o, b->type_name, ptr(str(v, 0, name)));
	f64(&o, b->type_flags, flags);
	f64(&o, b->type_dictoffset, (uint64_t)dictoffset);
	return place(v, &o);
}

static uint32_t small_int(struct version *v, uint32_t type, uint32_t value)
{
	const struct py_obj_offsets *b = &v->obj;
	struct obj o = {0};

	f64(&o, b->obj_type, ptr(type));
	f64(&o, b->long_size, b->long_layout == PYOBJ_LONG_LV_TAG ? 1u << b->long_nonsize_bits : 1);
	f32(&o, b->long_digits, value);
	return place(v, &o);
}

/* A dict of n items (keys and values: offsets of objects); general
 * entries (hash, key, value) or, 3.11+, unicode ones (key, value). */
static uint32_t dict(struct version *v, uint32_t type, const uint32_t (*items)[2], int n,
		     bool general)
{
	const struct py_obj_offsets *b = &v->obj;
	struct obj k = {0}, d = {0};
	uint32_t keys, esize, ekey, evalue, entries = b->keys_indices + 8; /* 8 one-byte slots */

	general |= b->keys_layout != PYOBJ_KEYS_LOG2;
	esize = general ? b->entry_size : b->uentry_size;
	ekey = general ? b->entry_key : b->uentry_key;
	evalue = general ? b->entry_value : b->uentry_value;
	if (b->keys_layout == PYOBJ_KEYS_LOG2) {
		/* 2^3 slots, 2^3 bytes of index, and the kind. */
		uint8_t hdr[3] = {3, 3, general ? b->keys_kind_general : !b->keys_kind_general};

		if (b->keys_log2_index_bytes != b->keys_size + 1 ||
		    b->keys_kind != b->keys_size + 2)
			abort();
		fbytes(&k, b->keys_size, hdr, sizeof(hdr));
	} else {
		f64(&k, b->keys_size, 8);
	}
	f64(&k, b->keys_nentries, (uint64_t)n);
	for (int i = 0; i < n; i++) {
		f64(&k, entries + i * esize + ekey, ptr(items[i][0]));
		f64(&k, entries + i * esize + evalue, ptr(items[i][1]));
	}
	keys = place(v, &k);
	f64(&d, b->obj_type, ptr(type));
	f64(&d, b->dict_keys, ptr(keys));
	f64(&d, b->dict_values, 0);
	return place(v, &d);
}

/* An object whose __dict__ is at offset 16 (its type's tp_dictoffset). */
static uint32_t instance(struct version *v, uint32_t type, uint32_t dict)
{
	struct obj o = {0};

	f64(&o, v->obj.obj_type, ptr(type));
	f64(&o, 16, ptr(dict));
	return place(v, &o);
}

static uint32_t tuple(struct version *v, uint32_t type, const uint32_t *items, int n)
{
	struct obj o = {0};

	f64(&o, v->obj.obj_type, ptr(type));
	f64(&o, v->obj.tuple_size, (uint64_t)n);
	for (int i = 0; i < n; i++)
		f64(&o, v->obj.tuple_items + 8 * i, ptr(items[i]));
	return place(v, &o);
}

static uint32_t bytes(struct version *v, uint32_t type, const void *p, uint32_t n)
{
	struct obj o = {0};

	f64(&o, v->obj.obj_type, ptr(type));
	f64(&o, v->off.bytes_size, n);
	fbytes(&o, v->off.bytes_sval, p, n);
	return place(v, &o);
}

static void patch64(struct version *v, uint32_t at, uint64_t value)
{
	memcpy(v->b + at, &value, 8);
}

/* The frame's code object and its locals: a (an argument), s, f, n, b. */
static uint32_t code(struct version *v, uint32_t t_code, uint32_t t_tuple, uint32_t t_bytes,
		     uint32_t t_str)
{
	const struct py_obj_offsets *b = &v->obj;
	static const char *const names[NLOCALS] = {"a", "s", "f", "n", "b"};
	uint8_t kinds[NLOCALS];
	uint32_t name[NLOCALS];
	struct obj o = {0};

	for (int i = 0; i < NLOCALS; i++)
		name[i] = str(v, t_str, names[i]);
	f64(&o, b->obj_type, ptr(t_code));
	f32(&o, b->code_argcount, 1);
	f32(&o, b->code_kwonlyargcount, 0);
	f32(&o, b->code_flags, 0);
	f32(&o, b->code_nlocals, NLOCALS);
	f64(&o, b->code_varnames, ptr(tuple(v, t_tuple, name, NLOCALS)));
	if (b->locals_layout == PYOBJ_LOCALS_KINDS) {
		memset(kinds, 0x20, sizeof(kinds)); /* CO_FAST_LOCAL */
		f64(&o, b->code_kinds, ptr(bytes(v, t_bytes, kinds, NLOCALS)));
	} else {
		uint32_t empty = tuple(v, t_tuple, NULL, 0);

		f64(&o, b->code_cellvars, ptr(empty));
		f64(&o, b->code_freevars, ptr(empty));
	}
	return place(v, &o);
}

static void build(struct version *v)
{
	const struct py_obj_offsets *b = &v->obj;
	const struct py_offsets *off = &v->off;
	struct obj root = {0}, frame = {0}, flt = {0}, none = {0};
	uint32_t t_dict, t_str, t_int, t_module, t_thread, t_float, t_none, t_tuple, t_bytes,
	    t_code;
	uint32_t modules, module, active, limbo, thread, at_frame, at_code, slot[NLOCALS];
	uint64_t stats[9] = {gc_counts[0], 0, 0, gc_counts[1], 0, 0, gc_counts[2], 0, 0};
	uint32_t items[2][2];
	double fval = 1.5;

	/* The runtime and its main interpreter are both at 0 (after the
	 * roots): only a few words of each are read. */
	for (int i = 0; i < 4; i++)
		f64(&root, 8 * i, 0);
	f64(&root, b->runtime_interpreters_main, ptr(0));
	f64(&root, b->interp_modules, 0);
	fbytes(&root, off->gc_collecting - sizeof(stats), stats, sizeof(stats));
	place_at(v, &root, 0);

	t_dict = type(v, "dict", b->tpflags_dict_subclass, 0);
	t_str = type(v, "str", b->tpflags_unicode_subclass, 0);
	t_int = type(v, "int", b->tpflags_long_subclass, 0);
	t_module = type(v, "module", 0, 16);
	t_thread = type(v, "Thread", 0, 16);
	t_float = type(v, "float", 0, 0);
	t_none = type(v, "NoneType", 0, 0);
	t_tuple = type(v, "tuple", 0, 0);
	t_bytes = type(v, "bytes", 0, 0);
	t_code = type(v, "code", 0, 0);

	items[0][0] = str(v, t_str, "_name");
	items[0][1] = str(v, t_str, "worker-1");
	items[1][0] = str(v, t_str, "_native_id");
	items[1][1] = small_int(v, t_int, THREAD_ID);
	thread = instance(v, t_thread, dict(v, t_dict, items, 2, false));
	items[0][0] = small_int(v, t_int, 1);
	items[0][1] = thread;
	active = dict(v, t_dict, items, 1, true);
	limbo = dict(v, t_dict, NULL, 0, true);
	items[0][0] = str(v, t_str, "_active");
	items[0][1] = active;
	items[1][0] = str(v, t_str, "_limbo");
	items[1][1] = limbo;
	module = instance(v, t_module, dict(v, t_dict, items, 2, false));
	items[0][0] = str(v, t_str, "threading");
	items[0][1] = module;
	modules = dict(v, t_dict, items, 1, false);

	at_code = code(v, t_code, t_tuple, t_bytes, t_str);
	/* 3.14+: a small int may be a tagged stack reference itself. */
	slot[0] = b->ref_int_tag ? 0 : small_int(v, t_int, 7);
	slot[1] = str(v, t_str, "hi");
	f64(&flt, b->obj_type, ptr(t_float));
	fbytes(&flt, b->float_value, &fval, sizeof(fval));
	slot[2] = place(v, &flt);
	f64(&none, b->obj_type, ptr(t_none));
	slot[3] = place(v, &none);
	slot[4] = bytes(v, t_bytes, "\0A", 2);
	f64(&frame, off->frame_code, ptr(at_code));
	for (int i = 0; i < NLOCALS; i++)
		f64(&frame, b->frame_localsplus + 8 * i,
		    i == 0 && b->ref_int_tag ? (7u << b->ref_int_shift) | b->ref_int_tag
					     : ptr(slot[i]));
	at_frame = place(v, &frame);

	patch64(v, 0, ptr(0));
	patch64(v, 8, ptr(at_frame));
	patch64(v, 16, ptr(thread));
	patch64(v, 24, ptr(modules));
	patch64(v, b->interp_modules, ptr(modules));
}

/* Errors a reader may give for any memory of a live process of ours. */
static bool expected_err(int err)
{
	return err == -ENOMEM || err == -E2BIG || err == -EFAULT || err == -EBADMSG ||
	       err == -ENOENT || err == -ERANGE || err == -ENOTSUP;
}

static void check_err(int err)
{
	if (err && !expected_err(err))
		abort();
}

/* One object reader of pyobj.h on the object at addr, with a reader of its own. */
static void read_object(const struct version *v, int op, uint64_t addr)
{
	static uint64_t values[64];
	char text[PYOBJ_STR_MAX * 4 + 1], cstr[32];
	uint32_t chars[PYOBJ_STR_MAX], digits[PYOBJ_INT_DIGITS_MAX];
	uint64_t length, value, total = 0;
	struct pyobj_dict d;
	unsigned int nd;
	bool negative;
	struct pyobj *r = pyobj__new(getpid(), &v->off, &v->obj, BUDGET);
	int err;

	if (!r)
		abort();
	switch (op) {
	case 0:
		err = pyobj__read_str(r, addr, text, sizeof(text));
		check_err(err);
		if (!err && !utf8_text(text, PYOBJ_STR_MAX))
			abort();
		err = pyobj__read_str_chars(r, addr, chars, PYOBJ_STR_MAX, &length);
		if (err < 0)
			check_err(err);
		else if ((unsigned int)err > PYOBJ_STR_MAX || (uint64_t)err > length)
			abort();
		err = pyobj__read_cstr(r, addr, cstr, sizeof(cstr));
		check_err(err);
		if (!err && !memchr(cstr, '\0', sizeof(cstr)))
			abort();
		break;
	case 1:
		check_err(pyobj__read_long(r, addr, &value));
		err = pyobj__read_int(r, addr, &negative, digits, &nd);
		check_err(err);
		if (!err && nd > PYOBJ_INT_DIGITS_MAX)
			abort();
		for (unsigned int i = 0; !err && i < nd; i++)
			if (digits[i] >> v->obj.long_shift)
				abort();
		break;
	case 2:
		check_err(pyobj__dict_get(r, addr, "threading", &value));
		check_err(pyobj__attr_get(r, addr, "_name", &value));
		break;
	case 3:
		pyobj__window_load(r, addr);
		check_err(pyobj__attr_get(r, addr, "_native_id", &value));
		check_err(pyobj__attr_get(r, addr, "_name", &value));
		pyobj__window_clear(r);
		break;
	default:
		err = pyobj__dict_open(r, addr, &d);
		check_err(err);
		for (uint32_t i = 0; !err;) {
			err = pyobj__dict_values(r, &d, i, values, 64);
			if (err <= 0)
				break;
			if (err > 64 || (total += (unsigned int)err) > d.n)
				abort();
			i += (uint32_t)err;
			err = 0;
		}
		if (err < 0)
			check_err(err);
		break;
	}
	pyobj__free(r);
}

struct names {
	int calls;
	uint32_t tid;
	char name[PYTHREADS_NAME_MAX * 4 + 1];
};

static void on_name(void *ctx, uint32_t tid, const char *name)
{
	struct names *n = ctx;

	if (!tid || strlen(name) > PYTHREADS_NAME_MAX * 4 || !utf8_text(name, PYTHREADS_NAME_MAX))
		abort();
	n->calls++;
	n->tid = tid;
	strcpy(n->name, name);
}

static void read_threads(const struct version *v, uint64_t runtime, bool pristine)
{
	struct names names = {0};
	int err = pythreads__names(getpid(), v->off.version_hex, runtime, &v->off, &v->obj, on_name,
				   &names);

	/* cb may have been called before an error. */
	if (err >= 0  ? err != names.calls
	    : runtime ? err != -ENOENT && err != -EBADMSG && err != -EFAULT && err != -E2BIG &&
			    err != -ENOMEM
		      : err != -EINVAL)
		abort();
	if (pristine && ns_identity &&
	    (err != 1 || names.tid != THREAD_ID || strcmp(names.name, "worker-1")))
		abort();
}

static void read_gc(const struct version *v, uint64_t runtime, bool pristine)
{
	uint64_t gc[3];
	int err = gcstats__read(getpid(), v->off.version_hex, runtime, &v->off, gc);

	if (!err && (gc[0] > 1ull << 48 || gc[1] > 1ull << 48 || gc[2] > 1ull << 48))
		abort();
	if (err && err != -ENOTSUP)
		check_err(err);
	if (pristine && (err == -ENOTSUP ? v->off.version_hex < 0x030f0000
					 : err || memcmp(gc, gc_counts, sizeof(gc))))
		abort();
}

static void read_locals(const struct version *v, uint64_t frame, uint64_t code, bool pristine)
{
	static struct pylocal out[LOCALS];
	struct pyobj *r = pyobj__new(getpid(), &v->off, &v->obj, 2 * BUDGET);
	int n;

	if (!r)
		abort();
	n = pylocals__read(r, &v->off, &v->obj, frame, code, out, LOCALS);
	if (n < 0 && n != -ESTALE)
		check_err(n);
	for (int i = 0; i < n; i++) {
		if (i >= LOCALS || !memchr(out[i].name, '\0', sizeof(out[i].name)) ||
		    !memchr(out[i].value, '\0', sizeof(out[i].value)) ||
		    !utf8_text(out[i].name, 64))
			abort();
	}
	if (pristine) {
		if (n != NLOCALS)
			abort();
		for (int i = 0; i < NLOCALS; i++)
			if (strcmp(out[i].name, want_locals[i].name) ||
			    strcmp(out[i].value, want_locals[i].value) ||
			    out[i].arg != want_locals[i].arg)
				abort();
	}
	pyobj__free(r);
}

/* The template of v with x (n bytes) XORed onto it, read every way. */
static void run(const struct version *v, const uint8_t *x, size_t n, bool pristine)
{
	size_t span = n > v->len ? n : v->len;
	uint64_t root[4], code = 0;

	span = (span + 7) & ~(size_t)7;
	if (span > BLOCK)
		span = BLOCK;
	memcpy(block, v->b, BLOCK);
	for (size_t i = 0; i < n && i < BLOCK; i++)
		block[i] ^= x[i];
	for (size_t i = 0; i < span; i += 8) {
		uint64_t w;

		memcpy(&w, block + i, 8);
		if (w >> 32 == TAG) {
			w = (uint64_t)(uintptr_t)block + (uint32_t)w % (BLOCK + PAGE);
			memcpy(block + i, &w, 8);
		}
	}
	memcpy(root, block, sizeof(root));

	for (int op = 0; op < 5; op++) {
		read_object(v, op, root[2]);
		read_object(v, op, root[3]);
	}
	read_threads(v, root[0], pristine);
	read_gc(v, root[0], pristine);
	/* The code object the frame runs, as the frame says (else a stale frame). */
	if (root[1] >= (uintptr_t)block &&
	    root[1] - (uintptr_t)block <= BLOCK - 8u - v->off.frame_code)
		memcpy(&code, (const void *)(uintptr_t)(root[1] + v->off.frame_code), 8);
	code &= ~(uint64_t)v->off.exec_tag_bits;
	if (root[1] && code)
		read_locals(v, root[1], code, pristine);
	else if (pristine)
		abort();
}

/* Whether our own NSpid has one number: then a thread id read from the
 * forged memory is taken as it is. */
static bool own_ns_identity(void)
{
	char line[256];
	uint32_t first, last;
	int n = 0;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f) && (n = procfs__parse_nspid(line, &first, &last)) < 0)
		;
	fclose(f);
	return n <= 1;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	uint8_t *m = mmap(NULL, BLOCK + 2 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED || mprotect(m + PAGE, BLOCK, PROT_READ | PROT_WRITE))
		abort();
	block = m + PAGE;
	ns_identity = own_ns_identity();
	for (size_t i = 0; i < sizeof(minors) / sizeof(minors[0]); i++) {
		struct version *v = &versions[nversions];

		if (offsets__for_version(minors[i], 0, &v->off) ||
		    offsets__obj_for_version(minors[i], 0, &v->obj))
			continue;
		build(v);
		run(v, NULL, 0, true);
		nversions++;
	}
	if (!nversions)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool pristine = true;

	if (size < 1)
		return 0;
	for (size_t i = 1; i < size && pristine; i++)
		pristine = !data[i];
	run(&versions[data[0] % nversions], data + 1, size - 1, pristine);
	return 0;
}
