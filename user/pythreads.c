/* pythreads.c: the threading names of a Python process's threads, read from its memory. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "pystr.h"
#include "pythreads.h"

/* The target is read while it runs and is not trusted: every structure may
 * be torn or forged, so every loop and every read is bounded, and a walk
 * costs a bounded number of system calls whatever the target holds. */
#define READS_BASE	 256	    /* process_vm_readv calls per walk ... */
#define READS_PER_THREAD 64	    /* ... and more for each Thread object met */
#define MAX_ENTRIES	 (1u << 17) /* entries of one dict (sys.modules: ~100-2000) */
#define MAX_THREADS	 65536	    /* Thread objects looked at */
#define MAX_TASKS	 65536	    /* tasks scanned to translate pid namespaces */
#define CHUNK		 64	    /* dict entries (and keys compared) per read */
#define ENTRY_MAX	 32	    /* bytes of one dict entry we can hold */
#define PROBE_MAX	 80	    /* bytes of a str read to compare it with a name */
#define NAME_LEN_MAX	 16	    /* longest attribute/module name looked up */
#define MAX_INDEX_LOG2	 27	    /* largest dict hash index accepted: 2^27 slots */

struct pytype {
	uint64_t flags;
	int64_t basicsize;
	int64_t dictoffset;
	uint64_t cached_keys; /* heap types: keys shared by instances; else 0 */
};

#define TYPE_CACHE  4
#define INDEX_CACHE 4
#define WINDOW	    256 /* bytes around a Thread object read at once */

struct walk {
	pid_t pid;
	const struct py_offsets *off;
	const struct py_obj_offsets *o;
	unsigned int reads, budget;
	/* Every Thread object has the same few types (Thread, str, int) and
	 * shared keys: each is read once per walk. */
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
	/* The Thread object being read and what lies around it (3.11+: the
	 * pre-header before it; 3.13+: its inline values after it), read at
	 * once: its attributes then cost no further system call. */
	uint64_t win_addr;
	size_t win_len;
	uint8_t win[WINDOW];
};

