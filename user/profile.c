/* profile.c: aggregation: interned frames, stacks with counts, and views of them for the writers. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"

/*
 * Open-addressing hash index over the entries of a growable array. A slot
 * keeps 32 bits of the entry's hash next to its index, so growing never
 * needs the entries, and most probes that miss never touch them.
 */
struct slot {
	uint32_t hash;
	uint32_t idx1; /* entry index + 1; 0 = empty */
};

struct index {
	struct slot *slots;
	size_t mask; /* capacity - 1, capacity a power of two */
	size_t used;
};

typedef int (*index_eq_fn)(const void *ctx, uint32_t idx, const void *key);

/* Frames live in fixed blocks so that profile__frame() pointers stay valid
 * while more frames are interned. */
#define FRAME_BLOCK_SHIFT 10
#define FRAME_BLOCK (1u << FRAME_BLOCK_SHIFT)

struct frame_ent {
	struct profile_frame f;
	uint32_t hash;
};

struct stack_ent {
	uint64_t count;
	size_t off; /* into profile.ids */
	uint32_t pid, tid, n, hash;
};

struct thread_ent {
	uint32_t pid, tid;
	char *name;
};

struct process_ent {
	uint32_t pid;
	char *cmdline;
};

struct profile {
	struct frame_ent **fblocks;
	size_t nfblocks;
	uint32_t nframes;
	struct index frame_ix;

	struct stack_ent *stacks;
	size_t nstacks, capstacks;
	uint32_t *ids;
	size_t nids, capids;
	struct index stack_ix;

	struct thread_ent *threads;
	size_t nthreads, capthreads;
	struct index thread_ix;

	struct process_ent *procs;
	size_t nprocs, capprocs;
	struct index proc_ix;

	uint32_t *pids; /* pids that have samples */
	size_t npids, cappids;
	struct index pid_ix;

	struct profile_meta meta;
	uint64_t total;
};

/* ---- hashing ---------------------------------------------------------- */

static uint64_t hash_bytes(uint64_t h, const void *data, size_t len)
{
	const unsigned char *b = data;

	/* FNV-1a: short keys, no alignment needs, good enough with a final mix. */
	for (size_t i = 0; i < len; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static uint64_t hash_u64(uint64_t h, uint64_t v)
{
	return hash_bytes(h, &v, sizeof(v));
}

static uint32_t hash_final(uint64_t h)
{
	/* splitmix64's finaliser, so the low bits used for slots are mixed. */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 31;
	return (uint32_t)h;
}

#define HASH_SEED 0xcbf29ce484222325ull

/* ---- index -------------------------------------------------------------- */

static struct slot *index_probe(const struct index *ix, uint32_t h, index_eq_fn eq,
				const void *ctx, const void *key)
{
	size_t i = h & ix->mask;

	for (;;) {
		struct slot *s = &ix->slots[i];

		if (!s->idx1 || (s->hash == h && eq(ctx, s->idx1 - 1, key)))
			return s;
		i = (i + 1) & ix->mask;
	}
}

/* Makes room for one more entry (load factor at most 1/2). */
static int index_reserve(struct index *ix)
{
	size_t cap = ix->slots ? ix->mask + 1 : 0, ncap;
	struct slot *ns;

	if (cap && (ix->used + 1) * 2 <= cap)
		return 0;
	ncap = cap ? cap * 2 : 64;
	if (ncap < cap)
		return -ENOMEM;
	ns = calloc(ncap, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	for (size_t i = 0; i < cap; i++) {
		size_t j;

		if (!ix->slots[i].idx1)
			continue;
		j = ix->slots[i].hash & (ncap - 1);
		while (ns[j].idx1)
			j = (j + 1) & (ncap - 1);
		ns[j] = ix->slots[i];
	}
	free(ix->slots);
	ix->slots = ns;
	ix->mask = ncap - 1;
	return 0;
}

static void index_free(struct index *ix)
{
	free(ix->slots);
	ix->slots = NULL;
	ix->mask = 0;
	ix->used = 0;
}

/* Grows *arr (of elem-sized items) so that it holds at least need items. */
static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 16;
	void *na;

	if (need <= *cap)
		return 0;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / elem)
			return -ENOMEM;
		ncap *= 2;
	}
	na = realloc(*arr, ncap * elem);
	if (!na)
		return -ENOMEM;
	*arr = na;
	*cap = ncap;
	return 0;
}

