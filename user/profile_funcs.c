/* profile_funcs.c: frames grouped into functions by (file, first line, name), for pstats and lines.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "profile_funcs.h"

struct profile_funcs {
	struct profile_func *funcs;
	uint32_t nfuncs;
	uint32_t *of; /* per view frame: its function, or PROFILE_NO_FUNC */
	uint32_t nframes;
};

/* A used frame, with the key of its function. */
struct member {
	uint32_t frame;
	int line; /* the frame's own line */
	struct profile_func key;
};

static int cmp_key(const struct profile_func *a, const struct profile_func *b)
{
	int c = strcmp(a->file, b->file);

	if (c)
		return c;
	if (a->first_line != b->first_line)
		return a->first_line < b->first_line ? -1 : 1;
	return strcmp(a->name, b->name);
}

/* By key, then by line, so a function's frames come together, smallest
 * line first. */
static int cmp_member(const void *a, const void *b)
{
	const struct member *x = a, *y = b;
	int c = cmp_key(&x->key, &y->key);

	if (c)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

static int cmp_func_index(const void *a, const void *b, void *ctx)
{
	const struct profile_func *funcs = ctx;

	return cmp_key(&funcs[*(const uint32_t *)a], &funcs[*(const uint32_t *)b]);
}

static void member_key(const struct profile_view *v, uint32_t id, struct member *m)
{
	const struct profile_frame *f = profile_view__frame(v, id);

	m->frame = id;
	m->line = f->line;
	if (f->kind == PF_PYTHON) {
		m->key = (struct profile_func){.name = f->name,
					       .file = f->file ? f->file : "",
					       .path = f->path,
					       .first_line = f->first_line,
					       .python = true};
	} else {
		m->key = (struct profile_func){.name = profile_view__label(v, id), .file = "~"};
	}
}

int profile_funcs__new(const struct profile_view *v, struct profile_funcs **out)
{
	uint32_t nframes = profile_view__nframes(v), nused = 0, nmerged = 0;
	uint32_t *order = NULL, *rank = NULL;
	struct profile_funcs *fs = calloc(1, sizeof(*fs));
	struct profile_func *funcs = NULL;
	struct member *m = NULL;
	int err = -ENOMEM;

	*out = NULL;
	if (!fs)
		return -ENOMEM;
	fs->nframes = nframes;
	fs->of = malloc((nframes + 1) * sizeof(*fs->of));
	m = malloc((nframes + 1) * sizeof(*m));
	if (!fs->of || !m)
		goto cleanup;
	for (uint32_t i = 0; i < nframes; i++)
		fs->of[i] = PROFILE_NO_FUNC;
	/* Only the frames some stack uses (marked with 0 for now). */
	for (size_t i = 0; i < profile_view__nstacks(v); i++) {
		const struct profile_stack *s = profile_view__stack(v, i);

		for (uint32_t j = 0; j < s->n; j++)
			fs->of[s->frames[j]] = 0;
	}
	for (uint32_t i = 0; i < nframes; i++) {
		if (fs->of[i] == 0)
			member_key(v, i, &m[nused++]);
	}
	qsort(m, nused, sizeof(*m), cmp_member);

	/* Runs of one key are one function; its first line, when the
	 * symbolizer did not give it, is its smallest line (they are sorted). */
	funcs = malloc((nused + 1) * sizeof(*funcs));
	order = malloc((nused + 1) * sizeof(*order));
	rank = malloc((nused + 1) * sizeof(*rank));
	if (!funcs || !order || !rank)
		goto cleanup;
	for (uint32_t i = 0, n = 0; i < nused; i++) {
		struct profile_func *f = n ? &funcs[n - 1] : NULL;

		if (!f || i == 0 || cmp_key(&m[i - 1].key, &m[i].key) != 0) {
			f = &funcs[n++];
			*f = m[i].key;
		}
		if (f->python && !f->first_line && m[i].line > 0)
			f->first_line = m[i].line;
		if (!f->path)
			f->path = m[i].key.path;
		fs->of[m[i].frame] = n - 1;
		fs->nfuncs = n;
	}
	/* Filled-in first lines can break the order, or even meet a function
	 * whose first line was known: sort again and merge equal keys. */
	for (uint32_t i = 0; i < fs->nfuncs; i++)
		order[i] = i;
	qsort_r(order, fs->nfuncs, sizeof(*order), cmp_func_index, funcs);
	fs->funcs = malloc((fs->nfuncs + 1) * sizeof(*fs->funcs));
	if (!fs->funcs)
		goto cleanup;
	for (uint32_t i = 0; i < fs->nfuncs; i++) {
		const struct profile_func *f = &funcs[order[i]];

		if (!nmerged || cmp_key(&fs->funcs[nmerged - 1], f) != 0)
			fs->funcs[nmerged++] = *f;
		else if (!fs->funcs[nmerged - 1].path)
			fs->funcs[nmerged - 1].path = f->path;
		rank[order[i]] = nmerged - 1;
	}
	fs->nfuncs = nmerged;
	for (uint32_t i = 0; i < nframes; i++) {
		if (fs->of[i] != PROFILE_NO_FUNC)
			fs->of[i] = rank[fs->of[i]];
	}
	err = 0;
cleanup:
	free(m);
	free(funcs);
	free(order);
	free(rank);
	if (err)
		profile_funcs__free(fs);
	else
		*out = fs;
	return err;
}

void profile_funcs__free(struct profile_funcs *fs)
{
	if (!fs)
		return;
	free(fs->funcs);
	free(fs->of);
	free(fs);
}

uint32_t profile_funcs__count(const struct profile_funcs *fs)
{
	return fs->nfuncs;
}

const struct profile_func *profile_funcs__get(const struct profile_funcs *fs, uint32_t i)
{
	return i < fs->nfuncs ? &fs->funcs[i] : NULL;
}

uint32_t profile_funcs__of(const struct profile_funcs *fs, uint32_t frame)
{
	return frame < fs->nframes ? fs->of[frame] : PROFILE_NO_FUNC;
}
