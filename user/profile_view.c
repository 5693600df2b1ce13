/* profile_view.c: the final stacks as the writers show them: synthetic roots, merged and sorted. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile_internal.h"

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
	const struct thread_ent *t = profile_find_thread(p, pid, tid);

	if (t && t->name[0])
		return xasprintf("thread (%" PRIu32 "): %s", tid, t->name);
	return xasprintf("thread (%" PRIu32 ")", tid);
}

static char *process_root_name(const struct profile *p, uint32_t pid)
{
	const struct process_ent *e = profile_find_proc(p, pid);

	if (e && e->cmdline[0])
		return xasprintf("process %" PRIu32 ": %s", pid, e->cmdline);
	return xasprintf("process %" PRIu32, pid);
}

/* Index of the first element >= key in a sorted array of 4- or 8-byte
 * unsigned integers (elem: their size). */
static size_t lower_bound(const void *a, size_t elem, size_t n, uint64_t key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint64_t v = elem == 8 ? ((const uint64_t *)a)[mid] : ((const uint32_t *)a)[mid];

		if (v < key)
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
	if (grow__array((void **)&v->extra, cap, v->nextra + 1, sizeof(*v->extra))) {
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

	proc_roots = (npids > 1 || o.processes) && o.group_by != PROFILE_GROUP_PROCESS;
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
		size_t ki = lower_bound(keys, 8, nkeys, key), pi = lower_bound(pids, 4, npids, e->pid);
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
