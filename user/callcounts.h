/* callcounts.h: exact call counts (--calls) by function, for the writers that show calls. */
#ifndef CALLCOUNTS_H
#define CALLCOUNTS_H

#include <stddef.h>
#include <stdint.h>

/*
 * The interpreter's function__entry probe names a function by co_filename,
 * its first line and co_name, each cut to a fixed length; the writers know
 * a function by its full path, first line and qualified name. Names and
 * paths are compared cut to the probe's lengths, a qualified name by its
 * last part ("Worker.heavy" is co_name "heavy").
 */
struct callcounts;

/* file_max, name_max: the probe's buffer sizes (with their NUL). */
struct callcounts *callcounts__new(size_t file_max, size_t name_max);
void callcounts__free(struct callcounts *c);
/* Adds n calls of (file, line, func); counts of several processes add up.
 * Returns 0 or -ENOMEM. */
int callcounts__add(struct callcounts *c, const char *file, int line, const char *func, uint64_t n);
/* The calls of the function at path, first line, named qualname: 0 with
 * *n set, or -ENOENT (not counted: no probe fired for it). */
int callcounts__get(const struct callcounts *c, const char *path, int line, const char *qualname,
		    uint64_t *n);
/* The calls of a profile frame's function (its path, first line and
 * name): 0 with *n set, or -ENOENT (c NULL, not Python code, no source
 * known, or not counted). */
struct profile_frame;
int callcounts__of_frame(const struct callcounts *c, const struct profile_frame *fr, uint64_t *n);

#endif /* CALLCOUNTS_H */
