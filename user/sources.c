/* sources.c: source files of the profiled code, read once each, through the target's own view of
 * the file system. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "grow.h"
#include "hashmap.h"
#include "sources.h"

struct source {
	char *path;
	char *text;
	size_t len;
	size_t *starts; /* where each line starts */
	uint32_t nlines;
	int err; /* 0, or why the file could not be read */
};

struct sources {
	struct source *files;
	size_t nfiles, cap;
	struct hashmap *ix; /* hash of a path -> the first file with that hash */
};

struct sources *sources__new(void)
{
	struct sources *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->ix = hashmap__new(sizeof(uint64_t));
	if (!s->ix) {
		free(s);
		return NULL;
	}
	return s;
}

void sources__free(struct sources *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nfiles; i++) {
		free(s->files[i].path);
		free(s->files[i].text);
		free(s->files[i].starts);
	}
	free(s->files);
	hashmap__free(s->ix);
	free(s);
}

static struct source *find(const struct sources *s, const char *path, uint64_t h)
{
	uint64_t i;

	if (hashmap__get(s->ix, &h, &i))
		return NULL;
	if (!strcmp(s->files[i].path, path))
		return &s->files[i];
	/* Two paths with one hash: rare enough to look at every file. */
	for (i = 0; i < s->nfiles; i++) {
		if (!strcmp(s->files[i].path, path))
			return &s->files[i];
	}
	return NULL;
}

/* Python's line ends: \n, \r\n and a lone \r. */
static int split_lines(struct source *src)
{
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < src->len; i++) {
		char c = src->text[i];

		if (i == 0 || src->text[i - 1] == '\n' || (src->text[i - 1] == '\r' && c != '\n')) {
			if (n == UINT32_MAX)
				break;
			if (grow__array((void **)&src->starts, &cap, n + 1, sizeof(*src->starts)))
				return -ENOMEM;
			src->starts[n++] = i;
		}
	}
	src->nlines = (uint32_t)n;
	return 0;
}

static int read_file(const char *name, struct source *src)
{
	struct stat st;
	ssize_t r;
	size_t got = 0;
	int fd, err = 0;

	/* O_NONBLOCK: a FIFO at that path must not hang the capture. */
	fd = open(name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		goto cleanup;
	}
	if (!S_ISREG(st.st_mode)) {
		err = -EINVAL;
		goto cleanup;
	}
	if ((uint64_t)st.st_size > SOURCES_MAX_FILE) {
		err = -EFBIG;
		goto cleanup;
	}
	src->text = malloc((size_t)st.st_size + 1);
	if (!src->text) {
		err = -ENOMEM;
		goto cleanup;
	}
	/* The size may change under us: read what there is, up to it. */
	while (got < (size_t)st.st_size && (r = read(fd, src->text + got, st.st_size - got)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			goto cleanup;
		}
		got += (size_t)r;
	}
	src->len = got;
cleanup:
	if (err) {
		free(src->text);
		src->text = NULL;
	}
	close(fd);
	return err;
}

/* The file as process pid sees it, while it lives, else as we see it. */
static int read_as(pid_t pid, const char *path, struct source *src)
{
	char dir[64], name[PATH_MAX];
	int err;

	snprintf(dir, sizeof(dir), "/proc/%d/%s", (int)pid, path[0] == '/' ? "root" : "cwd");
	if (pid > 0 && snprintf(name, sizeof(name), "%s/%s", dir, path) < (int)sizeof(name)) {
		err = read_file(name, src);
		/* While the process lives, its view is the answer, even "no
		 * such file": the same path here may be another file. */
		if (!err || access(dir, F_OK) == 0)
			return err;
	}
	return read_file(path, src);
}

int sources__load(struct sources *s, pid_t pid, const char *path)
{
	uint64_t h = hashmap__hash(path, strlen(path)), old;
	struct source *src = find(s, path, h);

	if (src)
		return src->err;
	if (grow__array((void **)&s->files, &s->cap, s->nfiles + 1, sizeof(*s->files)))
		return -ENOMEM;
	src = &s->files[s->nfiles];
	memset(src, 0, sizeof(*src));
	src->path = strdup(path);
	if (!src->path)
		return -ENOMEM;
	if (hashmap__get(s->ix, &h, &old) && hashmap__set(s->ix, &h, s->nfiles)) {
		free(src->path);
		return -ENOMEM;
	}
	s->nfiles++;
	/* "<string>", "<frozen importlib._bootstrap>", "<stdin>": not files. */
	src->err = path[0] == '<' || !path[0] ? -ENOENT : read_as(pid, path, src);
	if (!src->err)
		src->err = split_lines(src);
	if (src->err) {
		free(src->text);
		free(src->starts);
		src->text = NULL;
		src->starts = NULL;
		src->len = 0;
		src->nlines = 0;
	}
	return src->err;
}

const char *sources__line(struct sources *s, const char *path, int n, size_t *len)
{
	struct source *src;
	size_t start, end;

	if (sources__load(s, 0, path))
		return NULL;
	src = find(s, path, hashmap__hash(path, strlen(path)));
	if (!src || n < 1 || (uint32_t)n > src->nlines)
		return NULL;
	start = src->starts[n - 1];
	end = (uint32_t)n < src->nlines ? src->starts[n] : src->len;
	while (end > start && (src->text[end - 1] == '\n' || src->text[end - 1] == '\r'))
		end--;
	*len = end - start;
	return src->text + start;
}
