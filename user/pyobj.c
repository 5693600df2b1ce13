/* pyobj.c: CPython objects (str, int, dict, attributes) read from another process's memory. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "pyhawk.h"
#include "pyobj.h"
#include "pyobj_offsets.h"
#include "pystr.h"

/* The target is read while it runs and is not trusted: every structure may
 * be torn or forged, so every loop and every read is bounded, and a reader
 * makes no more system calls than its budget whatever the target holds. */
#define MAX_ENTRIES    (1u << 17) /* entries of one dict (sys.modules: ~100-2000) */
#define CHUNK	       64	  /* dict entries (and keys compared) per read */
#define ENTRY_MAX      32	  /* bytes of one dict entry we can hold */
#define PROBE_MAX      80	  /* bytes of a str read to compare it with a name */
#define NAME_LEN_MAX   16	  /* longest attribute/module name looked up */
#define MAX_INDEX_LOG2 27	  /* largest dict hash index accepted: 2^27 slots */

struct pytype {
	uint64_t flags;
	int64_t basicsize;
	int64_t dictoffset;
	uint64_t cached_keys; /* heap types: keys shared by instances; else 0 */
};

#define TYPE_CACHE  4
#define INDEX_CACHE 4
#define WINDOW	    256 /* bytes around an object read at once */

struct pyobj {
	pid_t pid;
	const struct py_offsets *off;
	const struct py_obj_offsets *o;
	unsigned int reads, budget;
	/* The objects of one walk have the same few types (threads: Thread,
	 * str, int) and shared keys: each is read once per reader. */
	struct {
		uint64_t addr;
		struct pytype t;
	} types[TYPE_CACHE];
	struct {
		uint64_t keys;
		const char *name;
		int index;
	} index[INDEX_CACHE];
	unsigned int ntypes, nindex;
	/* The object being read and what lies around it (3.11+: the
	 * pre-header before it; 3.13+: its inline values after it), read at
	 * once: its attributes then cost no further system call. */
	uint64_t win_addr;
	size_t win_len;
	uint8_t win[WINDOW];
};

static uint64_t get_u64(const uint8_t *b, size_t off)
{
	uint64_t v;

	memcpy(&v, b + off, sizeof(v));
	return v;
}

static uint32_t get_u32(const uint8_t *b, size_t off)
{
	uint32_t v;

	memcpy(&v, b + off, sizeof(v));
	return v;
}

struct pyobj *pyobj__new(pid_t pid, const struct py_offsets *off, const struct py_obj_offsets *obj,
			 unsigned int budget)
{
	struct pyobj *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->pid = pid;
	r->off = off;
	r->o = obj;
	r->budget = budget;
	return r;
}

void pyobj__free(struct pyobj *r)
{
	free(r);
}

void pyobj__allow_reads(struct pyobj *r, unsigned int n)
{
	r->budget += n;
}

static int vm_errno(void)
{
	return errno == ESRCH || errno == EPERM || errno == ENOMEM ? -errno : -EFAULT;
}

/* Reads n scattered ranges in one system call. Returns how many ranges
 * were read whole (the kernel stops at the first one it cannot read), or
 * -errno for a process that is gone or forbidden. */
static int rd_vec(struct pyobj *r, struct iovec *local, struct iovec *remote, unsigned int n)
{
	size_t got;
	ssize_t ret;
	unsigned int i;

	if (r->reads >= r->budget)
		return -E2BIG;
	r->reads++;
	for (i = 0; i < n; i++) {
		uint64_t a = (uint64_t)(uintptr_t)remote[i].iov_base;

		/* A NULL or wrapping range is never read: count it as the
		 * first failure. */
		if (!a || a + remote[i].iov_len < a) {
			n = i;
			break;
		}
	}
	if (!n)
		return 0;
	ret = process_vm_readv(r->pid, local, n, remote, n, 0);
	if (ret < 0)
		return errno == EFAULT ? 0 : vm_errno();
	/* A range cut short by an unmapped page counts as not read. */
	got = (size_t)ret;
	for (i = 0; i < n && got >= remote[i].iov_len; i++)
		got -= remote[i].iov_len;
	return (int)i;
}

