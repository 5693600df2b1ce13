/* toptable.c: top's counts per function and per line of each process. A
 * frame id maps (per process) to its function's entry and its line's
 * entry; a sample adds its weight to the total of each entry once, and to
 * the own count of its leaf's. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "grow.h"
#include "hashmap.h"
#include "toptable.h"

struct entry {
	uint32_t pid;
	uint32_t frame; /* a frame id of it, for the label */
	bool line;	/* a line's entry, not a function's */
	uint64_t seen;	/* the last sample that counted its total */
	uint64_t own[TOP_PERIODS], total[TOP_PERIODS];
};

struct proc_counts {
	uint32_t pid;
	uint64_t samples[TOP_PERIODS];
};

struct frame_key {
	uint32_t pid, frame;
};

struct func_key {
	uint32_t pid, zero;
	uint64_t hash; /* of the name and the file */
};

struct toptable {
	const struct profile *frames;
	struct entry *entries;
	size_t nentries, cap;
	struct hashmap *by_frame; /* frame_key -> function index + 1 | line index + 1 << 32 */
	struct hashmap *by_func;  /* func_key -> function index */
	struct hashmap *procs;	  /* pid -> index in proc */
	struct proc_counts *proc;
	size_t nproc, proc_cap;
	struct top_counts counts[TOP_PERIODS];
	uint64_t serial;
	struct top_row *rows;
	size_t rows_cap;
};

struct toptable *toptable__new(const struct profile *frames)
{
	struct toptable *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->frames = frames;
	t->by_frame = hashmap__new(sizeof(struct frame_key));
	t->by_func = hashmap__new(sizeof(struct func_key));
	t->procs = hashmap__new(sizeof(uint32_t));
	if (!t->by_frame || !t->by_func || !t->procs) {
		toptable__free(t);
		return NULL;
	}
	return t;
}

void toptable__free(struct toptable *t)
{
	if (!t)
		return;
	hashmap__free(t->by_frame);
	hashmap__free(t->by_func);
	hashmap__free(t->procs);
	free(t->entries);
	free(t->proc);
	free(t->rows);
	free(t);
}

/* Makes room for one more element of size sz in *arr (n used, *cap). */
static long new_entry(struct toptable *t, uint32_t pid, uint32_t frame, bool line)
{
	struct entry *e;

	if (grow__array((void **)&t->entries, &t->cap, t->nentries + 1, sizeof(*t->entries)))
		return -ENOMEM;
	e = &t->entries[t->nentries];
	memset(e, 0, sizeof(*e));
	e->pid = pid;
	e->frame = frame;
	e->line = line;
	return (long)t->nentries++;
}

static uint64_t func_hash(const struct profile_frame *f)
{
	const char *file = f->file ? f->file : "";

	return hashmap__hash(f->name, strlen(f->name)) * 1000003u ^
	       hashmap__hash(file, strlen(file));
}

/* The function's and the line's entries of frame id in process pid. */
static int entries_of(struct toptable *t, uint32_t pid, uint32_t id, size_t *func, size_t *line)
{
	struct frame_key fk = {pid, id};
	const struct profile_frame *f;
	struct func_key uk = {.pid = pid};
	uint64_t v;
	long fi, li;

	if (!hashmap__get(t->by_frame, &fk, &v)) {
		*func = (size_t)(v & 0xffffffffu) - 1;
		*line = (size_t)(v >> 32) - 1;
		return 0;
	}
	f = profile__frame(t->frames, id);
	uk.hash = func_hash(f);
	if (!hashmap__get(t->by_func, &uk, &v)) {
		fi = (long)v;
	} else {
		fi = new_entry(t, pid, id, false);
		if (fi < 0 || hashmap__set(t->by_func, &uk, (uint64_t)fi))
			return -ENOMEM;
	}
	li = new_entry(t, pid, id, true);
	if (li < 0 || hashmap__set(t->by_frame, &fk, (uint64_t)(fi + 1) | (uint64_t)(li + 1) << 32))
		return -ENOMEM;
	*func = (size_t)fi;
	*line = (size_t)li;
	return 0;
}

static void count_total(struct toptable *t, size_t i, uint32_t w)
{
	struct entry *e = &t->entries[i];

	if (e->seen == t->serial)
		return; /* recursion: once per sample */
	e->seen = t->serial;
	e->total[TOP_ALL] += w;
	e->total[TOP_CUR] += w;
}

static struct proc_counts *proc_of(struct toptable *t, uint32_t pid)
{
	uint64_t v;

	if (!hashmap__get(t->procs, &pid, &v))
		return &t->proc[v];
	if (grow__array((void **)&t->proc, &t->proc_cap, t->nproc + 1, sizeof(*t->proc)) ||
	    hashmap__set(t->procs, &pid, t->nproc))
		return NULL;
	memset(&t->proc[t->nproc], 0, sizeof(*t->proc));
	t->proc[t->nproc].pid = pid;
	return &t->proc[t->nproc++];
}