/* A dict's (or a keys object's) entries, ready to be read. */
struct dictv {
	uint64_t entries; /* address of entry 0 */
	uint32_t n;	  /* entries in use (dk_nentries) */
	uint16_t esize, ekey, evalue;
	uint64_t values;  /* split table: address of values[0]; else 0 */
	uint32_t nvalues; /* values that exist (<= n) */
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

static bool fatal(int err)
{
	/* Errors that end a walk; others only skip what was being read. */
	return err == -ESRCH || err == -EPERM || err == -E2BIG || err == -ENOMEM;
}

static int vm_errno(void)
{
	return errno == ESRCH || errno == EPERM || errno == ENOMEM ? -errno : -EFAULT;
}

/* Reads n scattered ranges in one system call. Returns how many ranges
 * were read whole (the kernel stops at the first one it cannot read), or
 * -errno for a process that is gone or forbidden. */
static int rd_vec(struct walk *w, struct iovec *local, struct iovec *remote, unsigned int n)
{
	size_t got;
	ssize_t r;
	unsigned int i;

	if (w->reads >= w->budget)
		return -E2BIG;
	w->reads++;
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
	r = process_vm_readv(w->pid, local, n, remote, n, 0);
	if (r < 0)
		return errno == EFAULT ? 0 : vm_errno();
	/* A range cut short by an unmapped page counts as not read. */
	got = (size_t)r;
	for (i = 0; i < n && got >= remote[i].iov_len; i++)
		got -= remote[i].iov_len;
	return (int)i;
}

static int rd(struct walk *w, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = {buf, len}, remote = {(void *)(uintptr_t)addr, len};
	int n;

	if (w->win_len && addr >= w->win_addr && addr + len >= addr &&
	    addr + len <= w->win_addr + w->win_len) {
		memcpy(buf, w->win + (addr - w->win_addr), len);
		return 0;
	}
	n = rd_vec(w, &local, &remote, 1);
	if (n < 0)
		return n;
	return n == 1 ? 0 : -EFAULT;
}

/* Reads up to len bytes: as many as are mapped, at least min. Returns the
 * count read or -errno. An object near the end of a mapping is shorter
 * than the most a version's header can be. */
static ssize_t rd_upto(struct walk *w, uint64_t addr, void *buf, size_t len, size_t min)
{
	size_t to_page = 4096 - (addr & 4095);
	int err = rd(w, addr, buf, len);

	if (err != -EFAULT)
		return err ? err : (ssize_t)len;
	/* Again, up to the end of the page the object starts on. */
	if (to_page >= len || to_page < min)
		return -EFAULT;
	err = rd(w, addr, buf, to_page);
	return err ? err : (ssize_t)to_page;
}

static int rd_u64(struct walk *w, uint64_t addr, uint64_t *v)
{
	return rd(w, addr, v, sizeof(*v));
}

/* Reads a few u64 fields of one struct in one system call. */
static int rd_fields(struct walk *w, uint64_t base, const uint16_t *offs, unsigned int n,
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
	got = rd_vec(w, local, remote, n);
	if (got < 0)
		return got;
	return (unsigned int)got == n ? 0 : -EFAULT;
}

/* A type's fields, read once per walk. */
static int type_info(struct walk *w, uint64_t type, struct pytype *t)
{
	const struct py_obj_offsets *o = w->o;
	uint16_t offs[4] = {o->type_flags, o->type_basicsize, o->type_dictoffset,
			    o->heaptype_cached_keys};
	uint64_t v[4];
	unsigned int c;
	int err;

	for (c = 0; c < w->ntypes && c < TYPE_CACHE; c++) {
		if (w->types[c].addr == type) {
			*t = w->types[c].t;
			return 0;
		}
	}
	err = rd_fields(w, type, offs, 4, v);
	if (err)
		return err;
	t->flags = v[0];
	t->basicsize = (int64_t)v[1];
	t->dictoffset = (int64_t)v[2];
	t->cached_keys = (v[0] & o->tpflags_heaptype) ? v[3] : 0;
	c = w->ntypes++ % TYPE_CACHE;
	w->types[c].addr = type;
	w->types[c].t = *t;
	return 0;
}

static int read_type(struct walk *w, uint64_t obj, struct pytype *t)
{
	uint64_t type;
	int err = rd_u64(w, obj + w->o->obj_type, &type);

	return err ? err : type_info(w, type, t);
}

/* Does a type have this Py_TPFLAGS_*_SUBCLASS flag (is its instance a
 * str, an int, a dict)? */
static int type_has(struct walk *w, uint64_t type, uint32_t flag)
{
	struct pytype t;
	int err = type_info(w, type, &t);

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

static int str_info(struct walk *w, uint64_t addr, const uint8_t *hdr, size_t hdrlen,
		    struct strinfo *si)
{
	const struct py_offsets *off = w->off;
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

/* Reads the str at addr as UTF-8 into out (at most PYTHREADS_NAME_MAX code
 * points). Returns 0 or -errno. */
static int read_str(struct walk *w, uint64_t addr, char *out, size_t outlen)
{
	uint8_t hdr[128], raw[PYTHREADS_NAME_MAX * 4];
	struct strinfo si;
	uint64_t n;
	ssize_t got;
	int err;

	if (w->off->str_compact_size > sizeof(hdr) || w->o->str_data + 8u > sizeof(hdr) ||
	    w->o->obj_type + 8u > w->off->str_ascii_size)
		return -EINVAL;
	got = rd_upto(w, addr, hdr, sizeof(hdr), (size_t)w->off->str_ascii_size);
	if (got < 0)
		return (int)got;
	err = type_has(w, get_u64(hdr, w->o->obj_type), w->o->tpflags_unicode_subclass);
	if (!err)
		err = str_info(w, addr, hdr, (size_t)got, &si);
	if (err)
		return err;
	if (!si.data) {
		/* Not compact (a str subclass's instance): a pointer to the
		 * characters. */
		if ((size_t)got < (size_t)w->o->str_data + 8)
			return -EFAULT;
		si.data = get_u64(hdr, w->o->str_data);
	}
	n = (si.length < PYTHREADS_NAME_MAX ? si.length : PYTHREADS_NAME_MAX) * si.kind;
	/* Short compact names came with the header. */
	if (si.data >= addr && si.data - addr <= (uint64_t)got && n <= got - (si.data - addr))
		memcpy(raw, hdr + (si.data - addr), n);
	else if (n && (err = rd(w, si.data, raw, n)))
		return err;
	err = pystr__to_utf8(raw, n, si.kind, out, outlen);
	return err < 0 ? err : 0;
}

/* Reads a non-negative int that fits 64 bits. */
static int read_long(struct walk *w, uint64_t addr, uint64_t *out)
{
	const struct py_obj_offsets *o = w->o;
	unsigned int ds = o->long_digit_size, shift = o->long_shift;
	uint64_t nd, v, max_nd = 64 / (shift ? shift : 64) + 1;
	uint8_t buf[64];
	ssize_t got;
	int err;

	if (o->long_size + 8u > o->long_digits || o->obj_type + 8u > o->long_digits ||
	    o->long_digits + max_nd * ds > sizeof(buf) || (ds != 2 && ds != 4) || !shift)
		return -EINVAL;
	/* The type, the size and the digits a 64-bit value can have, in one
	 * read. */
	got = rd_upto(w, addr, buf, o->long_digits + max_nd * ds, o->long_digits);
	if (got < 0)
		return (int)got;
	err = type_has(w, get_u64(buf, o->obj_type), o->tpflags_long_subclass);
	if (err)
		return err;
	v = get_u64(buf, o->long_size);
	if (o->long_layout == PYOBJ_LONG_LV_TAG) {
		/* 3.12+: lv_tag = ndigits << NON_SIZE_BITS | (1 - sign). */
		if ((v & o->long_sign_mask) == o->long_sign_negative)
			return -ERANGE;
		nd = v >> o->long_nonsize_bits;
	} else {
		/* ob_size = sign * ndigits */
		if ((int64_t)v < 0)
			return -ERANGE;
		nd = v;
	}
	if (nd > max_nd)
		return -ERANGE;
	if (o->long_digits + nd * ds > (uint64_t)got)
		return -EFAULT;
	/* Most significant digit first, refusing what overflows 64 bits. */
	v = 0;
	for (uint64_t i = nd; i-- > 0;) {
		const uint8_t *p = buf + o->long_digits + i * ds;
		uint64_t d = ds == 4 ? get_u32(p, 0) : (uint64_t)(p[0] | p[1] << 8);

		if (d >> shift)
			return -EBADMSG;
		if (v >> (64 - shift))
			return -ERANGE;
		v = v << shift | d;
	}
	*out = v;
	return 0;
}

/* The entries of a keys object. */
static int keys_view(struct walk *w, uint64_t keys, struct dictv *v)
{
	const struct py_obj_offsets *o = w->o;
	uint8_t hdr[64];
	uint64_t index_bytes, size;
	int64_t nentries;
	bool general = true;
	int err;

	if ((size_t)o->keys_indices > sizeof(hdr) || o->keys_nentries + 8u > o->keys_indices)
		return -EINVAL;
	err = rd(w, keys, hdr, o->keys_indices);
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
static int dict_head(struct walk *w, uint64_t dict, uint64_t *keys, uint64_t *values, uint32_t *cap)
{
	const struct py_obj_offsets *o = w->o;
	uint16_t offs[3] = {o->obj_type, o->dict_keys, o->dict_values};
	uint64_t f[3];
	uint8_t c;
	int err;

	err = rd_fields(w, dict, offs, 3, f);
	if (!err)
		err = type_has(w, f[0], o->tpflags_dict_subclass);
	if (err)
		return err;
	*keys = f[1];
	*values = f[2] ? f[2] + o->values_values : 0;
	*cap = UINT32_MAX;
	/* 3.13: a values array may be shorter than the shared keys that
	 * other instances have grown since. */
	if (f[2] && o->values_capacity != PYOBJ_NO_OFFSET) {
		err = rd(w, f[2] + o->values_capacity, &c, 1);
		*cap = c;
	}
	return err;
}

/* The entries (and, for a split table, values) of a dict. */
static int dict_view(struct walk *w, uint64_t dict, struct dictv *v)
{
	uint64_t keys, values;
	uint32_t cap;
	int err;

	err = dict_head(w, dict, &keys, &values, &cap);
	if (!err)
		err = keys_view(w, keys, v);
	if (err)
		return err;
	v->values = values;
	v->nvalues = values ? (cap < v->n ? cap : v->n) : 0;
	return 0;
}

/* Does the start of a str (header and first bytes) read as name? */
static bool probe_is(struct walk *w, const uint8_t *buf, size_t len, const char *name,
		     size_t namelen)
{
	struct strinfo si;

	if (str_info(w, 0, buf, len, &si) || !si.ascii || si.length != namelen)
		return false;
	return w->off->str_ascii_size + namelen <= len &&
	       !memcmp(buf + w->off->str_ascii_size, name, namelen);
}

/* Index of the first entry of v whose key is the str name, or -ENOENT.
 * The keys are compared CHUNK at a time, one system call each. */
static int find_key(struct walk *w, const struct dictv *v, const char *name)
{
	uint8_t ebuf[CHUNK * ENTRY_MAX], probes[CHUNK * PROBE_MAX];
	struct iovec local[CHUNK], remote[CHUNK];
	size_t namelen = strlen(name), psize = w->off->str_ascii_size + namelen;
	uint32_t idx[CHUNK];

	if (namelen > NAME_LEN_MAX || psize > PROBE_MAX)
		return -EINVAL;
	for (uint32_t i = 0; i < v->n; i += CHUNK) {
		uint32_t k = v->n - i < CHUNK ? v->n - i : CHUNK, m = 0, done = 0;
		int err = rd(w, v->entries + (uint64_t)i * v->esize, ebuf, (size_t)k * v->esize);

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
			int got = rd_vec(w, local + done, remote + done, m - done);

			if (got < 0)
				return got;
			for (int j = 0; j < got; j++) {
				uint32_t at = done + (uint32_t)j;

				const uint8_t *p = probes + (size_t)at * psize;

				if (probe_is(w, p, psize, name, namelen) &&
				    !type_has(w, get_u64(p, w->o->obj_type),
					      w->o->tpflags_unicode_subclass))
					return (int)idx[at];
			}
			done += (uint32_t)got + 1;
		}
	}
	return -ENOENT;
}

/* Index of name among a type's shared keys, or -ENOENT. Shared keys only
 * grow, so an index once found stays right for the walk: remembered. */
static int shared_index(struct walk *w, uint64_t keys, const char *name)
{
	struct dictv v;
	unsigned int c;
	int i;

	for (c = 0; c < w->nindex && c < INDEX_CACHE; c++)
		if (w->index[c].keys == keys && w->index[c].name == name)
			return w->index[c].index;
	i = keys_view(w, keys, &v);
	if (!i)
		i = find_key(w, &v, name);
	if (i < 0 && i != -ENOENT)
		return i;
	c = w->nindex++ % INDEX_CACHE;
	w->index[c].keys = keys;
	w->index[c].name = name;
	w->index[c].index = i;
	return i;
}

/* An attribute kept in a values array whose names are the type's shared
 * keys (3.11+ instances). cap: how many values the array has. */
static int values_get(struct walk *w, uint64_t keys, uint64_t values, uint32_t cap,
		      const char *name, uint64_t *value)
{
	int i, err;

	if (!keys)
		return -ENOENT;
	i = shared_index(w, keys, name);
	if (i < 0)
		return i;
	if ((uint32_t)i >= cap)
		return -ENOENT;
	err = rd_u64(w, values + 8ull * (uint32_t)i, value);
	if (err)
		return err;
	return *value ? 0 : -ENOENT;
}

/* dict[name] for a dict with str keys. A split table (an instance's
 * __dict__ before 3.11, a materialised one after) shares its type's keys:
 * the name's index there is found once per walk. */
static int dict_get(struct walk *w, uint64_t dict, const char *name, uint64_t *value)
{
	uint64_t keys, values;
	struct dictv v;
	uint32_t cap;
	int i, err;

	err = dict_head(w, dict, &keys, &values, &cap);
	if (err)
		return err;
	if (values)
		return values_get(w, keys, values, cap, name, value);
	err = keys_view(w, keys, &v);
	if (err)
		return err;
	i = find_key(w, &v, name);
	if (i < 0)
		return i;
	err = rd_u64(w, v.entries + (uint64_t)i * v.esize + v.evalue, value);
	if (err)
		return err;
	return *value ? 0 : -ENOENT;
}

/* obj.name, for an instance attribute (no descriptors, no class
 * attributes): what obj.__dict__[name] holds. */
static int attr_get(struct walk *w, uint64_t obj, const char *name, uint64_t *value)
{
	const struct py_obj_offsets *o = w->o;
	struct pytype t;
	uint64_t dict = 0, word;
	int err;

	err = read_type(w, obj, &t);
	if (err)
		return err;
	if (!(t.flags & o->tpflags_managed_dict)) {
		/* A __dict__ slot in the object (modules; every class before
		 * 3.11). Negative offsets (from the end of a variable-size
		 * object) are not needed here. */
		if (t.dictoffset <= 0 || t.dictoffset > (1 << 20))
			return -ENOTSUP;
		err = rd_u64(w, obj + (uint64_t)t.dictoffset, &dict);
		if (err)
			return err;
		return dict ? dict_get(w, dict, name, value) : -ENOENT;
	}
	switch (o->attrs_layout) {
	case PYOBJ_ATTRS_VALUES_PTR:
		/* 3.11: the values, until something asks for __dict__; then
		 * the dict, which took them over. */
		err = rd_u64(w, obj - o->preheader_values, &word);
		if (err)
			return err;
		if (word) {
			err = values_get(w, t.cached_keys, word + o->values_values, UINT32_MAX,
					 name, value);
			if (err != -ENOENT)
				return err;
		}
		err = rd_u64(w, obj - o->preheader_dict, &dict);
		break;
	case PYOBJ_ATTRS_DICT_OR_VALUES:
		/* 3.12: one word, tagged when it points to values. */
		err = rd_u64(w, obj - o->preheader_dict, &word);
		if (err)
			return err;
		if (o->values_tag_mask && (word & o->values_tag_mask))
			return values_get(w, t.cached_keys,
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
			err = rd(w, vals, hdr, sizeof(hdr));
			if (err)
				return err;
			if (hdr[o->values_valid]) {
				err = values_get(w, t.cached_keys, vals + o->values_values,
						 hdr[o->values_capacity], name, value);
				if (err != -ENOENT)
					return err;
			}
		}
		err = rd_u64(w, obj - o->preheader_dict, &dict);
		break;
	default:
		return -EINVAL;
	}
	if (err)
		return err;
	return dict ? dict_get(w, dict, name, value) : -ENOENT;
}

/* Reads the object at obj and the bytes around it that hold its
 * attributes into the window (nothing if they cannot be read at once). */
static void win_load(struct walk *w, uint64_t obj)
{
	size_t before = w->o->preheader_dict > w->o->preheader_values ? w->o->preheader_dict
								      : w->o->preheader_values;
	ssize_t n;

	w->win_len = 0;
	if (obj < before || before + w->o->obj_type + 8 > WINDOW)
		return;
	n = rd_upto(w, obj - before, w->win, WINDOW, before + w->o->obj_type + 8);
	if (n > 0) {
		w->win_addr = obj - before;
		w->win_len = (size_t)n;
	}
}

/* Kernel tids as the target's pid namespace numbers them -> as ours does. */
struct nsmap {
	bool built, identity;
	uint32_t (*pairs)[2]; /* {inner, outer}, sorted by inner */
	size_t n;
};

/* The NSpid numbers of a /proc status file: returns how many (0: no such
 * line, old kernel) and the first and last. */
static int nspid(const char *path, uint32_t *first, uint32_t *last)
{
	char line[256];
	int count = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *p = line + 6, *end;

		if (strncmp(line, "NSpid:", 6))
			continue;
		for (;;) {
			unsigned long v = strtoul(p, &end, 10);

			if (end == p)
				break;
			if (!count++)
				*first = (uint32_t)v;
			*last = (uint32_t)v;
			p = end;
		}
		break;
	}
	fclose(f);
	return count;
}

static int cmp_pair(const void *a, const void *b)
{
	uint32_t x = ((const uint32_t *)a)[0], y = ((const uint32_t *)b)[0];

	return x < y ? -1 : x > y;
}

static int nsmap_build(struct nsmap *m, pid_t pid)
{
	char path[64];
	uint32_t first, last;
	struct dirent *de;
	size_t cap = 0;
	DIR *d;
	int n;

	m->built = true;
	m->identity = true;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	n = nspid(path, &first, &last);
	if (n < 0)
		return n;
	if (n <= 1)
		return 0;
	m->identity = false;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d)) && m->n < MAX_TASKS) {
		char sp[96];

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(sp, sizeof(sp), "/proc/%d/task/%.16s/status", (int)pid, de->d_name);
		if (nspid(sp, &first, &last) < 2)
			continue; /* gone meanwhile */
		if (m->n == cap) {
			size_t nc = cap ? 2 * cap : 64;
			void *p = realloc(m->pairs, nc * sizeof(*m->pairs));

			if (!p) {
				closedir(d);
				return -ENOMEM;
			}
			m->pairs = p;
			cap = nc;
		}
		m->pairs[m->n][0] = last;
		m->pairs[m->n][1] = first;
		m->n++;
	}
	closedir(d);
	qsort(m->pairs, m->n, sizeof(*m->pairs), cmp_pair);
	return 0;
}

