/* output_raw.c: collapsed stacks, "root;...;leaf count" per line, sorted by text (flamegraph.pl's input). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

struct line {
	char *text; /* the stack, without the count */
	uint64_t count;
};

static int cmp_line(const void *a, const void *b)
{
	return strcmp(((const struct line *)a)->text, ((const struct line *)b)->text);
}

/*
 * The format has no escapes: ';' separates frames and the last space comes
 * before the count, so a ';' inside a label becomes ',' and control
 * characters (a newline would end the line) become '?'. Spaces are fine:
 * readers split the count off at the last one.
 */
static char *stack_text(const struct profile_view *v, const struct profile_stack *s)
{
	size_t len = 0;
	char *text, *o;

	for (uint32_t i = 0; i < s->n; i++)
		len += strlen(profile_view__label(v, s->frames[i])) + 1;
	text = malloc(len + 1);
	if (!text)
		return NULL;
	o = text;
	for (uint32_t i = 0; i < s->n; i++) {
		const unsigned char *c = (const unsigned char *)profile_view__label(v, s->frames[i]);

		if (i)
			*o++ = ';';
		for (; *c; c++)
			*o++ = *c == ';' ? ',' : (*c < 0x20 || *c == 0x7f) ? '?' : (char)*c;
	}
	*o = '\0';
	return text;
}

int output__write_raw(const struct profile *p, const struct output_opts *opts, FILE *f)
{
	struct profile_view_opts vo = { .threads = opts->threads,
					.processes = opts->processes,
					.group_by = PROFILE_GROUP_NONE };
	struct profile_view *v = NULL;
	struct line *lines = NULL;
	size_t n = 0, nlines;
	int err;

	err = profile__view(p, &vo, &v);
	if (err)
		return err;
	nlines = profile_view__nstacks(v);
	lines = calloc(nlines + 1, sizeof(*lines));
	if (!lines) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (; n < nlines; n++) {
		const struct profile_stack *s = profile_view__stack(v, n);

		lines[n].text = stack_text(v, s);
		lines[n].count = s->count;
		if (!lines[n].text) {
			err = -ENOMEM;
			goto cleanup;
		}
	}
	/* Sorted by the text, and equal texts merged (labels that differ only
	 * in the characters replaced above), so the output is stable. */
	qsort(lines, nlines, sizeof(*lines), cmp_line);
	for (size_t i = 0; i < nlines; i++) {
		uint64_t count = lines[i].count;

		while (i + 1 < nlines && strcmp(lines[i].text, lines[i + 1].text) == 0)
			count += lines[++i].count;
		if (fprintf(f, "%s %" PRIu64 "\n", lines[i].text, count) < 0) {
			err = -EIO;
			goto cleanup;
		}
	}
cleanup:
	for (size_t i = 0; i < n; i++)
		free(lines[i].text);
	free(lines);
	profile_view__free(v);
	return err;
}
