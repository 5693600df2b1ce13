/* profile.c: aggregation: interned frames and stacks with counts, thread and process names. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile_internal.h"

typedef int (*index_eq_fn)(const void *ctx, uint32_t idx, const void *key);

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
		free((char *)e->f.path);
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

int profile__set_frame_source(struct profile *p, uint32_t id, const char *path, int first_line)
{
	struct profile_frame *f;

	if (id >= p->nframes)
		return -EINVAL;
	f = &frame_ent(p, id)->f;
	if (!f->first_line)
		f->first_line = first_line > 0 ? first_line : 0;
	if (!f->path && path && path[0]) {
		f->path = strdup(path);
		if (!f->path)
			return -ENOMEM;
	}
	return 0;
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
	err = grow__array((void **)&p->pids, &p->cappids, p->npids + 1, sizeof(*p->pids));
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
	err = grow__array((void **)&p->stacks, &p->capstacks, p->nstacks + 1, sizeof(*p->stacks));
	if (!err)
		err = grow__array((void **)&p->ids, &p->capids, p->nids + n, sizeof(*p->ids));
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

struct thread_ent *profile_find_thread(const struct profile *p, uint32_t pid, uint32_t tid)
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
	err = grow__array((void **)&p->threads, &p->capthreads, p->nthreads + 1,
			   sizeof(*p->threads));
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

struct process_ent *profile_find_proc(const struct profile *p, uint32_t pid)
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
	err = grow__array((void **)&p->procs, &p->capprocs, p->nprocs + 1, sizeof(*p->procs));
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

const char *profile__thread_name(const struct profile *p, uint32_t pid, uint32_t tid)
{
	const struct thread_ent *t = profile_find_thread(p, pid, tid);

	return t ? t->name : NULL;
}

const char *profile__process_cmdline(const struct profile *p, uint32_t pid)
{
	const struct process_ent *e = profile_find_proc(p, pid);

	return e ? e->cmdline : NULL;
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

