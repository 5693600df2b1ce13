/* output_lines.c: a line_profiler-style report: each hot function's source lines with their
 * samples. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "profile_funcs.h"
#include "sources.h"

/* Runs of more unsampled lines than this between two shown lines are
 * folded into one "..." row. */
#define MAX_GAP 5

/*
 * A line's samples are those in which the function's frame was at that
 * line: the time of the line itself and of what it called, as
 * line_profiler counts a line's time. A function's samples are those it
 * was on the stack in. Both are counted once per sample, however deep the
 * function recursed, so a line is never above 100 % of its function.
 */
struct line_row {
	uint32_t func;
	int line;
	uint64_t samples;
};

struct func_total {
	uint32_t func;
	uint64_t samples;
	uint64_t seen; /* the last stack counted */
};

struct report {
	const struct profile_view *v;
	struct profile_funcs *fs;
	struct func_total *funcs; /* per function, then sorted by samples */
	struct line_row *rows;	  /* per used Python frame, then sorted by function and line */
	size_t nrows;
	uint64_t total;
};

static int cmp_total(const void *a, const void *b)
{
	const struct func_total *x = a, *y = b;

	if (x->samples != y->samples)
		return x->samples > y->samples ? -1 : 1;
	return x->func < y->func ? -1 : x->func > y->func; /* by (file, first line, name) */
}

