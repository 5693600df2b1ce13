/* output_pstats.c: cProfile's stats dict, marshalled, estimated from samples (pstats, snakeviz). */
#include <errno.h>
#include <stdlib.h>

#include "callcounts.h"
#include "grow.h"
#include "hashmap.h"
#include "output.h"
#include "profile_funcs.h"
#include "pymarshal.h"

/*
 * pstats.Stats(FILE) does marshal.load(FILE) and expects cProfile's dict:
 *
 *   {(file, first line, name): (cc, nc, tt, ct, {caller: (nc, cc, tt, ct)})}
 *
 * (Lib/cProfile.py, snapshot_stats: note the two orders of nc and cc). tt
 * is the time in the function itself, ct the time with what it called;
 * nc its calls, cc those not made inside another call of itself (its
 * "primitive" calls); a caller's tuple is the same four for the calls from
 * that caller. From samples, each weighing seconds_per_sample():
 *
 *   tt  the samples the function is the leaf of;
 *   ct  the samples it is on the stack in, once however deep it recurses;
 *   nc  the frames of it the samples hold: every call a sample saw running;
 *   cc  ct's count: the outermost of those calls, once per sample.
 *
 * A caller's four are the same counted on the (caller, callee) pairs of
 * adjacent frames, with cc and ct once per sample for the outermost pair,
 * as cProfile counts a pair's recursion. So the counts hold together as
 * cProfile's do (a function's tt adds up over its callers; pstats shows
 * "nc/cc" where it recursed), but they are counts of samples, not calls:
 * a sampler does not see calls start. With --calls, a function whose
 * calls the interpreter's function__entry probe counted gets that exact
 * count as nc and cc (the probe does not tell recursion apart); its
 * callers' counts stay sample counts: the probe does not see the caller.
 */
struct counts {
	uint64_t nc, cc, tt, ct;
	uint64_t seen; /* the last stack counted in cc and ct */
};

struct edge {
	uint32_t caller, callee; /* functions */
	struct counts c;
};

struct pstats {
	const struct profile_view *v;
	const struct callcounts *calls;
	struct profile_funcs *fs;
	struct counts *funcs; /* per function */
	struct edge *edges;
	size_t nedges, capedges;
	struct hashmap *edge_ix; /* caller << 32 | callee -> index in edges */
};

static int cmp_edge(const void *a, const void *b)
{
	const struct edge *x = a, *y = b;

	if (x->callee != y->callee)
		return x->callee < y->callee ? -1 : 1;
	return x->caller < y->caller ? -1 : x->caller > y->caller;
}

static struct edge *edge_of(struct pstats *ps, uint32_t caller, uint32_t callee)
{
	uint64_t key = (uint64_t)caller << 32 | callee, i;

	if (!hashmap__get(ps->edge_ix, &key, &i))
		return &ps->edges[i];
	if (grow__array((void **)&ps->edges, &ps->capedges, ps->nedges + 1, sizeof(*ps->edges)) ||
	    hashmap__set(ps->edge_ix, &key, ps->nedges))
		return NULL;
	ps->edges[ps->nedges] = (struct edge){.caller = caller, .callee = callee};
	return &ps->edges[ps->nedges++];
}

/* One frame of stack number serial, weighing w samples. */
static void count(struct counts *c, uint64_t serial, uint64_t w, bool leaf)
{
	c->nc += w;
	if (leaf)
		c->tt += w;
	if (c->seen != serial) {
		c->seen = serial;
		c->cc += w;
		c->ct += w;
	}
}

