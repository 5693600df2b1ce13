/* pylocals.c: a Python frame's arguments and local variables, read from a live process as text. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyhawk.h"
#include "pylocals.h"
#include "pyobj.h"
#include "pyobj_offsets.h"
#include "pyrepr.h"

#define TYPE_NAME_MAX 64
#define TYPE_CACHE    8
#define BYTES_MAX     256 /* bytes of a bytes value read */
#define CODE_SPAN_MAX 512 /* bytes of a code object read at once */

/* What one call has learnt: the names of the types it met. */
struct ctx {
	struct pyobj *r;
	const struct py_offsets *off;
	const struct py_obj_offsets *o;
	struct {
		uint64_t type;
		char name[TYPE_NAME_MAX];
	} types[TYPE_CACHE];
	unsigned int ntypes;
};

/* Errors that end the whole read: the process, the budget, a bug. Others
 * only make one value unreadable. */
static bool fatal(int err)
{
	return err == -ESRCH || err == -EPERM || err == -E2BIG || err == -ENOMEM || err == -EINVAL;
}

/* The type of obj, its tp_flags and tp_name. */
static int type_of(struct ctx *c, uint64_t obj, uint64_t *flags, const char **name)
{
	uint64_t type, tp_name;
	unsigned int i;
	int err;

	err = pyobj__type(c->r, obj, &type, flags);
	if (err)
		return err;
	for (i = 0; i < c->ntypes && i < TYPE_CACHE; i++) {
		if (c->types[i].type == type) {
			*name = c->types[i].name;
			return 0;
		}
	}
	i = c->ntypes++ % TYPE_CACHE;
	c->types[i].type = 0;
	err = pyobj__read_u64(c->r, type + c->o->type_name, &tp_name);
	if (!err)
		err = pyobj__read_cstr(c->r, tp_name, c->types[i].name, TYPE_NAME_MAX);
	if (err)
		return err;
	/* A name is printed: only what a type name can hold. */
	for (const char *p = c->types[i].name; *p; p++)
		if (*p < 0x21 || *p > 0x7e)
			return -EBADMSG;
	c->types[i].type = type;
	*name = c->types[i].name;
	return 0;
}

/* Is obj's type the builtin of that name (not a subclass, not a class a
 * program named so)? -EBADMSG otherwise. */
static int is_builtin(struct ctx *c, uint64_t obj, const char *want)
{
	const char *name;
	uint64_t flags;
	int err = type_of(c, obj, &flags, &name);

	if (err)
		return err;
	return !(flags & c->o->tpflags_heaptype) && !strcmp(name, want) ? 0 : -EBADMSG;
}

/* An int (or a bool, an int of one digit at most) as Python writes it. */
static int number_text(struct ctx *c, uint64_t obj, bool boolean, char *out, size_t len)
{
	uint32_t digits[PYOBJ_INT_DIGITS_MAX];
	unsigned int nd;
	bool negative;
	int err = pyobj__read_int(c->r, obj, &negative, digits, &nd);

	if (err)
		return err;
	if (!boolean) {
		err = pyrepr__int(negative, digits, nd, c->o->long_shift, out, len);
		return err < 0 ? err : 0;
	}
	/* False has no digit (3.12+: one digit 0), True one digit 1. */
	if (negative || nd > 1 || (nd && digits[0] > 1))
		return -EBADMSG;
	snprintf(out, len, "%s", nd && digits[0] ? "True" : "False");
	return 0;
}

static int int_text(struct ctx *c, uint64_t obj, char *out, size_t len)
{
	return number_text(c, obj, false, out, len);
}

static int bool_text(struct ctx *c, uint64_t obj, char *out, size_t len)
{
	return number_text(c, obj, true, out, len);
}

static int float_text(struct ctx *c, uint64_t obj, char *out, size_t len)
{
	double v;
	int err = pyobj__read(c->r, obj + c->o->float_value, &v, sizeof(v));

	if (err)
		return err;
	err = pyrepr__float(v, out, len);
	return err < 0 ? err : 0;
}

static int str_text(struct ctx *c, uint64_t obj, char *out, size_t len)
{
	uint32_t chars[PYOBJ_STR_MAX];
	uint64_t length;
	int n = pyobj__read_str_chars(c->r, obj, chars, PYOBJ_STR_MAX, &length);

	if (n < 0)
		return n;
	n = pyrepr__str(chars, (size_t)n, length > (uint64_t)n, out, len);
	return n < 0 ? n : 0;
}

static int bytes_text(struct ctx *c, uint64_t obj, char *out, size_t len)
{
	uint8_t b[BYTES_MAX];
	int64_t size;
	size_t n;
	int err = pyobj__read(c->r, obj + c->off->bytes_size, &size, sizeof(size));

	if (err)
		return err;
	if (size < 0 || size > (1ll << 40))
		return -EBADMSG;
	n = (uint64_t)size < BYTES_MAX ? (size_t)size : BYTES_MAX;
	err = n ? pyobj__read(c->r, obj + c->off->bytes_sval, b, n) : 0;
	if (!err)
		err = pyrepr__bytes(b, n, (uint64_t)size > n, out, len);
	return err < 0 ? err : 0;
}

