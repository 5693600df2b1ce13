/* output_speedscope.c: speedscope's JSON file format, one "sampled" profile per thread or process. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "callcounts.h"
#include "jsonout.h"
#include "output.h"

#define SCHEMA "https://www.speedscope.app/file-format-schema.json"
#define NO_INDEX UINT32_MAX

/* A frame; with --calls, its function's exact call count as "calls" (a
 * key of pyhawk's own: speedscope keeps only the keys it knows). */
static void json_frame(FILE *f, const struct profile_frame *fr, const struct callcounts *calls)
{
	uint64_t n;

	fputs("{\"name\": ", f);
	json__str(f, fr->name);
	if (fr->kind == PF_PYTHON && fr->file) {
		fputs(", \"file\": ", f);
		json__str(f, fr->file);
		if (fr->line > 0)
			fprintf(f, ", \"line\": %d", fr->line);
	}
	if (!callcounts__of_frame(calls, fr, &n))
		fprintf(f, ", \"calls\": %" PRIu64, n);
	putc('}', f);
}

/*
 * Weights are seconds: 1/rate per sample, or the capture's duration shared
 * out when the rate is unknown. With neither, plain sample counts ("none").
 * Stacks were aggregated, so each distinct stack is one sample carrying the
 * weight of all its samples; speedscope sums them the same way.
 */
static double weight(const struct profile_meta *m, uint64_t total, uint64_t count)
{
	if (m->rate_hz > 0)
		return (double)count / m->rate_hz;
	if (m->duration_s > 0 && total)
		return (double)count * m->duration_s / (double)total;
	return (double)count;
}

static const char *weight_unit(const struct profile_meta *m, uint64_t total)
{
	return m->rate_hz > 0 || (m->duration_s > 0 && total) ? "seconds" : "none";
}

int output__write_speedscope(const struct profile *p, const struct output_opts *opts, FILE *f)
{
	/* One process: a profile per thread. Several: a profile per process,
	 * with thread roots inside when asked for. */
	struct profile_view_opts vo = {
		.threads = opts->threads,
		.group_by = profile__npids(p) > 1 || opts->processes ? PROFILE_GROUP_PROCESS
									: PROFILE_GROUP_THREAD,
	};
	const struct profile_meta *m = profile__meta(p);
	struct profile_view *v = NULL;
	uint32_t *index = NULL, nused = 0, active = 0;
	size_t nstacks, title_len, si;
	char *title = NULL;
	const char *unit;
	int err;

	err = profile__view(p, &vo, &v);
	if (err)
		return err;
	nstacks = profile_view__nstacks(v);
	/* Frames are numbered in order of first use, so that the file does
	 * not depend on the order the sampler met them in. */
	index = malloc((profile_view__nframes(v) + 1) * sizeof(*index));
	title_len = output__title(p, opts, NULL, 0);
	title = malloc(title_len + 1);
	if (!index || !title) {
		err = -ENOMEM;
		goto cleanup;
	}
	output__title(p, opts, title, title_len + 1);
	for (uint32_t i = 0; i < profile_view__nframes(v); i++)
		index[i] = NO_INDEX;
	for (uint32_t g = 1; g < profile_view__ngroups(v); g++) {
		if (profile_view__group(v, g)->total > profile_view__group(v, active)->total)
			active = g;
	}

	fputs("{\n  \"$schema\": \"" SCHEMA "\",\n  \"exporter\": \"pyhawk\",\n  \"name\": ", f);
	json__str(f, title);
	fprintf(f, ",\n  \"activeProfileIndex\": %" PRIu32 ",\n  \"shared\": {\"frames\": [", active);
	for (size_t i = 0; i < nstacks; i++) {
		const struct profile_stack *s = profile_view__stack(v, i);

		for (uint32_t j = 0; j < s->n; j++) {
			if (index[s->frames[j]] != NO_INDEX)
				continue;
			index[s->frames[j]] = nused;
			fputs(nused++ ? ",\n    " : "\n    ", f);
			json_frame(f, profile_view__frame(v, s->frames[j]),
				   opts ? opts->calls : NULL);
		}
	}
	fputs(nused ? "\n  ]},\n  \"profiles\": [" : "]},\n  \"profiles\": [", f);

	unit = weight_unit(m, profile__total(p));
	if (!profile_view__ngroups(v)) {
		/* speedscope's importer expects at least one profile. */
		fprintf(f, "\n    {\"type\": \"sampled\", \"name\": \"no samples\", \"unit\": \"%s\", "
			   "\"startValue\": 0, \"endValue\": 0, \"samples\": [], \"weights\": []}",
			unit);
	}
	si = 0;
	for (uint32_t g = 0; g < profile_view__ngroups(v); g++) {
		const struct profile_group *grp = profile_view__group(v, g);
		size_t first = si;

		fputs(g ? ",\n    {\"type\": \"sampled\", \"name\": " : "\n    {\"type\": \"sampled\", \"name\": ",
		      f);
		json__str(f, grp->name);
		fprintf(f, ",\n     \"unit\": \"%s\", \"startValue\": 0, \"endValue\": %.12g,\n     \"samples\": [",
			unit, weight(m, profile__total(p), grp->total));
		/* The view sorts stacks by group: this group's are next. */
		for (; si < nstacks && profile_view__stack(v, si)->group == g; si++) {
			const struct profile_stack *s = profile_view__stack(v, si);

			fputs(si > first ? ",\n       [" : "\n       [", f);
			for (uint32_t j = 0; j < s->n; j++)
				fprintf(f, j ? ", %" PRIu32 : "%" PRIu32, index[s->frames[j]]);
			putc(']', f);
		}
		fputs("\n     ],\n     \"weights\": [", f);
		for (size_t k = first; k < si; k++)
			fprintf(f, k > first ? ", %.12g" : "%.12g",
				weight(m, profile__total(p), profile_view__stack(v, k)->count));
		fputs("]}", f);
	}
	fputs("\n  ]\n}\n", f);
	if (ferror(f))
		err = -EIO;
cleanup:
	free(index);
	free(title);
	profile_view__free(v);
	return err;
}