/* ---- UTF-8 ---------------------------------------------------------------- */

size_t profile__utf8_next(const char *s, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned char c = u[0];

	/* Each test stops at the first bad byte, so a NUL ends the read. */
	*cp = 0xfffd;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		if ((u[1] & 0xc0) != 0x80)
			return 0;
		*cp = (uint32_t)(c & 0x1f) << 6 | (u[1] & 0x3f);
		return 2;
	}
	if (c >= 0xe0 && c <= 0xef) {
		/* E0 needs A0.. (no overlongs), ED stops at 9F (no surrogates). */
		unsigned char lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;

		if (u[1] < lo || u[1] > hi || (u[2] & 0xc0) != 0x80)
			return 0;
		*cp = (uint32_t)(c & 0x0f) << 12 | (uint32_t)(u[1] & 0x3f) << 6 | (u[2] & 0x3f);
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		/* F0 needs 90.. (no overlongs), F4 stops at 8F (U+10FFFF). */
		unsigned char lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;

		if (u[1] < lo || u[1] > hi || (u[2] & 0xc0) != 0x80 || (u[3] & 0xc0) != 0x80)
			return 0;
		*cp = (uint32_t)(c & 0x07) << 18 | (uint32_t)(u[1] & 0x3f) << 12 |
		      (uint32_t)(u[2] & 0x3f) << 6 | (u[3] & 0x3f);
		return 4;
	}
	return 0;
}

static int utf8_valid(const char *s)
{
	uint32_t cp;

	while (*s) {
		size_t l = profile__utf8_next(s, &cp);

		if (!l)
			return 0;
		s += l;
	}
	return 1;
}

/* Copies s, each byte of an invalid sequence becoming U+FFFD. */
static char *utf8_dup(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len = strlen(s);
	char *out, *o;

	if (utf8_valid(s))
		return strdup(s);
	if (len > SIZE_MAX / 3 - 1)
		return NULL;
	out = malloc(len * 3 + 1);
	if (!out)
		return NULL;
	o = out;
	while (*u) {
		uint32_t cp;
		size_t l = profile__utf8_next((const char *)u, &cp);

		if (l) {
			memcpy(o, u, l);
			o += l;
			u += l;
		} else {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			u++;
		}
	}
	*o = '\0';
	return out;
}

/* ---- profile ---------------------------------------------------------------- */

struct profile *profile__new(void)
{
	return calloc(1, sizeof(struct profile));
}

void profile__free(struct profile *p)
{
	if (!p)
		return;
	for (uint32_t i = 0; i < p->nframes; i++) {
		struct frame_ent *e = &p->fblocks[i >> FRAME_BLOCK_SHIFT][i & (FRAME_BLOCK - 1)];

		free((char *)e->f.name);
		free((char *)e->f.file);
	}
	for (size_t i = 0; i < p->nfblocks; i++)
		free(p->fblocks[i]);
	free(p->fblocks);
	index_free(&p->frame_ix);
	free(p->stacks);
	free(p->ids);
	index_free(&p->stack_ix);
	for (size_t i = 0; i < p->nthreads; i++)
		free(p->threads[i].name);
	free(p->threads);
	index_free(&p->thread_ix);
	for (size_t i = 0; i < p->nprocs; i++)
		free(p->procs[i].cmdline);
	free(p->procs);
	index_free(&p->proc_ix);
	free(p->pids);
	index_free(&p->pid_ix);
	free((char *)p->meta.command);
	free(p);
}

static struct frame_ent *frame_ent(const struct profile *p, uint32_t id)
{
	return &p->fblocks[id >> FRAME_BLOCK_SHIFT][id & (FRAME_BLOCK - 1)];
}