/* The value of the object at obj as text in out. */
static int value_text(struct ctx *c, uint64_t obj, char *out, size_t len)
{
	static const struct {
		const char *type;
		int (*text)(struct ctx *c, uint64_t obj, char *out, size_t len);
	} builtins[] = {
	    {"int", int_text}, {"bool", bool_text},   {"float", float_text},
	    {"str", str_text}, {"bytes", bytes_text},
	};
	const char *name;
	uint64_t flags;
	int err = type_of(c, obj, &flags, &name);

	if (err)
		return err;
	if (!(flags & c->o->tpflags_heaptype)) {
		if (!strcmp(name, "NoneType")) {
			snprintf(out, len, "None");
			return 0;
		}
		for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++) {
			if (strcmp(name, builtins[i].type))
				continue;
			err = builtins[i].text(c, obj, out, len);
			/* An int too long to print: shown as any object. */
			if (err != -ERANGE)
				return err;
			break;
		}
	}
	snprintf(out, len, "<%s object at 0x%" PRIx64 ">", name, obj);
	return 0;
}

/* The items of the tuple at tuple: n of them (at most max) into items. */
static int tuple_items(struct ctx *c, uint64_t tuple, uint64_t *items, uint32_t max, uint32_t *n)
{
	int64_t size;
	int err = is_builtin(c, tuple, "tuple");

	if (!err)
		err = pyobj__read(c->r, tuple + c->o->tuple_size, &size, sizeof(size));
	if (err)
		return err;
	if (size < 0 || size > max)
		return -EBADMSG;
	*n = (uint32_t)size;
	return size ? pyobj__read(c->r, tuple + c->o->tuple_items, items, 8 * (size_t)size) : 0;
}

/* A frame's slots: their names (str objects) and kinds. */
struct slots {
	uint64_t names[PYLOCALS_MAX];
	uint8_t kinds[PYLOCALS_MAX];
	uint64_t values[PYLOCALS_MAX];
	uint32_t n, nargs;
};

#define KIND_CELL 1 /* holds a cell (<=3.10: cell and free variables) */

static int code_int(const uint8_t *buf, uint16_t off, uint32_t *v)
{
	int32_t x;

	memcpy(&x, buf + off, sizeof(x));
	if (x < 0 || x > PYLOCALS_MAX)
		return -EBADMSG;
	*v = (uint32_t)x;
	return 0;
}

/* Names, kinds and argument count of the code object at code. */
static int read_code(struct ctx *c, uint64_t code, struct slots *s)
{
	const struct py_obj_offsets *o = c->o;
	uint16_t fields[] = {o->code_argcount, o->code_kwonlyargcount, o->code_flags,
			     o->code_nlocals,  o->code_varnames,       o->code_cellvars,
			     o->code_freevars, o->code_kinds};
	uint32_t argcount, kwonly, flags, nlocals, n;
	uint8_t buf[CODE_SPAN_MAX];
	uint64_t varnames, kinds;
	size_t span = 0;
	int err;

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (fields[i] != PYOBJ_NO_OFFSET && fields[i] + 8u > span)
			span = fields[i] + 8u;
	if (span > sizeof(buf))
		return -EINVAL;
	err = is_builtin(c, code, "code");
	if (!err)
		err = pyobj__read(c->r, code, buf, span);
	if (!err)
		err = code_int(buf, o->code_argcount, &argcount);
	if (!err)
		err = code_int(buf, o->code_kwonlyargcount, &kwonly);
	if (!err)
		err = code_int(buf, o->code_nlocals, &nlocals);
	if (err)
		return err;
	memcpy(&flags, buf + o->code_flags, sizeof(flags));
	memcpy(&varnames, buf + o->code_varnames, sizeof(varnames));
	s->nargs = argcount + kwonly + !!(flags & o->co_varargs) + !!(flags & o->co_varkeywords);
	if (s->nargs > nlocals)
		return -EBADMSG;
	err = tuple_items(c, varnames, s->names, PYLOCALS_MAX, &s->n);
	if (err)
		return err;
	/* The names tuple and the count must agree. */
	if (s->n != nlocals)
		return -EBADMSG;
	memset(s->kinds, 0, sizeof(s->kinds));
	if (o->locals_layout == PYOBJ_LOCALS_KINDS) {
		/* 3.11+: one kind byte a slot, in a bytes object. */
		memcpy(&kinds, buf + o->code_kinds, sizeof(kinds));
		err = is_builtin(c, kinds, "bytes");
		if (!err)
			err = pyobj__read(c->r, kinds + c->off->bytes_size, &varnames, 8);
		if (!err && varnames != nlocals)
			err = -EBADMSG;
		if (!err && nlocals)
			err = pyobj__read(c->r, kinds + c->off->bytes_sval, s->kinds, nlocals);
		return err;
	}
	/* 3.8-3.10: co_cellvars, then co_freevars, after co_varnames. */
	for (int t = 0; t < 2; t++) {
		uint64_t tuple;

		memcpy(&tuple, buf + (t ? o->code_freevars : o->code_cellvars), sizeof(tuple));
		err = tuple_items(c, tuple, s->names + s->n, PYLOCALS_MAX - s->n, &n);
		if (err)
			return err;
		memset(s->kinds + s->n, KIND_CELL, n);
		s->n += n;
	}
	return 0;
}

