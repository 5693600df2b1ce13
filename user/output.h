/* output.h: writing a profile: flamegraph SVG, speedscope JSON, raw, pprof, pstats, lines. */
#ifndef OUTPUT_H
#define OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "profile.h"

enum output_format {
	OUT_FLAMEGRAPH = 0,
	OUT_SPEEDSCOPE = 1,
	OUT_RAW = 2,
	OUT_PPROF = 3,
	OUT_PSTATS = 4,
	OUT_LINES = 5,
};

#define OUTPUT_LINES_THRESHOLD 1.0 /* %: lines' default --lines-threshold */

struct sources;
struct callcounts;

struct output_opts {
	bool threads;      /* -t: a root frame per thread */
	bool processes;    /* a root frame per process, even with one (--all, -s, -p list) */
	const char *title; /* --title; NULL: made from the meta */
	/* Flame graph only: a differential one, the profile's shape coloured by
	 * how each frame's share of the samples changed since before (the same
	 * path of labels from the root); NULL: an ordinary one. */
	const struct profile *before;
	double lines_threshold;	 /* lines: % of the samples a function needs to be shown */
	struct sources *sources; /* lines: files read during the capture; NULL: read them now */
	/* --calls: exact call counts, for pstats (its call columns), speedscope
	 * (a frame's "calls") and the flame graph (data-calls, the tooltip);
	 * NULL: none */
	const struct callcounts *calls;
};

/* "flamegraph", "speedscope", "raw", "pprof", "pstats", "lines" -> format, or -EINVAL. */
int output__parse_format(const char *name);
/* Format implied by a file name's extension (.svg, .json, .txt/.folded/.collapsed/.raw,
 * .pb.gz/.pprof, .pstats/.prof, any case), or -ENOENT. */
int output__format_for_path(const char *path);
/* "flamegraph", "speedscope", "raw", "pprof", "pstats", "lines"; NULL for an unknown format. */
const char *output__format_name(int format);
/* The format names for messages: "flamegraph, speedscope, raw, pprof, pstats or lines"
 * (like snprintf). */
size_t output__format_list(char *buf, size_t size);
/* "svg", "json", "txt", "pb.gz", "pstats", "txt" (no leading dot); NULL for an unknown format. */
const char *output__default_extension(int format);

/* Writes p to f. Returns 0 or -errno. Library code: prints nothing else.
 * opts may be NULL (no thread roots, title from the meta). Numbers are
 * written in the C locale whatever the caller's locale. */
int output__write(const struct profile *p, int format, const struct output_opts *opts, FILE *f);

/* The writers behind output__write (one file each); same contract, but in
 * the caller's locale: call them through output__write. */
int output__write_flamegraph(const struct profile *p, const struct output_opts *opts, FILE *f);
int output__write_speedscope(const struct profile *p, const struct output_opts *opts, FILE *f);
int output__write_raw(const struct profile *p, const struct output_opts *opts, FILE *f);
/* Threads and processes are sample labels in pprof: opts->threads and
 * opts->processes change nothing. */
int output__write_pprof(const struct profile *p, const struct output_opts *opts, FILE *f);
int output__write_pstats(const struct profile *p, const struct output_opts *opts, FILE *f);
int output__write_lines(const struct profile *p, const struct output_opts *opts, FILE *f);

/* The title of an output, like snprintf: opts->title, else
 * "pyhawk: COMMAND — N samples, D s at R Hz" from the meta (parts the meta
 * lacks are left out). Returns the full length. */
size_t output__title(const struct profile *p, const struct output_opts *opts, char *buf, size_t size);

#endif /* OUTPUT_H */