static int str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static int frame_eq(const void *ctx, uint32_t idx, const void *key)
{
	const struct profile_frame *a = &frame_ent(ctx, idx)->f, *b = key;

	return a->line == b->line && a->kind == b->kind && str_eq(a->name, b->name) &&
	       str_eq(a->file, b->file);
}

static uint32_t frame_hash(const struct profile_frame *f)
{
	uint64_t h = HASH_SEED;

	h = hash_bytes(h, f->name, strlen(f->name) + 1);
	/* The NUL above separates name from file; NULL and "" files are one. */
	if (f->file)
		h = hash_bytes(h, f->file, strlen(f->file));
	h = hash_u64(h, (uint64_t)(uint32_t)f->line << 32 | (uint32_t)f->kind);
	return hash_final(h);
}

int64_t profile__frame_id(struct profile *p, const char *name, const char *file, int line, int kind)
{
	struct profile_frame key = { .name = name ? name : "", .file = file, .line = line, .kind = kind };
	char *sname = NULL, *sfile = NULL;
	struct frame_ent *e;
	struct slot *s;
	uint32_t h, id;
	int64_t err;

	if (key.file && !key.file[0])
		key.file = NULL;
	/* Look up sanitised strings, so that bad bytes intern like their copy. */
	if (!utf8_valid(key.name)) {
		sname = utf8_dup(key.name);
		if (!sname)
			return -ENOMEM;
		key.name = sname;
	}
	if (key.file && !utf8_valid(key.file)) {
		sfile = utf8_dup(key.file);
		if (!sfile) {
			err = -ENOMEM;
			goto cleanup;
		}
		key.file = sfile;
	}

	err = index_reserve(&p->frame_ix);
	if (err)
		goto cleanup;
	h = frame_hash(&key);
	s = index_probe(&p->frame_ix, h, frame_eq, p, &key);
	if (s->idx1) {
		err = s->idx1 - 1;
		goto cleanup;
	}

	id = p->nframes;
	if (id == UINT32_MAX - 1) {
		err = -ENOMEM;
		goto cleanup;
	}
	if ((id >> FRAME_BLOCK_SHIFT) >= p->nfblocks) {
		struct frame_ent **nb = realloc(p->fblocks, (p->nfblocks + 1) * sizeof(*nb));

		if (!nb) {
			err = -ENOMEM;
			goto cleanup;
		}
		p->fblocks = nb;
		nb[p->nfblocks] = malloc(FRAME_BLOCK * sizeof(**nb));
		if (!nb[p->nfblocks]) {
			err = -ENOMEM;
			goto cleanup;
		}
		p->nfblocks++;
	}
	e = frame_ent(p, id);
	e->f = key;
	e->f.name = sname ? sname : strdup(key.name);
	e->f.file = sfile ? sfile : key.file ? strdup(key.file) : NULL;
	if (!e->f.name || (key.file && !e->f.file)) {
		if (e->f.name != sname)
			free((char *)e->f.name);
		if (e->f.file != sfile)
			free((char *)e->f.file);
		err = -ENOMEM;
		goto cleanup;
	}
	sname = sfile = NULL; /* owned by the entry now */
	e->hash = h;
	s->hash = h;
	s->idx1 = id + 1;
	p->frame_ix.used++;
	p->nframes++;
	err = id;
cleanup:
	free(sname);
	free(sfile);
	return err;
}

const struct profile_frame *profile__frame(const struct profile *p, uint32_t id)
{
	if (id >= p->nframes)
		return NULL;
	return &frame_ent(p, id)->f;
}

struct stack_key {
	uint32_t pid, tid, n;
	const uint32_t *frames;
};

static int stack_eq(const void *ctx, uint32_t idx, const void *key)
{
	const struct profile *p = ctx;
	const struct stack_ent *a = &p->stacks[idx];
	const struct stack_key *b = key;

	return a->pid == b->pid && a->tid == b->tid && a->n == b->n &&
	       (!b->n || memcmp(p->ids + a->off, b->frames, b->n * sizeof(uint32_t)) == 0);
}