static int rd(struct pyobj *r, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = {buf, len}, remote = {(void *)(uintptr_t)addr, len};
	int n;

	if (r->win_len && addr >= r->win_addr && addr + len >= addr &&
	    addr + len <= r->win_addr + r->win_len) {
		memcpy(buf, r->win + (addr - r->win_addr), len);
		return 0;
	}
	n = rd_vec(r, &local, &remote, 1);
	if (n < 0)
		return n;
	return n == 1 ? 0 : -EFAULT;
}

/* Reads up to len bytes: as many as are mapped, at least min. Returns the
 * count read or -errno. An object near the end of a mapping is shorter
 * than the most a version's header can be. */
static ssize_t rd_upto(struct pyobj *r, uint64_t addr, void *buf, size_t len, size_t min)
{
	size_t to_page = 4096 - (addr & 4095);
	int err = rd(r, addr, buf, len);

	if (err != -EFAULT)
		return err ? err : (ssize_t)len;
	/* Again, up to the end of the page the object starts on. */
	if (to_page >= len || to_page < min)
		return -EFAULT;
	err = rd(r, addr, buf, to_page);
	return err ? err : (ssize_t)to_page;
}

static int rd_u64(struct pyobj *r, uint64_t addr, uint64_t *v)
{
	return rd(r, addr, v, sizeof(*v));
}

int pyobj__read_u64(struct pyobj *r, uint64_t addr, uint64_t *v)
{
	return rd_u64(r, addr, v);
}

/* Reads a few u64 fields of one struct in one system call. */
static int rd_fields(struct pyobj *r, uint64_t base, const uint16_t *offs, unsigned int n,
		     uint64_t *out)
{
	struct iovec local[8], remote[8];
	unsigned int i;
	int got;

	if (n > 8)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		local[i] = (struct iovec){&out[i], sizeof(out[i])};
		remote[i] = (struct iovec){(void *)(uintptr_t)(base + offs[i]), sizeof(out[i])};
	}
	got = rd_vec(r, local, remote, n);
	if (got < 0)
		return got;
	return (unsigned int)got == n ? 0 : -EFAULT;
}

/* A type's fields, read once per reader. */
static int type_info(struct pyobj *r, uint64_t type, struct pytype *t)
{
	const struct py_obj_offsets *o = r->o;
	uint16_t offs[4] = {o->type_flags, o->type_basicsize, o->type_dictoffset,
			    o->heaptype_cached_keys};
	uint64_t v[4];
	unsigned int c;
	int err;

	for (c = 0; c < r->ntypes && c < TYPE_CACHE; c++) {
		if (r->types[c].addr == type) {
			*t = r->types[c].t;
			return 0;
		}
	}
	err = rd_fields(r, type, offs, 4, v);
	if (err)
		return err;
	t->flags = v[0];
	t->basicsize = (int64_t)v[1];
	t->dictoffset = (int64_t)v[2];
	t->cached_keys = (v[0] & o->tpflags_heaptype) ? v[3] : 0;
	c = r->ntypes++ % TYPE_CACHE;
	r->types[c].addr = type;
	r->types[c].t = *t;
	return 0;
}

static int read_type(struct pyobj *r, uint64_t obj, struct pytype *t)
{
	uint64_t type;
	int err = rd_u64(r, obj + r->o->obj_type, &type);

	return err ? err : type_info(r, type, t);
}

/* Does a type have this Py_TPFLAGS_*_SUBCLASS flag (is its instance a
 * str, an int, a dict)? */
static int type_has(struct pyobj *r, uint64_t type, uint32_t flag)
{
	struct pytype t;
	int err = type_info(r, type, &t);

	if (err)
		return err;
	return (t.flags & flag) ? 0 : -EBADMSG;
}

/* Where a str's characters are. hdr holds its first hdrlen bytes. */
struct strinfo {
	uint64_t data;	 /* 0: behind the PyUnicodeObject.data pointer */
	uint64_t length; /* code points */
	int kind;	 /* bytes per code point */
	bool ascii;	 /* compact ASCII: the characters follow the header */
};

static int str_info(struct pyobj *r, uint64_t addr, const uint8_t *hdr, size_t hdrlen,
		    struct strinfo *si)
{
	const struct py_offsets *off = r->off;
	uint32_t state;
	int64_t length;