/* Is slot i of s an argument? 3.8-3.10 move an argument that a closure
 * captures into a cell (co_cell2arg): its cell has the argument's name
 * (the same interned str). */
static bool is_arg(const struct slots *s, uint32_t i, bool legacy_cell)
{
	if (i < s->nargs)
		return true;
	for (uint32_t a = 0; legacy_cell && a < s->nargs; a++)
		if (s->names[a] == s->names[i])
			return true;
	return false;
}

/* The text of slot i, unless it is unbound (1: leave it out). */
static int slot_text(struct ctx *c, const struct slots *s, uint32_t i, char *out, size_t len)
{
	const struct py_obj_offsets *o = c->o;
	uint64_t v = s->values[i], obj, ref;
	bool cell = o->locals_layout == PYOBJ_LOCALS_KINDS
			? s->kinds[i] & (o->kind_cell | o->kind_free)
			: s->kinds[i] == KIND_CELL;
	int err;

	if (!v || v == o->ref_null)
		return 1;
	/* 3.14+: a _PyStackRef may hold a small int itself. */
	if (o->ref_int_tag && (v & o->ref_tag_mask) == o->ref_int_tag) {
		snprintf(out, len, "%" PRId64, (int64_t)v >> o->ref_int_shift);
		return 0;
	}
	obj = v & ~(uint64_t)o->ref_tag_mask;
	if (cell) {
		/* 3.11+ make the cell when the function starts (MAKE_CELL):
		 * before, the slot holds the value itself. */
		err = is_builtin(c, obj, "cell");
		if (err == -EBADMSG && o->locals_layout == PYOBJ_LOCALS_KINDS &&
		    !(s->kinds[i] & o->kind_free))
			return value_text(c, obj, out, len);
		if (!err)
			err = pyobj__read_u64(c->r, obj + o->cell_ref, &ref);
		if (err)
			return err;
		if (!ref)
			return 1;
		obj = ref;
	}
	return value_text(c, obj, out, len);
}

int pylocals__read(struct pyobj *r, const struct py_offsets *off, const struct py_obj_offsets *obj,
		   uint64_t frame, uint64_t code, struct pylocal *out, int max)
{
	struct ctx c = {.r = r, .off = off, .o = obj};
	struct slots *s = NULL;
	uint64_t running;
	int n = 0, err;

	if (!r || !off || !obj || !frame || !code || (!out && max > 0) || max < 0 ||
	    off->version_hex != obj->version_hex ||
	    (obj->locals_layout != PYOBJ_LOCALS_KINDS &&
	     obj->locals_layout != PYOBJ_LOCALS_VARNAMES))
		return -EINVAL;
	/* The frame must still run code: it may have returned meanwhile. */
	err = pyobj__read_u64(r, frame + off->frame_code, &running);
	if (err)
		return err;
	if ((running & ~(uint64_t)off->exec_tag_bits) != code)
		return -ESTALE;
	s = malloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	err = read_code(&c, code, s);
	if (!err && s->n)
		err = pyobj__read(r, frame + obj->frame_localsplus, s->values, 8ull * s->n);
	for (uint32_t i = 0; !err && i < s->n && n < max; i++) {
		struct pylocal *l = &out[n];

		if (obj->locals_layout == PYOBJ_LOCALS_KINDS && (s->kinds[i] & obj->kind_hidden))
			continue;
		err = slot_text(&c, s, i, l->value, sizeof(l->value));
		if (err == 1) {
			err = 0;
			continue;
		}
		if (err && fatal(err))
			break;
		if (err)
			snprintf(l->value, sizeof(l->value), "%s", PYLOCALS_UNREADABLE);
		/* A name that is not a str: the code object is not one. */
		err = pyobj__read_str(r, s->names[i], l->name, sizeof(l->name));
		if (err)
			break;
		l->arg = is_arg(
		    s, i, obj->locals_layout == PYOBJ_LOCALS_VARNAMES && s->kinds[i] == KIND_CELL);
		n++;
	}
	free(s);
	return err ? err : n;
}