static int pid_eq(const void *ctx, uint32_t idx, const void *key)
{
	const struct profile *p = ctx;

	return p->pids[idx] == *(const uint32_t *)key;
}

static int note_pid(struct profile *p, uint32_t pid)
{
	uint32_t h = hash_final(hash_u64(HASH_SEED, pid));
	struct slot *s;
	int err;

	err = index_reserve(&p->pid_ix);
	if (err)
		return err;
	s = index_probe(&p->pid_ix, h, pid_eq, p, &pid);
	if (s->idx1)
		return 0;
	err = grow((void **)&p->pids, &p->cappids, p->npids + 1, sizeof(*p->pids));
	if (err)
		return err;
	p->pids[p->npids] = pid;
	s->hash = h;
	s->idx1 = (uint32_t)++p->npids;
	p->pid_ix.used++;
	return 0;
}

int profile__add(struct profile *p, uint32_t pid, uint32_t tid, const uint32_t *frames, uint32_t n,
		 uint64_t count)
{
	struct stack_key key = { .pid = pid, .tid = tid, .n = n, .frames = frames };
	struct stack_ent *e;
	struct slot *s;
	uint64_t h;
	int err;

	if (n && !frames)
		return -EINVAL;
	for (uint32_t i = 0; i < n; i++) {
		if (frames[i] >= p->nframes)
			return -EINVAL;
	}
	if (!count)
		return 0;

	h = hash_u64(HASH_SEED, (uint64_t)pid << 32 | tid);
	if (n)
		h = hash_bytes(h, frames, n * sizeof(uint32_t));
	err = index_reserve(&p->stack_ix);
	if (err)
		return err;
	s = index_probe(&p->stack_ix, hash_final(h), stack_eq, p, &key);
	if (s->idx1) {
		p->stacks[s->idx1 - 1].count += count;
		p->total += count;
		return 0;
	}

	if (p->nstacks >= UINT32_MAX - 1 || p->nids > SIZE_MAX - n)
		return -ENOMEM;
	err = grow((void **)&p->stacks, &p->capstacks, p->nstacks + 1, sizeof(*p->stacks));
	if (!err)
		err = grow((void **)&p->ids, &p->capids, p->nids + n, sizeof(*p->ids));
	if (!err)
		err = note_pid(p, pid);
	if (err)
		return err;
	if (n)
		memcpy(p->ids + p->nids, frames, n * sizeof(uint32_t));
	e = &p->stacks[p->nstacks];
	e->count = count;
	e->off = p->nids;
	e->pid = pid;
	e->tid = tid;
	e->n = n;
	e->hash = hash_final(h);
	p->nids += n;
	s->hash = e->hash;
	s->idx1 = (uint32_t)++p->nstacks;
	p->stack_ix.used++;
	p->total += count;
	return 0;
}

static int thread_eq(const void *ctx, uint32_t idx, const void *key)
{
	const struct profile *p = ctx;
	const uint32_t *k = key;

	return p->threads[idx].pid == k[0] && p->threads[idx].tid == k[1];
}

static struct thread_ent *find_thread(const struct profile *p, uint32_t pid, uint32_t tid)
{
	uint32_t key[2] = { pid, tid };
	struct slot *s;

	if (!p->thread_ix.slots)
		return NULL;
	s = index_probe(&p->thread_ix, hash_final(hash_u64(HASH_SEED, (uint64_t)pid << 32 | tid)),
			thread_eq, p, key);
	return s->idx1 ? &p->threads[s->idx1 - 1] : NULL;
}

