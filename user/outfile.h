/* outfile.h: the file a profile goes to: checked before the capture,
 * named by default after what was profiled, written at the end, whole or
 * not at all. */
#ifndef OUTFILE_H
#define OUTFILE_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>
#include "output.h"
#include "profile.h"

struct outfile {
	int fd;		     /* -1: none */
	char path[PATH_MAX]; /* where the profile goes ("-": stdout) */
	char tmp[PATH_MAX];  /* the file written, renamed to path at the end; "": path itself */
};

/* Prepares path for the profile, so that an unwritable one fails before
 * the capture ("-" = stdout): a regular file (new or not) is written to a
 * temporary file in its directory (.NAME.XXXXXX, with the mode the file
 * has or would get), renamed over it once whole: the old file stays
 * untouched until then, and nothing named path exists before. A character
 * device or a FIFO (/dev/null) is written directly. The file descriptor is
 * never 0, 1 or 2 (stdout may be closed). Returns 0 or -errno (-EISDIR: a
 * directory or another kind of file). */
int outfile__open(const char *path, struct outfile *of);
/* pyhawk-WHO-TIME.EXT: WHO is the PID (-p), the script's name (or the
 * command's) for a command, "all" for --all. */
void outfile__default_name(char *buf, size_t len, pid_t pid, char **argv, int format);
/* Writes the profile in format, hands the file to the sudo user, renames
 * it into place. On an error (the first write's errno: -ENOSPC, -EIO,
 * -EDQUOT, ...) the temporary file is removed, an old file is left as it
 * was. Closes the file either way. Returns 0 or -errno. With
 * PYHAWK_TEST_RAW_COPY=PATH in the environment (tests only) the profile is
 * also written as raw to PATH, a file that must not exist yet. */
int outfile__write(struct outfile *of, const struct profile *p, int format,
		   const struct output_opts *oo);
/* No profile after all (an error): closes and removes the temporary file. */
void outfile__abandon(struct outfile *of);

#endif /* OUTFILE_H */