/* Our tid for the target's tid; 0 when no such thread is (still) there. */
static uint32_t nsmap_tid(struct nsmap *m, pid_t pid, uint32_t inner)
{
	uint32_t key[2] = {inner, 0};
	const uint32_t *p;

	if (!m->built && nsmap_build(m, pid))
		m->identity = true; /* best effort: /proc unreadable */
	if (m->identity)
		return inner;
	p = bsearch(key, m->pairs, m->n, sizeof(*m->pairs), cmp_pair);
	return p ? p[1] : 0;
}

struct report {
	struct walk *w;
	struct nsmap ns;
	pythreads_cb cb;
	void *ctx;
	int count;
	unsigned int seen;
};

/* One Thread object: its _native_id and _name, if both are set. */
static int report_thread(struct report *rp, uint64_t thread)
{
	char name[PYTHREADS_NAME_MAX * 4 + 1];
	uint64_t attr, tid = 0;
	uint32_t ours;
	int err;

	win_load(rp->w, thread);
	/* _native_id is None until the thread runs (and on platforms
	 * without native ids): not an int, skipped. */
	err = attr_get(rp->w, thread, "_native_id", &attr);
	if (!err)
		err = read_long(rp->w, attr, &tid);
	if (!err && (tid == 0 || tid > UINT32_MAX))
		err = -ERANGE;
	if (!err)
		err = attr_get(rp->w, thread, "_name", &attr);
	if (!err)
		err = read_str(rp->w, attr, name, sizeof(name));
	rp->w->win_len = 0;
	if (err)
		return fatal(err) ? err : 0;
	ours = nsmap_tid(&rp->ns, rp->w->pid, (uint32_t)tid);
	if (!ours)
		return 0;
	rp->cb(rp->ctx, ours, name);
	rp->count++;
	return 0;
}

