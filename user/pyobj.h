/* pyobj.h: CPython objects (str, int, dict, attributes) read from another process's memory. */
#ifndef PYOBJ_H
#define PYOBJ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct py_offsets;
struct py_obj_offsets;

/* Longest str read, in code points (longer ones are cut): the UTF-8 of
 * pyobj__read_str is at most 4 times as many bytes. */
#define PYOBJ_STR_MAX 256
/* Most digits of an int pyobj__read_int reads: 600 bits (30-bit digits),
 * about 180 decimal digits. */
#define PYOBJ_INT_DIGITS_MAX 20

/* A reader of pid's objects. The target is never stopped: it is read with
 * process_vm_readv while it runs, so what it changes meanwhile may be
 * missed or torn. Types and shared keys are read once per reader. */
struct pyobj;

/* A reader that makes at most budget reads (process_vm_readv calls), with
 * the tables of the target's version: off for str, obj for the rest. Both
 * must outlive it. Returns NULL when out of memory. */
struct pyobj *pyobj__new(pid_t pid, const struct py_offsets *off, const struct py_obj_offsets *obj,
			 unsigned int budget);
void pyobj__free(struct pyobj *r);
/* Allows n more reads. */
void pyobj__allow_reads(struct pyobj *r, unsigned int n);

/*
 * Every read below returns 0 or -errno: -ESRCH (no such process), -EPERM
 * (not allowed to read it), -ENOMEM, -E2BIG (the budget is spent, or more
 * to read than pyobj will), -EFAULT (unreadable address), -EBADMSG (not
 * what was asked for: another type, or garbage), -ENOENT (no such key or
 * attribute, or one set to NULL), -ERANGE (an int out of range), -ENOTSUP
 * (an object kind pyobj does not read) or -EINVAL (tables that do not fit
 * the buffers here: a bug).
 */
int pyobj__read_u64(struct pyobj *r, uint64_t addr, uint64_t *v);
/* The str at addr (a str subclass's instance too) as NUL-terminated UTF-8
 * in out: at most PYOBJ_STR_MAX code points, cut on a character boundary
 * to fit outlen. */
int pyobj__read_str(struct pyobj *r, uint64_t addr, char *out, size_t outlen);
/* The str at addr as code points: the first max of them (at most
 * PYOBJ_STR_MAX) into chars, raw (lone surrogates and NULs included); its
 * whole length in *length. Returns how many were written or -errno. */
int pyobj__read_str_chars(struct pyobj *r, uint64_t addr, uint32_t *chars, size_t max,
			  uint64_t *length);
/* The int at addr, when it is not negative and fits 64 bits. */
int pyobj__read_long(struct pyobj *r, uint64_t addr, uint64_t *out);
/* The int at addr of any sign with at most PYOBJ_INT_DIGITS_MAX digits
 * (-ERANGE for a longer one): its digits, least significant first, of
 * long_shift bits each, and their count. */
int pyobj__read_int(struct pyobj *r, uint64_t addr, bool *negative, uint32_t *digits,
		    unsigned int *ndigits);
/* len bytes at addr, all of them. */
int pyobj__read(struct pyobj *r, uint64_t addr, void *buf, size_t len);
/* The NUL-terminated C string at addr (a type's tp_name), when it fits
 * outlen with its NUL; -EBADMSG for a longer one. */
int pyobj__read_cstr(struct pyobj *r, uint64_t addr, char *out, size_t outlen);
/* The type of the object at obj and its tp_flags (read once per reader). */
int pyobj__type(struct pyobj *r, uint64_t obj, uint64_t *type, uint64_t *flags);

/* dict[name] for a dict with str keys, and obj.name for an instance
 * attribute (no descriptors, no class attributes: what obj.__dict__[name]
 * holds). The index of name among a type's shared keys is remembered by
 * the address of name: pass strings that do not change (literals). */
int pyobj__dict_get(struct pyobj *r, uint64_t dict, const char *name, uint64_t *value);
int pyobj__attr_get(struct pyobj *r, uint64_t obj, const char *name, uint64_t *value);

/* A dict's entries (and, for a split table, its values), where
 * pyobj__dict_open found them; the fields are pyobj's. */
struct pyobj_dict {
	uint64_t entries; /* address of entry 0 */
	uint32_t n;	  /* entries in use (dk_nentries) */
	uint16_t esize, ekey, evalue;
	uint64_t values;  /* split table: address of values[0]; else 0 */
	uint32_t nvalues; /* values that exist (<= n) */
};

int pyobj__dict_open(struct pyobj *r, uint64_t dict, struct pyobj_dict *d);
/* The values of d's entries from start on, up to max of them, in one read
 * (two for a split table): values[i] is entry start + i's, or 0 for an
 * entry deleted or without a value. Returns how many entries it covered (0:
 * none left from start) or -errno. */
int pyobj__dict_values(struct pyobj *r, const struct pyobj_dict *d, uint32_t start,
		       uint64_t *values, uint32_t max);

/* Reads the object at obj and the bytes around it that hold its attributes
 * (3.11+: the pre-header before it; 3.13+: its inline values after it) at
 * once, so that reading its attributes costs no further system call, until
 * pyobj__window_clear. Nothing happens if they cannot be read at once. */
void pyobj__window_load(struct pyobj *r, uint64_t obj);
void pyobj__window_clear(struct pyobj *r);

#endif /* PYOBJ_H */
