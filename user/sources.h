/* sources.h: the text of profiled source files, read as their process saw them. */
#ifndef SOURCES_H
#define SOURCES_H

#include <stddef.h>
#include <sys/types.h>

#define SOURCES_MAX_FILE (16u << 20) /* bytes: a larger file is not read */

struct sources;

struct sources *sources__new(void);
void sources__free(struct sources *s);

/*
 * Reads the file at path (a code object's co_filename) once, as process pid
 * sees it: through /proc/PID/root (its mount namespace: a container's files)
 * or, for a relative path, /proc/PID/cwd, while the process lives; else the
 * path as it is here. pid 0: the path as it is here. Later calls for the
 * same path return the first one's result: 0, or -errno (-ENOENT also for
 * names that are not files, such as "<string>"; -EFBIG past
 * SOURCES_MAX_FILE; -ENOMEM).
 */
int sources__load(struct sources *s, pid_t pid, const char *path);

/* Line n (from 1) of path, without its line end (\n, \r\n or \r, as Python
 * splits lines), and its length in *len; NULL when the file could not be
 * read (see sources__load, called here with pid 0 for a path never loaded)
 * or has no line n. Not NUL-terminated. */
const char *sources__line(struct sources *s, const char *path, int n, size_t *len);

#endif /* SOURCES_H */