/* Every value of a dict of Thread objects (_active: ident -> Thread;
 * _limbo: Thread -> Thread), CHUNK entries a read. */
static int report_dict(struct report *rp, uint64_t dict)
{
	uint8_t ebuf[CHUNK * ENTRY_MAX];
	uint64_t vbuf[CHUNK];
	struct dictv v;
	int err;

	err = dict_view(rp->w, dict, &v);
	if (err)
		return err;
	for (uint32_t i = 0; i < v.n && rp->seen < MAX_THREADS; i += CHUNK) {
		uint32_t k = v.n - i < CHUNK ? v.n - i : CHUNK;

		err = rd(rp->w, v.entries + (uint64_t)i * v.esize, ebuf, (size_t)k * v.esize);
		if (!err && v.values) {
			k = i >= v.nvalues ? 0 : v.nvalues - i < k ? v.nvalues - i : k;
			err = k ? rd(rp->w, v.values + 8ull * i, vbuf, 8ull * k) : 0;
		}
		if (err)
			return err;
		for (uint32_t j = 0; j < k; j++) {
			const uint8_t *e = ebuf + (size_t)j * v.esize;
			uint64_t value = v.values ? vbuf[j] : get_u64(e, v.evalue);

			if (!get_u64(e, v.ekey) || !value)
				continue;
			rp->seen++;
			rp->w->budget += READS_PER_THREAD;
			err = report_thread(rp, value);
			if (err)
				return err;
		}
	}
	return 0;
}

