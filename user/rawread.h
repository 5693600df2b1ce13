/* rawread.h: reading collapsed stacks ("frame;frame;frame COUNT" lines) back into a profile. */
#ifndef RAWREAD_H
#define RAWREAD_H

#include <stddef.h>
#include "profile.h"

/*
 * The input is whatever file a user names, so everything is bounded: a
 * longer or deeper input is refused (-E2BIG), never truncated. pyhawk's own
 * output stays far inside: 4096 frames a stack plus its roots, labels of a
 * qualified name and a path.
 */
#define RAWREAD_MAX_BYTES  (1ull << 30) /* a whole file */
#define RAWREAD_MAX_LINE   (16u << 20)	/* one line */
#define RAWREAD_MAX_FRAMES 16384u	/* frames in a stack */
#define RAWREAD_MAX_LABEL  65536u	/* bytes in a frame's label */

struct rawread_error {
	size_t line;   /* 1-based line the message is about; 0: none */
	char msg[160]; /* one line, without the file name */
};

/*
 * Adds the stacks of len bytes of collapsed stacks to p, as pyhawk's raw
 * writer and flamegraph.pl's input have them: one stack a line, frames root
 * first, separated by ';', then a space and a whole number of samples.
 * Blank lines are skipped and a "\r" before a newline is dropped; anything
 * else that breaks the format is an error. Labels become frames that write
 * the same label again: "name (file:line)" and "name (file)" Python frames,
 * "thread (TID)...", "process PID...", "[truncated]", "[partial]", and others by their
 * text. Stacks are added under pid 0, tid 0 (the format has no threads of
 * its own; thread roots are frames like any other).
 *
 * Returns 0; -EINVAL for input that breaks the format or -E2BIG for input
 * past a limit above (err says where and why); -ENOMEM. p holds the lines
 * before the error then. Library code: prints nothing.
 */
int rawread__parse(struct profile *p, const char *data, size_t len, struct rawread_error *err);

/* The same for a file ("-": standard input). Returns also -errno when it
 * cannot be read (err->msg says so). */
int rawread__file(struct profile *p, const char *path, struct rawread_error *err);

#endif /* RAWREAD_H */