	if (hdrlen < (size_t)off->str_state + 4 || hdrlen < (size_t)off->str_length + 8)
		return -EFAULT;
	state = get_u32(hdr, off->str_state);
	length = (int64_t)get_u64(hdr, off->str_length);
	si->kind = (int)((state & off->str_kind_mask) >> off->str_kind_shift);
	si->ascii = (state & off->str_compact_mask) && (state & off->str_ascii_mask);
	if (length < 0 || length > (1 << 30) || (si->kind != 1 && si->kind != 2 && si->kind != 4) ||
	    (si->ascii && si->kind != 1))
		return -EBADMSG;
	si->length = (uint64_t)length;
	if (si->ascii)
		si->data = addr + off->str_ascii_size;
	else if (state & off->str_compact_mask)
		si->data = addr + off->str_compact_size;
	else
		si->data = 0;
	return 0;
}

/* Reads the first code points of the str at addr (at most PYOBJ_STR_MAX)
 * raw into raw: *n bytes of *kind bytes each; *length is the whole str's
 * length in code points. */
static int str_raw(struct pyobj *r, uint64_t addr, uint8_t raw[PYOBJ_STR_MAX * 4], size_t *n,
		   int *kind, uint64_t *length)
{
	uint8_t hdr[128];
	struct strinfo si;
	ssize_t got;
	int err;

	if (r->off->str_compact_size > sizeof(hdr) || r->o->str_data + 8u > sizeof(hdr) ||
	    r->o->obj_type + 8u > r->off->str_ascii_size)
		return -EINVAL;
	got = rd_upto(r, addr, hdr, sizeof(hdr), (size_t)r->off->str_ascii_size);
	if (got < 0)
		return (int)got;
	err = type_has(r, get_u64(hdr, r->o->obj_type), r->o->tpflags_unicode_subclass);
	if (!err)
		err = str_info(r, addr, hdr, (size_t)got, &si);
	if (err)
		return err;
	if (!si.data) {
		/* Not compact (a str subclass's instance): a pointer to the
		 * characters. */
		if ((size_t)got < (size_t)r->o->str_data + 8)
			return -EFAULT;
		si.data = get_u64(hdr, r->o->str_data);
	}
	*n = (si.length < PYOBJ_STR_MAX ? si.length : PYOBJ_STR_MAX) * si.kind;
	*kind = si.kind;
	*length = si.length;
	/* Short compact names came with the header. */
	if (si.data >= addr && si.data - addr <= (uint64_t)got && *n <= got - (si.data - addr))
		memcpy(raw, hdr + (si.data - addr), *n);
	else if (*n && (err = rd(r, si.data, raw, *n)))
		return err;
	return 0;
}

/* Reads the str at addr as UTF-8 into out (at most PYOBJ_STR_MAX code
 * points). Returns 0 or -errno. */
int pyobj__read_str(struct pyobj *r, uint64_t addr, char *out, size_t outlen)
{
	uint8_t raw[PYOBJ_STR_MAX * 4];
	uint64_t length;
	size_t n;
	int kind, err;

	err = str_raw(r, addr, raw, &n, &kind, &length);
	if (!err)
		err = pystr__to_utf8(raw, n, kind, out, outlen);
	return err < 0 ? err : 0;
}

int pyobj__read_str_chars(struct pyobj *r, uint64_t addr, uint32_t *chars, size_t max,
			  uint64_t *length)
{
	uint8_t raw[PYOBJ_STR_MAX * 4];
	size_t n, i, k;
	int kind, err;

	err = str_raw(r, addr, raw, &n, &kind, length);
	if (err)
		return err;
	/* Little-endian (x86-64), assembled byte by byte. */
	for (i = 0, k = 0; k < max && i + (size_t)kind <= n; i += (size_t)kind, k++) {
		uint32_t c = raw[i];

		for (int b = 1; b < kind; b++)
			c |= (uint32_t)raw[i + b] << (8 * b);
		chars[k] = c;
	}
	return (int)k;
}

/* Reads an int's sign and digits (least significant first), when it has
 * at most max_nd of them. */