int pythreads__names(pid_t pid, uint32_t version_hex, uint64_t runtime,
		     const struct py_offsets *off, const struct py_obj_offsets *obj,
		     pythreads_cb cb, void *ctx)
{
	struct walk w = {.pid = pid, .off = off, .o = obj, .budget = READS_BASE};
	struct report rp = {.w = &w, .cb = cb, .ctx = ctx};
	uint64_t interp, modules, threading, active, limbo;
	int err;

	if (pid <= 0 || !runtime || !off || !obj || !cb ||
	    off->version_hex >> 16 != version_hex >> 16 ||
	    obj->version_hex >> 16 != version_hex >> 16)
		return -EINVAL;
	err = rd_u64(&w, runtime + obj->runtime_interpreters_main, &interp);
	if (!err && !interp)
		err = -ENOENT; /* not initialised yet */
	if (!err)
		err = rd_u64(&w, interp + obj->interp_modules, &modules);
	if (!err && !modules)
		err = -ENOENT;
	if (!err)
		err = dict_get(&w, modules, "threading", &threading);
	if (!err)
		err = attr_get(&w, threading, "_active", &active);
	if (!err)
		err = report_dict(&rp, active);
	/* Threads between start() and their registration in _active: named
	 * already, and their native id is set just before the move. */
	if (!err && !attr_get(&w, threading, "_limbo", &limbo))
		err = report_dict(&rp, limbo);
	free(rp.ns.pairs);
	/* What threading itself is and holds is target data: anything
	 * unexpected there reads as garbage, not as a bug of ours. */
	if (err == -ENOTSUP || err == -ERANGE)
		err = -EBADMSG;
	return err ? err : rp.count;
}

int pythreads__comm(pid_t pid, uint32_t tid, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	if (!buf || !len)
		return -EINVAL;
	snprintf(path, sizeof(path), "/proc/%d/task/%u/comm", (int)pid, tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return (int)n;
}