static int cmp_row(const void *a, const void *b)
{
	const struct line_row *x = a, *y = b;

	if (x->func != y->func)
		return x->func < y->func ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

static int count(struct report *r)
{
	uint32_t nframes = profile_view__nframes(r->v), nfuncs = profile_funcs__count(r->fs);
	uint64_t *frame_samples = calloc(nframes + 1, sizeof(*frame_samples));
	uint64_t *frame_seen = calloc(nframes + 1, sizeof(*frame_seen));
	int err = -ENOMEM;

	r->funcs = calloc(nfuncs + 1, sizeof(*r->funcs));
	r->rows = malloc((nframes + 1) * sizeof(*r->rows));
	if (!frame_samples || !frame_seen || !r->funcs || !r->rows)
		goto cleanup;
	for (uint32_t i = 0; i < nfuncs; i++)
		r->funcs[i].func = i;
	for (size_t i = 0; i < profile_view__nstacks(r->v); i++) {
		const struct profile_stack *s = profile_view__stack(r->v, i);

		for (uint32_t j = 0; j < s->n; j++) {
			struct func_total *ft = &r->funcs[profile_funcs__of(r->fs, s->frames[j])];

			if (ft->seen != i + 1) {
				ft->seen = i + 1;
				ft->samples += s->count;
			}
			if (frame_seen[s->frames[j]] != i + 1) {
				frame_seen[s->frames[j]] = i + 1;
				frame_samples[s->frames[j]] += s->count;
			}
		}
	}
	for (uint32_t id = 0; id < nframes; id++) {
		uint32_t fn = profile_funcs__of(r->fs, id);

		if (fn == PROFILE_NO_FUNC || !profile_funcs__get(r->fs, fn)->python)
			continue;
		r->rows[r->nrows++] = (struct line_row){.func = fn,
							.line = profile_view__frame(r->v, id)->line,
							.samples = frame_samples[id]};
	}
	qsort(r->rows, r->nrows, sizeof(*r->rows), cmp_row);
	qsort(r->funcs, nfuncs, sizeof(*r->funcs), cmp_total);
	err = 0;
cleanup:
	free(frame_samples);
	free(frame_seen);
	return err;
}

/* Source text as one line of UTF-8: invalid bytes as U+FFFD, control
 * characters (but tabs) as '?'. s need not be NUL-terminated. */
static void put_source(FILE *f, const char *s, size_t len)
{
	while (len) {
		char one[5] = {0}; /* profile__utf8_next reads up to 4 bytes, to a NUL */
		uint32_t cp;
		size_t l;

		memcpy(one, s, len < 4 ? len : 4);
		l = profile__utf8_next(one, &cp);
		if (!l) {
			fputs("\xef\xbf\xbd", f);
			l = 1;
		} else if ((cp < 0x20 && cp != '\t') || cp == 0x7f) {
			putc('?', f);
		} else {
			fwrite(s, 1, l, f);
		}
		s += l;
		len -= l;
	}
}

static double pct(uint64_t n, uint64_t of)
{
	return of ? 100.0 * (double)n / (double)of : 0.0;
}

static void row(FILE *f, struct sources *src, const char *path, int line, const struct line_row *r,
		uint64_t func_samples, uint64_t total)
{
	const char *text = NULL;
	size_t len = 0;

	if (line > 0)
		fprintf(f, "%6d", line);
	else
		fputs("     ?", f);
	if (r)
		fprintf(f, "  %8" PRIu64 "  %7.1f  %6.1f", r->samples, pct(r->samples, total),
			pct(r->samples, func_samples));
	if (path && line > 0)
		text = sources__line(src, path, line, &len);
	if (text) {
		fprintf(f, "%*s  ", r ? 0 : 27, ""); /* the numbers' width */
		put_source(f, text, len);
	}
	putc('\n', f);
}

/* The rows of one function: its first line, then every line up to its
 * last sampled one, with long unsampled runs folded; without its source,
 * the sampled lines only. */
static void function_rows(FILE *f, struct sources *src, const struct profile_func *fn,
			  bool have_source, const struct line_row *rows, size_t n,
			  uint64_t func_samples, uint64_t total)
{
	const char *path = fn->path;
	int next = fn->first_line > 0 ? fn->first_line : 0;
	size_t i = 0;

	for (; i < n && (rows[i].line <= 0 || !have_source); i++)
		row(f, src, NULL, rows[i].line, &rows[i], func_samples, total);
	if (have_source && next > 0 && (i == n || rows[i].line > next)) {
		row(f, src, path, next, NULL, func_samples, total);
		next++;
	}
	for (; i < n; i++) {
		int line = rows[i].line;

		if (line < next) /* a line before the first line: not expected */
			next = line;
		if (line - next > MAX_GAP) {
			fputs("   ...\n", f);
			next = line;
		}
		for (; next < line; next++)
			row(f, src, path, next, NULL, func_samples, total);
		row(f, src, path, line, &rows[i], func_samples, total);
		next = line + 1;
	}
}

static void report(FILE *f, struct report *r, struct sources *src, double threshold,
		   const char *title)
{
	uint32_t nfuncs = profile_funcs__count(r->fs), shown = 0;

	fprintf(f, "%s\n", title);
	fprintf(f,
		"Functions with at least %g%% of the samples, by samples; a line's samples "
		"include what it called.\n",
		threshold);
	for (uint32_t k = 0; k < nfuncs; k++) {
		const struct func_total *ft = &r->funcs[k];
		const struct profile_func *fn = profile_funcs__get(r->fs, ft->func);
		const struct line_row *rows;
		size_t lo = 0, hi = r->nrows, n;
		int err;

		if (!fn->python || pct(ft->samples, r->total) < threshold || !ft->samples)
			continue;
		shown++;
		/* Its rows: the first at or after lo with its function. */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (r->rows[mid].func < ft->func)
				lo = mid + 1;
			else
				hi = mid;
		}
		rows = r->rows + lo;
		for (n = 0; lo + n < r->nrows && rows[n].func == ft->func; n++)
			;
		fputs("\nFile: ", f);
		put_source(f, fn->file, strlen(fn->file));
		if (fn->path && strcmp(fn->path, fn->file)) {
			fputs(" (", f);
			put_source(f, fn->path, strlen(fn->path));
			putc(')', f);
		}
		fputs("\nFunction: ", f);
		put_source(f, fn->name, strlen(fn->name));
		if (fn->first_line > 0)
			fprintf(f, " at line %d", fn->first_line);
		fprintf(f, "\nSamples: %" PRIu64 " (%.1f%% of all)\n", ft->samples,
			pct(ft->samples, r->total));
		err = fn->path ? sources__load(src, 0, fn->path) : -ENOENT;
		if (!fn->path || fn->path[0] == '<')
			fputs("Source: not available (not a file)\n", f);
		else if (err)
			fprintf(f, "Source: not available (%s)\n", strerror(-err));
		fprintf(f, "\n  Line   Samples  %% total  %% func  Source\n");
		function_rows(f, src, fn, !err, rows, n, ft->samples, r->total);
	}
	if (!shown)
		fputs("\nNo function has that many samples.\n", f);
}

int output__write_lines(const struct profile *p, const struct output_opts *opts, FILE *f)
{
	/* Grouped by process: no synthetic roots, which are not source. */
	struct profile_view_opts vo = {.group_by = PROFILE_GROUP_PROCESS};
	struct sources *own = NULL, *src = opts->sources;
	struct report r = {0};
	struct profile_view *v = NULL;
	size_t title_len;
	char *title = NULL;
	int err;

	err = profile__view(p, &vo, &v);
	if (err)
		return err;
	r.v = v;
	r.total = profile_view__total(v);
	err = profile_funcs__new(v, &r.fs);
	if (err)
		goto cleanup;
	err = count(&r);
	if (err)
		goto cleanup;
	err = -ENOMEM;
	if (!src) {
		src = own = sources__new();
		if (!own)
			goto cleanup;
	}
	title_len = output__title(p, opts, NULL, 0);
	title = malloc(title_len + 1);
	if (!title)
		goto cleanup;
	output__title(p, opts, title, title_len + 1);
	report(f, &r, src, opts->lines_threshold, title);
	err = ferror(f) ? -EIO : 0;
cleanup:
	free(title);
	sources__free(own);
	free(r.funcs);
	free(r.rows);
	profile_funcs__free(r.fs);
	profile_view__free(v);
	return err;
}