int profile__set_thread_name(struct profile *p, uint32_t pid, uint32_t tid, const char *name)
{
	uint32_t key[2] = { pid, tid }, h;
	char *copy = utf8_dup(name ? name : "");
	struct slot *s;
	int err;

	if (!copy)
		return -ENOMEM;
	err = index_reserve(&p->thread_ix);
	if (err)
		goto cleanup;
	h = hash_final(hash_u64(HASH_SEED, (uint64_t)pid << 32 | tid));
	s = index_probe(&p->thread_ix, h, thread_eq, p, key);
	if (s->idx1) {
		free(p->threads[s->idx1 - 1].name);
		p->threads[s->idx1 - 1].name = copy;
		return 0;
	}
	err = grow((void **)&p->threads, &p->capthreads, p->nthreads + 1, sizeof(*p->threads));
	if (err)
		goto cleanup;
	p->threads[p->nthreads] = (struct thread_ent){ .pid = pid, .tid = tid, .name = copy };
	s->hash = h;
	s->idx1 = (uint32_t)++p->nthreads;
	p->thread_ix.used++;
	return 0;
cleanup:
	free(copy);
	return err;
}

static int proc_eq(const void *ctx, uint32_t idx, const void *key)
{
	const struct profile *p = ctx;

	return p->procs[idx].pid == *(const uint32_t *)key;
}

static struct process_ent *find_proc(const struct profile *p, uint32_t pid)
{
	struct slot *s;

	if (!p->proc_ix.slots)
		return NULL;
	s = index_probe(&p->proc_ix, hash_final(hash_u64(HASH_SEED, pid)), proc_eq, p, &pid);
	return s->idx1 ? &p->procs[s->idx1 - 1] : NULL;
}

int profile__set_process(struct profile *p, uint32_t pid, const char *cmdline)
{
	char *copy = utf8_dup(cmdline ? cmdline : "");
	struct slot *s;
	uint32_t h;
	int err;

	if (!copy)
		return -ENOMEM;
	err = index_reserve(&p->proc_ix);
	if (err)
		goto cleanup;
	h = hash_final(hash_u64(HASH_SEED, pid));
	s = index_probe(&p->proc_ix, h, proc_eq, p, &pid);
	if (s->idx1) {
		free(p->procs[s->idx1 - 1].cmdline);
		p->procs[s->idx1 - 1].cmdline = copy;
		return 0;
	}
	err = grow((void **)&p->procs, &p->capprocs, p->nprocs + 1, sizeof(*p->procs));
	if (err)
		goto cleanup;
	p->procs[p->nprocs] = (struct process_ent){ .pid = pid, .cmdline = copy };
	s->hash = h;
	s->idx1 = (uint32_t)++p->nprocs;
	p->proc_ix.used++;
	return 0;
cleanup:
	free(copy);
	return err;
}

void profile__set_meta(struct profile *p, const struct profile_meta *meta)
{
	free((char *)p->meta.command);
	memset(&p->meta, 0, sizeof(p->meta));
	if (!meta)
		return;
	p->meta = *meta;
	/* A failed copy leaves no command: titles then go without it. */
	p->meta.command = meta->command ? utf8_dup(meta->command) : NULL;
}

const struct profile_meta *profile__meta(const struct profile *p)
{
	return &p->meta;
}

uint64_t profile__total(const struct profile *p)
{
	return p->total;
}

uint32_t profile__npids(const struct profile *p)
{
	return (uint32_t)p->npids;
}

size_t profile__frame_label(const struct profile_frame *f, char *buf, size_t size)
{
	int n;

	if (f->kind == PF_PYTHON && f->file && f->line > 0)
		n = snprintf(buf, size, "%s (%s:%d)", f->name, f->file, f->line);
	else if (f->kind == PF_PYTHON && f->file)
		n = snprintf(buf, size, "%s (%s)", f->name, f->file);
	else
		n = snprintf(buf, size, "%s", f->name);
	return n < 0 ? 0 : (size_t)n;
}

/* ---- views -------------------------------------------------------------- */

struct profile_view {
	const struct profile *p;
	uint32_t nbase;              /* the profile's frames: ids below nbase */
	struct profile_frame *extra; /* synthetic roots: ids from nbase */
	uint32_t nextra;
	char *labels; /* every label, NUL-terminated, back to back */
	size_t *label_off;
	uint32_t *ids; /* frame ids of every stack */
	struct profile_stack *stacks;
	size_t nstacks;
	struct profile_group *groups;
	uint32_t ngroups;
	uint64_t total;
};