static int read_int_digits(struct pyobj *r, uint64_t addr, unsigned int max_nd, bool *negative,
			   uint32_t *digits, unsigned int *ndigits)
{
	const struct py_obj_offsets *o = r->o;
	unsigned int ds = o->long_digit_size, shift = o->long_shift;
	uint8_t buf[64 + PYOBJ_INT_DIGITS_MAX * 4];
	uint64_t nd, v;
	ssize_t got;
	int err;

	if (o->long_size + 8u > o->long_digits || o->obj_type + 8u > o->long_digits ||
	    o->long_digits + (size_t)max_nd * ds > sizeof(buf) || (ds != 2 && ds != 4) || !shift ||
	    shift > 31)
		return -EINVAL;
	/* The type, the size and max_nd digits, in one read. */
	got = rd_upto(r, addr, buf, o->long_digits + (size_t)max_nd * ds, o->long_digits);
	if (got < 0)
		return (int)got;
	err = type_has(r, get_u64(buf, o->obj_type), o->tpflags_long_subclass);
	if (err)
		return err;
	v = get_u64(buf, o->long_size);
	if (o->long_layout == PYOBJ_LONG_LV_TAG) {
		/* 3.12+: lv_tag = ndigits << NON_SIZE_BITS | (1 - sign). */
		*negative = (v & o->long_sign_mask) == o->long_sign_negative;
		nd = v >> o->long_nonsize_bits;
	} else {
		/* ob_size = sign * ndigits */
		*negative = (int64_t)v < 0;
		nd = *negative ? -v : v;
	}
	if (nd > max_nd)
		return -ERANGE;
	if (o->long_digits + nd * ds > (uint64_t)got)
		return -EFAULT;
	for (uint64_t i = 0; i < nd; i++) {
		const uint8_t *p = buf + o->long_digits + i * ds;
		uint32_t d = ds == 4 ? get_u32(p, 0) : (uint32_t)(p[0] | p[1] << 8);

		if (d >> shift)
			return -EBADMSG;
		digits[i] = d;
	}
	*ndigits = (unsigned int)nd;
	return 0;
}

int pyobj__read_int(struct pyobj *r, uint64_t addr, bool *negative, uint32_t *digits,
		    unsigned int *ndigits)
{
	return read_int_digits(r, addr, PYOBJ_INT_DIGITS_MAX, negative, digits, ndigits);
}

/* Reads a non-negative int that fits 64 bits. */
int pyobj__read_long(struct pyobj *r, uint64_t addr, uint64_t *out)
{
	unsigned int shift = r->o->long_shift, nd;
	uint32_t digits[PYOBJ_INT_DIGITS_MAX];
	bool negative;
	uint64_t v = 0;
	int err;

	if (!shift)
		return -EINVAL;
	err = read_int_digits(r, addr, 64 / shift + 1, &negative, digits, &nd);
	if (err)
		return err;
	if (negative)
		return -ERANGE;
	/* Most significant digit first, refusing what overflows 64 bits. */
	for (unsigned int i = nd; i-- > 0;) {
		if (v >> (64 - shift))
			return -ERANGE;
		v = v << shift | digits[i];
	}
	*out = v;
	return 0;
}

int pyobj__read(struct pyobj *r, uint64_t addr, void *buf, size_t len)
{
	return rd(r, addr, buf, len);
}

int pyobj__read_cstr(struct pyobj *r, uint64_t addr, char *out, size_t outlen)
{
	ssize_t got;

	if (!outlen)
		return -EINVAL;
	got = rd_upto(r, addr, out, outlen, 1);
	if (got < 0)
		return (int)got;
	if (!memchr(out, '\0', (size_t)got))
		return -EBADMSG;
	return 0;
}

int pyobj__type(struct pyobj *r, uint64_t obj, uint64_t *type, uint64_t *flags)
{
	struct pytype t;
	int err = rd_u64(r, obj + r->o->obj_type, type);

	if (!err)
		err = type_info(r, *type, &t);
	if (!err)
		*flags = t.flags;
	return err;
}

