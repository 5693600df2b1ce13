/* diff.c: pyhawk diff: AFTER's flame graph coloured by the change of each frame's share. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "diff.h"
#include "exitcodes.h"
#include "outfile.h"
#include "rawread.h"

/* Reads one profile; on failure prints why and returns the exit code. */
static int read_profile(const char *path, struct profile **out)
{
	struct rawread_error e;
	struct profile *p = profile__new();
	int err;

	*out = NULL;
	if (!p) {
		fprintf(stderr, "Error: out of memory\n");
		return PH_EXIT_ERROR;
	}
	err = rawread__file(p, path, &e);
	if (err == -ENOMEM) {
		fprintf(stderr, "Error: out of memory reading '%s'\n", path);
		profile__free(p);
		return PH_EXIT_ERROR;
	}
	if (err && e.line) {
		fprintf(stderr, "Error: %s:%zu: %s\n", path, e.line, e.msg);
	} else if (err) {
		fprintf(stderr, "Error: %s: %s\n", path, e.msg);
	} else if (!profile__total(p)) {
		fprintf(stderr, "Error: %s: no samples: nothing to compare (an empty profile)\n",
			path);
		err = -ENODATA;
	}
	if (err) {
		profile__free(p);
		return PH_EXIT_INPUT;
	}
	*out = p;
	return PH_EXIT_OK;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Whether some stack of after starts with a frame some stack of before
 * starts with. If none does, no frame is matched and the whole graph is
 * red: the captures were made unlike (thread or process roots hold TIDs
 * and PIDs). Out of memory: assumed yes (no warning). */
static int roots_meet(const struct profile *before, const struct profile *after)
{
	struct profile_view *bv = NULL, *av = NULL;
	const char **roots = NULL;
	size_t n = 0;
	int meet = 1;

	if (profile__view(before, NULL, &bv) || profile__view(after, NULL, &av))
		goto cleanup;
	roots = malloc((profile_view__nstacks(bv) + 1) * sizeof(*roots));
	if (!roots)
		goto cleanup;
	for (size_t i = 0; i < profile_view__nstacks(bv); i++)
		roots[n++] = profile_view__label(bv, profile_view__stack(bv, i)->frames[0]);
	qsort(roots, n, sizeof(*roots), cmp_str);
	meet = 0;
	for (size_t i = 0; !meet && i < profile_view__nstacks(av); i++) {
		const char *r = profile_view__label(av, profile_view__stack(av, i)->frames[0]);

		meet = bsearch(&r, roots, n, sizeof(*roots), cmp_str) != NULL;
	}
cleanup:
	free(roots);
	profile_view__free(bv);
	profile_view__free(av);
	return meet;
}

int diff__run(const struct config *cfg)
{
	struct profile *before = NULL, *after = NULL;
	const char *outname = cfg->output ? cfg->output : "diff.svg";
	struct output_opts oo = {.title = cfg->title};
	char title[1024];
	int rc, err;
	struct outfile of = {.fd = -1};

	rc = read_profile(cfg->before, &before);
	if (rc == PH_EXIT_OK)
		rc = read_profile(cfg->after, &after);
	if (rc != PH_EXIT_OK)
		goto cleanup;
	if (!oo.title) {
		snprintf(title, sizeof(title),
			 "pyhawk diff: %s (%" PRIu64 " samples) → %s (%" PRIu64 " samples)",
			 cfg->before, profile__total(before), cfg->after, profile__total(after));
		oo.title = title;
	}
	oo.before = before;
	/* Opened only now: bad inputs leave no file behind. */
	err = outfile__open(outname, &of);
	if (!err) {
		err = outfile__write(&of, after, OUT_FLAMEGRAPH, &oo);
	}
	if (err) {
		fprintf(stderr, "Error: cannot write the flame graph to '%s': %s\n", outname,
			err == -EISDIR ? "not a regular file" : strerror(-err));
		rc = PH_EXIT_OUTPUT;
		goto cleanup;
	}
	if (!roots_meet(before, after))
		fprintf(stderr,
			"pyhawk: warning: no stack of %s starts with a frame of %s, so every "
			"frame shows as new (captures with -t or of several processes have "
			"roots holding TIDs or PIDs: diff captures made without them)\n",
			cfg->after, cfg->before);
	fprintf(stderr, "pyhawk: %" PRIu64 " samples after, %" PRIu64 " before; wrote %s\n",
		profile__total(after), profile__total(before),
		strcmp(outname, "-") ? outname : "stdout");
cleanup:
	outfile__abandon(&of);
	profile__free(before);
	profile__free(after);
	return rc;
}