struct view_build {
	struct profile_view *v;
	uint32_t *rank; /* per view frame id: position in label order */
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_label(const void *a, const void *b, void *ctx)
{
	const struct profile_view *v = ctx;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int c = strcmp(profile_view__label(v, x), profile_view__label(v, y));

	if (c)
		return c;
	return x < y ? -1 : x > y;
}

static int cmp_stack(const void *a, const void *b, void *ctx)
{
	const struct view_build *vb = ctx;
	const struct profile_stack *x = a, *y = b;
	uint32_t n = x->n < y->n ? x->n : y->n;

	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t rx = vb->rank[x->frames[i]], ry = vb->rank[y->frames[i]];

		if (rx != ry)
			return rx < ry ? -1 : 1;
	}
	return x->n < y->n ? -1 : x->n > y->n;
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

static char *thread_root_name(const struct profile *p, uint32_t pid, uint32_t tid)
{
	const struct thread_ent *t = find_thread(p, pid, tid);

	if (t && t->name[0])
		return xasprintf("thread (%" PRIu32 "): %s", tid, t->name);
	return xasprintf("thread (%" PRIu32 ")", tid);
}

static char *process_root_name(const struct profile *p, uint32_t pid)
{
	const struct process_ent *e = find_proc(p, pid);

	if (e && e->cmdline[0])
		return xasprintf("process %" PRIu32 ": %s", pid, e->cmdline);
	return xasprintf("process %" PRIu32, pid);
}

static size_t bsearch_u64(const uint64_t *a, size_t n, uint64_t key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static size_t bsearch_u32(const uint32_t *a, size_t n, uint32_t key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Adds a synthetic frame; its name (taken over) is also its label. */
static int64_t add_extra(struct profile_view *v, char *name, int kind, size_t *cap)
{
	if (!name)
		return -ENOMEM;
	if (grow((void **)&v->extra, cap, v->nextra + 1, sizeof(*v->extra))) {
		free(name);
		return -ENOMEM;
	}
	v->extra[v->nextra] = (struct profile_frame){ .name = name, .kind = kind };
	return v->nbase + v->nextra++;
}

static int build_labels(struct profile_view *v)
{
	uint32_t n = v->nbase + v->nextra;
	size_t len = 0, off = 0;

	v->label_off = malloc((n + 1) * sizeof(*v->label_off));
	if (!v->label_off)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		v->label_off[i] = len;
		len += profile__frame_label(profile_view__frame(v, i), NULL, 0) + 1;
	}
	v->label_off[n] = len;
	v->labels = malloc(len ? len : 1);
	if (!v->labels)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		size_t l = v->label_off[i + 1] - off;

		profile__frame_label(profile_view__frame(v, i), v->labels + off, l);
		off += l;
	}
	return 0;
}

int profile__view(const struct profile *p, const struct profile_view_opts *opts,
		  struct profile_view **out)
{
	struct profile_view_opts o = opts ? *opts : (struct profile_view_opts){ 0 };
	struct view_build vb = { 0 };
	struct profile_view *v = NULL;
	uint64_t *keys = NULL;        /* distinct (pid << 32 | tid), sorted */
	uint32_t *pids = NULL;        /* distinct pids, sorted */
	int64_t *proc_root = NULL;    /* per pid index */
	int64_t *thread_root = NULL;  /* per key index */
	uint32_t *order = NULL;
	int64_t no_frames = -1; /* stands in for empty stacks */
	size_t nkeys = 0, npids = 0, capextra = 0, nids = 0, roots;
	int proc_roots, thread_roots, err = -ENOMEM;

	*out = NULL;
	if (o.group_by < PROFILE_GROUP_NONE || o.group_by > PROFILE_GROUP_PROCESS)
		return -EINVAL;
	v = calloc(1, sizeof(*v));
	if (!v)
		goto cleanup;
	v->p = p;
	v->nbase = p->nframes;
	v->total = p->total;

