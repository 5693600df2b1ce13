/* outfile.h: the file a profile goes to: checked before the capture,
 * named by default after what was profiled, written at the end. */
#ifndef OUTFILE_H
#define OUTFILE_H

#include <stddef.h>
#include <sys/types.h>
#include "output.h"
#include "profile.h"

/* Opens path for writing without truncating it ("-" = stdout), so that an
 * unwritable path fails before the capture. Returns 0 or -errno (-EISDIR:
 * not a regular file). */
int outfile__open(const char *path, int *fd);
/* pyhawk-WHO-TIME.EXT: WHO is the PID (-p), the script's name (or the
 * command's) for a command, "all" for --all. */
void outfile__default_name(char *buf, size_t len, pid_t pid, char **argv, int format);
/* Truncates fd, writes the profile in format, hands the file to the sudo
 * user, closes fd (not stdout). Returns 0 or -errno. With
 * PYHAWK_TEST_RAW_COPY=PATH in the environment (tests only) the profile is
 * also written as raw to PATH, a file that must not exist yet. */
int outfile__write(int fd, const struct profile *p, int format, const struct output_opts *oo);

#endif /* OUTFILE_H */