int toptable__add(struct toptable *t, uint32_t pid, const uint32_t *frames, uint32_t n,
		  uint32_t weight, bool gil, bool active)
{
	struct proc_counts *pc = proc_of(t, pid);
	size_t func = 0, line = 0;
	bool leaf = false;

	if (!pc)
		return -ENOMEM;
	t->serial++;
	for (int k = 0; k < 2; k++) {
		int p = k ? TOP_CUR : TOP_ALL;

		t->counts[p].samples += weight;
		t->counts[p].gil += gil ? weight : 0;
		t->counts[p].active += active ? weight : 0;
		pc->samples[p] += weight;
	}
	for (uint32_t i = 0; i < n; i++) {
		const struct profile_frame *f = profile__frame(t->frames, frames[i]);

		if (!f || (f->kind != PF_PYTHON && f->kind != PF_OTHER))
			continue; /* a synthetic root: [truncated] */
		if (entries_of(t, pid, frames[i], &func, &line))
			return -ENOMEM;
		count_total(t, func, weight);
		count_total(t, line, weight);
		leaf = true;
	}
	if (leaf) { /* the innermost frame's: Python, or <GC> */
		t->entries[func].own[TOP_ALL] += weight;
		t->entries[func].own[TOP_CUR] += weight;
		t->entries[line].own[TOP_ALL] += weight;
		t->entries[line].own[TOP_CUR] += weight;
	}
	return 0;
}

void toptable__roll(struct toptable *t)
{
	for (size_t i = 0; i < t->nentries; i++) {
		struct entry *e = &t->entries[i];

		e->own[TOP_LAST] = e->own[TOP_CUR];
		e->total[TOP_LAST] = e->total[TOP_CUR];
		e->own[TOP_CUR] = e->total[TOP_CUR] = 0;
	}
	for (size_t i = 0; i < t->nproc; i++) {
		t->proc[i].samples[TOP_LAST] = t->proc[i].samples[TOP_CUR];
		t->proc[i].samples[TOP_CUR] = 0;
	}
	t->counts[TOP_LAST] = t->counts[TOP_CUR];
	memset(&t->counts[TOP_CUR], 0, sizeof(t->counts[TOP_CUR]));
}

void toptable__reset(struct toptable *t)
{
	for (size_t i = 0; i < t->nentries; i++) {
		memset(t->entries[i].own, 0, sizeof(t->entries[i].own));
		memset(t->entries[i].total, 0, sizeof(t->entries[i].total));
	}
	for (size_t i = 0; i < t->nproc; i++)
		memset(t->proc[i].samples, 0, sizeof(t->proc[i].samples));
	memset(t->counts, 0, sizeof(t->counts));
}

const struct top_counts *toptable__counts(const struct toptable *t, int period)
{
	return &t->counts[period];
}

uint64_t toptable__process_samples(const struct toptable *t, uint32_t pid, int period)
{
	uint64_t v;

	return hashmap__get(t->procs, &pid, &v) ? 0 : t->proc[v].samples[period];
}

uint32_t toptable__nprocesses(const struct toptable *t, int period)
{
	uint32_t n = 0;

	for (size_t i = 0; i < t->nproc; i++)
		n += t->proc[i].samples[period] > 0;
	return n;
}

struct sort_ctx {
	const struct toptable *t;
	const struct top_view *view;
};

static int cmp_u64_desc(uint64_t a, uint64_t b)
{
	return a < b ? 1 : a > b ? -1 : 0;
}

static int cmp_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int cmp_rows(const void *pa, const void *pb, void *arg)
{
	const struct top_row *a = pa, *b = pb;
	const struct sort_ctx *c = arg;
	bool own = c->view->sort == TOP_SORT_OWN || c->view->sort == TOP_SORT_OWNTIME;
	int r;

	if (c->view->by_process && a->pid != b->pid) {
		r = cmp_u64_desc(toptable__process_samples(c->t, a->pid, c->view->period),
				 toptable__process_samples(c->t, b->pid, c->view->period));
		return r ? r : a->pid < b->pid ? -1 : 1;
	}
	r = own ? cmp_u64_desc(a->own, b->own) : cmp_u64_desc(a->total, b->total);
	if (!r)
		r = own ? cmp_u64_desc(a->total, b->total) : cmp_u64_desc(a->own, b->own);
	if (!r)
		r = cmp_str(a->name, b->name);
	if (!r)
		r = cmp_str(a->file, b->file);
	if (!r)
		r = a->line - b->line;
	if (!r)
		r = a->pid < b->pid ? -1 : a->pid > b->pid;
	return r;
}

long toptable__rows(struct toptable *t, const struct top_view *view,
		    const struct top_row **rows)
{
	struct sort_ctx ctx = {t, view};
	size_t n = 0;

	for (size_t i = 0; i < t->nentries; i++) {
		const struct entry *e = &t->entries[i];
		const struct profile_frame *f;
		struct top_row *r;

		if (e->line != view->lines || !e->total[view->period])
			continue;
		if (grow__array((void **)&t->rows, &t->rows_cap, n + 1, sizeof(*t->rows)))
			return -ENOMEM;
		f = profile__frame(t->frames, e->frame);
		r = &t->rows[n++];
		r->pid = e->pid;
		r->name = f->name;
		r->file = f->file;
		r->line = e->line ? f->line : 0;
		r->own = e->own[view->period];
		r->total = e->total[view->period];
	}
	if (n)
		qsort_r(t->rows, n, sizeof(*t->rows), cmp_rows, &ctx);
	*rows = t->rows;
	return (long)n;
}