	/* The threads and processes that have samples, in numeric order. */
	keys = malloc((p->nstacks + 1) * sizeof(*keys));
	pids = malloc((p->npids + 1) * sizeof(*pids));
	if (!keys || !pids)
		goto cleanup;
	for (size_t i = 0; i < p->nstacks; i++)
		keys[i] = (uint64_t)p->stacks[i].pid << 32 | p->stacks[i].tid;
	qsort(keys, p->nstacks, sizeof(*keys), cmp_u64);
	for (size_t i = 0; i < p->nstacks; i++) {
		if (!nkeys || keys[nkeys - 1] != keys[i])
			keys[nkeys++] = keys[i];
	}
	npids = p->npids;
	if (npids) /* an empty profile has no array at all */
		memcpy(pids, p->pids, npids * sizeof(*pids));
	qsort(pids, npids, sizeof(*pids), cmp_u32);

	proc_roots = npids > 1 && o.group_by != PROFILE_GROUP_PROCESS;
	thread_roots = o.threads && o.group_by != PROFILE_GROUP_THREAD;
	proc_root = calloc(npids + 1, sizeof(*proc_root));
	thread_root = calloc(nkeys + 1, sizeof(*thread_root));
	if (!proc_root || !thread_root)
		goto cleanup;
	for (size_t i = 0; proc_roots && i < npids; i++) {
		proc_root[i] = add_extra(v, process_root_name(p, pids[i]), PF_PROCESS, &capextra);
		if (proc_root[i] < 0)
			goto cleanup;
	}
	for (size_t i = 0; thread_roots && i < nkeys; i++) {
		thread_root[i] = add_extra(v, thread_root_name(p, keys[i] >> 32, (uint32_t)keys[i]),
					   PF_THREAD, &capextra);
		if (thread_root[i] < 0)
			goto cleanup;
	}

	for (size_t i = 0; i < p->nstacks; i++) {
		if (p->stacks[i].n)
			continue;
		/* A sample without frames still counts: give it a frame, or the
		 * raw format could not show it and totals would not add up. */
		no_frames = add_extra(v, strdup("[no Python frames]"), PF_OTHER, &capextra);
		if (no_frames < 0)
			goto cleanup;
		break;
	}

	/* Groups, in the same numeric order. */
	v->ngroups = o.group_by == PROFILE_GROUP_THREAD	   ? (uint32_t)nkeys :
		     o.group_by == PROFILE_GROUP_PROCESS ? (uint32_t)npids :
							   1;
	v->groups = calloc(v->ngroups + 1, sizeof(*v->groups));
	if (!v->groups)
		goto cleanup;
	for (uint32_t i = 0; i < v->ngroups; i++) {
		struct profile_group *g = &v->groups[i];

		if (o.group_by == PROFILE_GROUP_THREAD) {
			g->pid = keys[i] >> 32;
			g->tid = (uint32_t)keys[i];
			g->name = thread_root_name(p, g->pid, g->tid);
		} else if (o.group_by == PROFILE_GROUP_PROCESS) {
			g->pid = pids[i];
			g->name = process_root_name(p, g->pid);
		} else {
			g->name = strdup("all");
		}
		if (!g->name)
			goto cleanup;
	}

	err = build_labels(v);
	if (err)
		goto cleanup;
	err = -ENOMEM;

