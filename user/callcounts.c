/* callcounts.c: exact call counts by (file, first line, name), summed over processes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "callcounts.h"
#include "grow.h"
#include "hashmap.h"
#include "profile.h"

struct count {
	char *file, *func;
	int line;
	uint64_t n;
};

struct callcounts {
	size_t file_max, name_max;
	struct count *counts;
	size_t ncounts, cap;
	struct hashmap *ix; /* hash of the key -> the first count with it */
};

struct callcounts *callcounts__new(size_t file_max, size_t name_max)
{
	struct callcounts *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->file_max = file_max;
	c->name_max = name_max;
	c->ix = hashmap__new(sizeof(uint64_t));
	if (!c->ix) {
		free(c);
		return NULL;
	}
	return c;
}

void callcounts__free(struct callcounts *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->ncounts; i++) {
		free(c->counts[i].file);
		free(c->counts[i].func);
	}
	free(c->counts);
	hashmap__free(c->ix);
	free(c);
}

/* s cut to max - 1 bytes, as the probe's buffer of max bytes holds it. */
static size_t cut(const char *s, size_t max)
{
	size_t len = strlen(s);

	return max && len > max - 1 ? max - 1 : len;
}

static uint64_t key_hash(const char *file, size_t flen, int line, const char *func, size_t nlen)
{
	return hashmap__hash(file, flen) * 1000003u ^ hashmap__hash(func, nlen) * 31u ^
	       (uint32_t)line;
}

static struct count *find(const struct callcounts *c, const char *file, size_t flen, int line,
			  const char *func, size_t nlen)
{
	uint64_t h = key_hash(file, flen, line, func, nlen), i;

	if (hashmap__get(c->ix, &h, &i))
		return NULL;
	/* From the first count with this hash on: another key with the
	 * same hash is rare, and comes later. */
	for (; i < c->ncounts; i++) {
		struct count *k = &c->counts[i];

		if (k->line == line && strlen(k->file) == flen && !memcmp(k->file, file, flen) &&
		    strlen(k->func) == nlen && !memcmp(k->func, func, nlen))
			return k;
	}
	return NULL;
}

int callcounts__add(struct callcounts *c, const char *file, int line, const char *func, uint64_t n)
{
	size_t flen = cut(file, c->file_max), nlen = cut(func, c->name_max);
	struct count *k = find(c, file, flen, line, func, nlen);
	uint64_t h, old;

	if (k) {
		k->n += n;
		return 0;
	}
	if (grow__array((void **)&c->counts, &c->cap, c->ncounts + 1, sizeof(*c->counts)))
		return -ENOMEM;
	k = &c->counts[c->ncounts];
	k->file = strndup(file, flen);
	k->func = strndup(func, nlen);
	k->line = line;
	k->n = n;
	h = key_hash(file, flen, line, func, nlen);
	if (!k->file || !k->func ||
	    (hashmap__get(c->ix, &h, &old) && hashmap__set(c->ix, &h, c->ncounts))) {
		free(k->file);
		free(k->func);
		return -ENOMEM;
	}
	c->ncounts++;
	return 0;
}

int callcounts__get(const struct callcounts *c, const char *path, int line, const char *qualname,
		    uint64_t *n)
{
	const char *dot = strrchr(qualname, '.');
	const char *func = dot ? dot + 1 : qualname;
	const struct count *k =
	    find(c, path, cut(path, c->file_max), line, func, cut(func, c->name_max));

	if (!k)
		return -ENOENT;
	*n = k->n;
	return 0;
}

int callcounts__of_frame(const struct callcounts *c, const struct profile_frame *fr, uint64_t *n)
{
	if (!c || fr->kind != PF_PYTHON || !fr->path || fr->first_line <= 0)
		return -ENOENT;
	return callcounts__get(c, fr->path, fr->first_line, fr->name, n);
}