static int count_samples(struct pstats *ps)
{
	for (size_t i = 0; i < profile_view__nstacks(ps->v); i++) {
		const struct profile_stack *s = profile_view__stack(ps->v, i);
		uint32_t caller = PROFILE_NO_FUNC;

		for (uint32_t j = 0; j < s->n; j++) {
			uint32_t fn = profile_funcs__of(ps->fs, s->frames[j]);
			bool leaf = j == s->n - 1;

			count(&ps->funcs[fn], i + 1, s->count, leaf);
			if (caller != PROFILE_NO_FUNC) {
				struct edge *e = edge_of(ps, caller, fn);

				if (!e)
					return -ENOMEM;
				count(&e->c, i + 1, s->count, leaf);
			}
			caller = fn;
		}
	}
	/* --calls: exact counts where the probe counted the function. */
	for (uint32_t i = 0; ps->calls && i < profile_funcs__count(ps->fs); i++) {
		const struct profile_func *fn = profile_funcs__get(ps->fs, i);
		uint64_t n;

		if (fn->python && fn->path &&
		    !callcounts__get(ps->calls, fn->path, fn->first_line, fn->name, &n) && n)
			ps->funcs[i].nc = ps->funcs[i].cc = n;
	}
	return 0;
}

/* Seconds a sample stands for: 1/rate, or the capture's duration shared
 * out when the rate is unknown; with neither, 1 (the times are samples). */
static double seconds_per_sample(const struct profile *p)
{
	const struct profile_meta *m = profile__meta(p);

	if (m->rate_hz > 0)
		return 1.0 / m->rate_hz;
	if (m->duration_s > 0 && profile__total(p))
		return m->duration_s / (double)profile__total(p);
	return 1.0;
}

static void write_key(FILE *f, const struct profile_func *fn)
{
	pymarshal__tuple(f, 3);
	pymarshal__str(f, fn->file);
	pymarshal__int(f, fn->first_line);
	pymarshal__str(f, fn->name);
}

static void write_times(FILE *f, const struct counts *c, double sec)
{
	pymarshal__float(f, (double)c->tt * sec);
	pymarshal__float(f, (double)c->ct * sec);
}

static void write_stats(const struct pstats *ps, double sec, FILE *f)
{
	size_t e = 0;

	pymarshal__dict_begin(f);
	for (uint32_t i = 0; i < profile_funcs__count(ps->fs); i++) {
		const struct counts *c = &ps->funcs[i];

		write_key(f, profile_funcs__get(ps->fs, i));
		pymarshal__tuple(f, 5);
		pymarshal__int(f, (int64_t)c->cc);
		pymarshal__int(f, (int64_t)c->nc);
		write_times(f, c, sec);
		/* Its callers: edges are sorted by callee, then caller. */
		pymarshal__dict_begin(f);
		for (; e < ps->nedges && ps->edges[e].callee == i; e++) {
			const struct counts *ec = &ps->edges[e].c;

			write_key(f, profile_funcs__get(ps->fs, ps->edges[e].caller));
			pymarshal__tuple(f, 4);
			pymarshal__int(f, (int64_t)ec->nc);
			pymarshal__int(f, (int64_t)ec->cc);
			write_times(f, ec, sec);
		}
		pymarshal__dict_end(f);
	}
	pymarshal__dict_end(f);
}

int output__write_pstats(const struct profile *p, const struct output_opts *opts, FILE *f)
{
	struct profile_view_opts vo = {
	    .threads = opts->threads, .processes = opts->processes, .group_by = PROFILE_GROUP_NONE};
	struct pstats ps = {0};
	struct profile_view *v = NULL;
	int err;

	err = profile__view(p, &vo, &v);
	if (err)
		return err;
	ps.v = v;
	ps.calls = opts->calls;
	err = profile_funcs__new(v, &ps.fs);
	if (err)
		goto cleanup;
	err = -ENOMEM;
	ps.funcs = calloc(profile_funcs__count(ps.fs) + 1, sizeof(*ps.funcs));
	ps.edge_ix = hashmap__new(sizeof(uint64_t));
	if (!ps.funcs || !ps.edge_ix)
		goto cleanup;
	err = count_samples(&ps);
	if (err)
		goto cleanup;
	if (ps.nedges)
		qsort(ps.edges, ps.nedges, sizeof(*ps.edges), cmp_edge);
	/* An empty profile is an empty dict, which pstats refuses to load:
	 * there is nothing to show. */
	write_stats(&ps, seconds_per_sample(p), f);
	if (ferror(f))
		err = -EIO;
cleanup:
	hashmap__free(ps.edge_ix);
	free(ps.edges);
	free(ps.funcs);
	profile_funcs__free(ps.fs);
	profile_view__free(v);
	return err;
}