	/* Every stack with its roots prepended. */
	roots = (size_t)proc_roots + (size_t)thread_roots;
	if (p->nstacks && roots + 1 > (SIZE_MAX / sizeof(uint32_t) - p->nids) / p->nstacks)
		goto cleanup;
	v->ids = malloc((p->nids + (roots + 1) * p->nstacks + 1) * sizeof(*v->ids));
	v->stacks = malloc((p->nstacks + 1) * sizeof(*v->stacks));
	if (!v->ids || !v->stacks)
		goto cleanup;
	for (size_t i = 0; i < p->nstacks; i++) {
		const struct stack_ent *e = &p->stacks[i];
		uint64_t key = (uint64_t)e->pid << 32 | e->tid;
		size_t ki = bsearch_u64(keys, nkeys, key), pi = bsearch_u32(pids, npids, e->pid);
		struct profile_stack *s = &v->stacks[i];
		uint32_t *f = v->ids + nids;

		if (proc_roots)
			*f++ = (uint32_t)proc_root[pi];
		if (thread_roots)
			*f++ = (uint32_t)thread_root[ki];
		if (e->n)
			memcpy(f, p->ids + e->off, e->n * sizeof(uint32_t));
		else
			*f = (uint32_t)no_frames;
		s->frames = v->ids + nids;
		s->n = (e->n ? e->n : 1) + (uint32_t)roots;
		s->count = e->count;
		s->group = o.group_by == PROFILE_GROUP_THREAD	 ? (uint32_t)ki :
			   o.group_by == PROFILE_GROUP_PROCESS ? (uint32_t)pi :
								 0;
		nids += s->n;
	}

	/* Rank frames by label, then sort and merge stacks on those ranks. */
	order = malloc((v->nbase + v->nextra + 1) * sizeof(*order));
	vb.rank = malloc((v->nbase + v->nextra + 1) * sizeof(*vb.rank));
	if (!order || !vb.rank)
		goto cleanup;
	for (uint32_t i = 0; i < v->nbase + v->nextra; i++)
		order[i] = i;
	qsort_r(order, v->nbase + v->nextra, sizeof(*order), cmp_label, v);
	for (uint32_t i = 0; i < v->nbase + v->nextra; i++)
		vb.rank[order[i]] = i;
	vb.v = v;
	qsort_r(v->stacks, p->nstacks, sizeof(*v->stacks), cmp_stack, &vb);
	for (size_t i = 0; i < p->nstacks; i++) {
		struct profile_stack *s = &v->stacks[i];

		if (v->nstacks && v->stacks[v->nstacks - 1].group == s->group &&
		    v->stacks[v->nstacks - 1].n == s->n &&
		    !memcmp(v->stacks[v->nstacks - 1].frames, s->frames, s->n * sizeof(uint32_t)))
			v->stacks[v->nstacks - 1].count += s->count;
		else
			v->stacks[v->nstacks++] = *s;
		v->groups[s->group].total += s->count;
	}

	*out = v;
	v = NULL;
	err = 0;
cleanup:
	profile_view__free(v);
	free(keys);
	free(pids);
	free(proc_root);
	free(thread_root);
	free(order);
	free(vb.rank);
	return err;
}

void profile_view__free(struct profile_view *v)
{
	if (!v)
		return;
	for (uint32_t i = 0; i < v->nextra; i++)
		free((char *)v->extra[i].name);
	free(v->extra);
	for (uint32_t i = 0; v->groups && i < v->ngroups; i++)
		free((char *)v->groups[i].name);
	free(v->groups);
	free(v->labels);
	free(v->label_off);
	free(v->ids);
	free(v->stacks);
	free(v);
}

uint64_t profile_view__total(const struct profile_view *v)
{
	return v->total;
}

size_t profile_view__nstacks(const struct profile_view *v)
{
	return v->nstacks;
}

const struct profile_stack *profile_view__stack(const struct profile_view *v, size_t i)
{
	return i < v->nstacks ? &v->stacks[i] : NULL;
}

uint32_t profile_view__ngroups(const struct profile_view *v)
{
	return v->ngroups;
}

const struct profile_group *profile_view__group(const struct profile_view *v, uint32_t i)
{
	return i < v->ngroups ? &v->groups[i] : NULL;
}

uint32_t profile_view__nframes(const struct profile_view *v)
{
	return v->nbase + v->nextra;
}

const struct profile_frame *profile_view__frame(const struct profile_view *v, uint32_t id)
{
	if (id < v->nbase)
		return profile__frame(v->p, id);
	if (id - v->nbase < v->nextra)
		return &v->extra[id - v->nbase];
	return NULL;
}

const char *profile_view__label(const struct profile_view *v, uint32_t id)
{
	if (id >= v->nbase + v->nextra)
		return NULL;
	return v->labels + v->label_off[id];
}