/* The entries of a keys object. */
static int keys_view(struct pyobj *r, uint64_t keys, struct pyobj_dict *v)
{
	const struct py_obj_offsets *o = r->o;
	uint8_t hdr[64];
	uint64_t index_bytes, size;
	int64_t nentries;
	bool general = true;
	int err;

	if ((size_t)o->keys_indices > sizeof(hdr) || o->keys_nentries + 8u > o->keys_indices)
		return -EINVAL;
	err = rd(r, keys, hdr, o->keys_indices);
	if (err)
		return err;
	nentries = (int64_t)get_u64(hdr, o->keys_nentries);
	if (o->keys_layout == PYOBJ_KEYS_LOG2) {
		unsigned int log2 = hdr[o->keys_size], lib = hdr[o->keys_log2_index_bytes];

		/* 3.11: 2^dk_log2_size slots of 2^dk_log2_index_bytes bytes
		 * in all: 1, 2, 4 or 8 bytes a slot. */
		if (log2 > MAX_INDEX_LOG2 || lib < log2 || lib > log2 + 3)
			return -EBADMSG;
		size = 1ull << log2;
		index_bytes = 1ull << lib;
		general = hdr[o->keys_kind] == o->keys_kind_general;
	} else {
		int64_t s = (int64_t)get_u64(hdr, o->keys_size);

		/* 3.8-3.10: the slot width follows from dk_size
		 * (DK_IXSIZE in Objects/dictobject.c). */
		if (s < 1 || s > (1ll << MAX_INDEX_LOG2) || (s & (s - 1)))
			return -EBADMSG;
		size = (uint64_t)s;
		index_bytes = size * (size <= 0xff ? 1 : size <= 0xffff ? 2 : 4);
	}
	if (nentries < 0 || (uint64_t)nentries > size)
		return -EBADMSG;
	if (nentries > MAX_ENTRIES)
		return -E2BIG;
	v->entries = keys + o->keys_indices + index_bytes;
	v->n = (uint32_t)nentries;
	v->esize = general ? o->entry_size : o->uentry_size;
	v->ekey = general ? o->entry_key : o->uentry_key;
	v->evalue = general ? o->entry_value : o->uentry_value;
	v->values = 0;
	v->nvalues = 0;
	if (v->esize > ENTRY_MAX || v->ekey + 8u > v->esize || v->evalue + 8u > v->esize)
		return -EINVAL;
	return 0;
}

/* A dict's keys object and, for a split table, its values and how many
 * there are room for. */
static int dict_head(struct pyobj *r, uint64_t dict, uint64_t *keys, uint64_t *values,
		     uint32_t *cap)
{
	const struct py_obj_offsets *o = r->o;
	uint16_t offs[3] = {o->obj_type, o->dict_keys, o->dict_values};
	uint64_t f[3];
	uint8_t c;
	int err;

	err = rd_fields(r, dict, offs, 3, f);
	if (!err)
		err = type_has(r, f[0], o->tpflags_dict_subclass);
	if (err)
		return err;
	*keys = f[1];
	*values = f[2] ? f[2] + o->values_values : 0;
	*cap = UINT32_MAX;
	/* 3.13: a values array may be shorter than the shared keys that
	 * other instances have grown since. */
	if (f[2] && o->values_capacity != PYOBJ_NO_OFFSET) {
		err = rd(r, f[2] + o->values_capacity, &c, 1);
		*cap = c;
	}
	return err;
}

/* The entries (and, for a split table, values) of a dict. */
int pyobj__dict_open(struct pyobj *r, uint64_t dict, struct pyobj_dict *v)
{
	uint64_t keys, values;
	uint32_t cap;
	int err;

	err = dict_head(r, dict, &keys, &values, &cap);
	if (!err)
		err = keys_view(r, keys, v);
	if (err)
		return err;
	v->values = values;
	v->nvalues = values ? (cap < v->n ? cap : v->n) : 0;
	return 0;
}

int pyobj__dict_values(struct pyobj *r, const struct pyobj_dict *d, uint32_t start,
		       uint64_t *values, uint32_t max)
{
	uint8_t ebuf[CHUNK * ENTRY_MAX];
	uint32_t n, k;
	int err;

	if (start >= d->n || !max)
		return 0;
	n = d->n - start < CHUNK ? d->n - start : CHUNK;
	n = n < max ? n : max;
	err = rd(r, d->entries + (uint64_t)start * d->esize, ebuf, (size_t)n * d->esize);
	if (err)
		return err;
	/* A split table may have fewer values than its shared keys have
	 * entries: the entries past them have none. */
	k = n;
	if (d->values) {
		k = start >= d->nvalues ? 0 : d->nvalues - start < n ? d->nvalues - start : n;
		err = k ? rd(r, d->values + 8ull * start, values, 8ull * k) : 0;
		if (err)
			return err;
	}
	for (uint32_t j = 0; j < n; j++) {
		const uint8_t *e = ebuf + (size_t)j * d->esize;
		uint64_t value = j >= k ? 0 : d->values ? values[j] : get_u64(e, d->evalue);

		values[j] = get_u64(e, d->ekey) ? value : 0;
	}
	return (int)n;
}

/* Does the start of a str (header and first bytes) read as name? */
static bool probe_is(struct pyobj *r, const uint8_t *buf, size_t len, const char *name,
		     size_t namelen)
{
	struct strinfo si;

	if (str_info(r, 0, buf, len, &si) || !si.ascii || si.length != namelen)
		return false;
	return r->off->str_ascii_size + namelen <= len &&
	       !memcmp(buf + r->off->str_ascii_size, name, namelen);
}

/* Index of the first entry of v whose key is the str name, or -ENOENT.
 * The keys are compared CHUNK at a time, one system call each. */
static int find_key(struct pyobj *r, const struct pyobj_dict *v, const char *name)
{
	uint8_t ebuf[CHUNK * ENTRY_MAX], probes[CHUNK * PROBE_MAX];
	struct iovec local[CHUNK], remote[CHUNK];
	size_t namelen = strlen(name), psize = r->off->str_ascii_size + namelen;
	uint32_t idx[CHUNK];

	if (namelen > NAME_LEN_MAX || psize > PROBE_MAX)
		return -EINVAL;
	for (uint32_t i = 0; i < v->n; i += CHUNK) {
		uint32_t k = v->n - i < CHUNK ? v->n - i : CHUNK, m = 0, done = 0;
		int err = rd(r, v->entries + (uint64_t)i * v->esize, ebuf, (size_t)k * v->esize);

		if (err)
			return err;
		for (uint32_t j = 0; j < k; j++) {
			uint64_t key = get_u64(ebuf, (size_t)j * v->esize + v->ekey);

			if (!key)
				continue; /* 3.11+: a deleted entry */
			local[m] = (struct iovec){probes + (size_t)m * psize, psize};
			remote[m] = (struct iovec){(void *)(uintptr_t)key, psize};
			idx[m++] = i + j;
		}
		/* A key that cannot be read (torn, or at the end of a
		 * mapping) stops the batch: skip it and go on after it. */
		while (done < m) {
			int got = rd_vec(r, local + done, remote + done, m - done);

			if (got < 0)
				return got;
			for (int j = 0; j < got; j++) {
				uint32_t at = done + (uint32_t)j;

				const uint8_t *p = probes + (size_t)at * psize;

				if (probe_is(r, p, psize, name, namelen) &&
				    !type_has(r, get_u64(p, r->o->obj_type),
					      r->o->tpflags_unicode_subclass))
					return (int)idx[at];
			}
			done += (uint32_t)got + 1;
		}
	}
	return -ENOENT;
}

/* Index of name among a type's shared keys, or -ENOENT. Shared keys only
 * grow, so an index once found stays right for the reader: remembered. */
static int shared_index(struct pyobj *r, uint64_t keys, const char *name)
{
	struct pyobj_dict v;
	unsigned int c;
	int i;

	for (c = 0; c < r->nindex && c < INDEX_CACHE; c++)
		if (r->index[c].keys == keys && r->index[c].name == name)
			return r->index[c].index;
	i = keys_view(r, keys, &v);
	if (!i)
		i = find_key(r, &v, name);
	if (i < 0 && i != -ENOENT)
		return i;
	c = r->nindex++ % INDEX_CACHE;
	r->index[c].keys = keys;
	r->index[c].name = name;
	r->index[c].index = i;
	return i;
}

/* An attribute kept in a values array whose names are the type's shared
 * keys (3.11+ instances). cap: how many values the array has. */
static int values_get(struct pyobj *r, uint64_t keys, uint64_t values, uint32_t cap,
		      const char *name, uint64_t *value)
{
	int i, err;

	if (!keys)
		return -ENOENT;
	i = shared_index(r, keys, name);
	if (i < 0)
		return i;
	if ((uint32_t)i >= cap)
		return -ENOENT;
	err = rd_u64(r, values + 8ull * (uint32_t)i, value);
	if (err)
		return err;
	return *value ? 0 : -ENOENT;
}

/* dict[name] for a dict with str keys. A split table (an instance's
 * __dict__ before 3.11, a materialised one after) shares its type's keys:
 * the name's index there is found once per reader. */
int pyobj__dict_get(struct pyobj *r, uint64_t dict, const char *name, uint64_t *value)
{
	uint64_t keys, values;
	struct pyobj_dict v;
	uint32_t cap;
	int i, err;

	err = dict_head(r, dict, &keys, &values, &cap);
	if (err)
		return err;
	if (values)
		return values_get(r, keys, values, cap, name, value);
	err = keys_view(r, keys, &v);
	if (err)
		return err;
	i = find_key(r, &v, name);
	if (i < 0)
		return i;
	err = rd_u64(r, v.entries + (uint64_t)i * v.esize + v.evalue, value);
	if (err)
		return err;
	return *value ? 0 : -ENOENT;
}

/* obj.name, for an instance attribute (no descriptors, no class
 * attributes): what obj.__dict__[name] holds. */
int pyobj__attr_get(struct pyobj *r, uint64_t obj, const char *name, uint64_t *value)
{
	const struct py_obj_offsets *o = r->o;
	struct pytype t;
	uint64_t dict = 0, word;
	int err;

	err = read_type(r, obj, &t);
	if (err)
		return err;
	if (!(t.flags & o->tpflags_managed_dict)) {
		/* A __dict__ slot in the object (modules; every class before
		 * 3.11). Negative offsets (from the end of a variable-size
		 * object) are not needed here. */
		if (t.dictoffset <= 0 || t.dictoffset > (1 << 20))
			return -ENOTSUP;
		err = rd_u64(r, obj + (uint64_t)t.dictoffset, &dict);
		if (err)
			return err;
		return dict ? pyobj__dict_get(r, dict, name, value) : -ENOENT;
	}
	switch (o->attrs_layout) {
	case PYOBJ_ATTRS_VALUES_PTR:
		/* 3.11: the values, until something asks for __dict__; then
		 * the dict, which took them over. */
		err = rd_u64(r, obj - o->preheader_values, &word);
		if (err)
			return err;
		if (word) {
			err = values_get(r, t.cached_keys, word + o->values_values, UINT32_MAX,
					 name, value);
			if (err != -ENOENT)
				return err;
		}
		err = rd_u64(r, obj - o->preheader_dict, &dict);
		break;
	case PYOBJ_ATTRS_DICT_OR_VALUES:
		/* 3.12: one word, tagged when it points to values. */
		err = rd_u64(r, obj - o->preheader_dict, &word);
		if (err)
			return err;
		if (o->values_tag_mask && (word & o->values_tag_mask))
			return values_get(r, t.cached_keys,
					  word + o->values_tag_adjust + o->values_values,
					  UINT32_MAX, name, value);
		dict = word;
		break;
	case PYOBJ_ATTRS_INLINE:
		/* 3.13: values right after the object, valid until a dict
		 * takes them over (then the dict pointer before it). */
		if (t.flags & o->tpflags_inline_values) {
			uint64_t vals = obj + (uint64_t)t.basicsize;
			uint8_t hdr[8];

			if (t.basicsize <= 0 || t.basicsize > (1 << 20) ||
			    o->values_capacity >= sizeof(hdr) || o->values_valid >= sizeof(hdr))
				return -EBADMSG;
			err = rd(r, vals, hdr, sizeof(hdr));
			if (err)
				return err;
			if (hdr[o->values_valid]) {
				err = values_get(r, t.cached_keys, vals + o->values_values,
						 hdr[o->values_capacity], name, value);
				if (err != -ENOENT)
					return err;
			}
		}
		err = rd_u64(r, obj - o->preheader_dict, &dict);
		break;
	default:
		return -EINVAL;
	}
	if (err)
		return err;
	return dict ? pyobj__dict_get(r, dict, name, value) : -ENOENT;
}

/* Reads the object at obj and the bytes around it that hold its
 * attributes into the window (nothing if they cannot be read at once). */
void pyobj__window_load(struct pyobj *r, uint64_t obj)
{
	size_t before = r->o->preheader_dict > r->o->preheader_values ? r->o->preheader_dict
								      : r->o->preheader_values;
	ssize_t n;

	r->win_len = 0;
	if (obj < before || before + r->o->obj_type + 8 > WINDOW)
		return;
	n = rd_upto(r, obj - before, r->win, WINDOW, before + r->o->obj_type + 8);
	if (n > 0) {
		r->win_addr = obj - before;
		r->win_len = (size_t)n;
	}
}

void pyobj__window_clear(struct pyobj *r)
{
	r->win_len = 0;
}
