/* hashmap.c: open addressing with linear probing and backward-shift delete. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "hashmap.h"

struct hashmap {
	size_t key_size;
	size_t cap;   /* power of two */
	size_t count;
	uint8_t *keys; /* cap * key_size */
	uint64_t *vals;
	uint8_t *used;
};

/* FNV-1a over the bytes, then a final avalanche (splitmix64). */
uint64_t hashmap__hash(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 31;
	return h;
}

struct hashmap *hashmap__new(size_t key_size)
{
	struct hashmap *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->key_size = key_size;
	return m;
}

void hashmap__free(struct hashmap *m)
{
	if (!m)
		return;
	free(m->keys);
	free(m->vals);
	free(m->used);
	free(m);
}

static bool find(const struct hashmap *m, const void *key, size_t *slot)
{
	size_t i;

	if (!m->cap) {
		*slot = 0;
		return false;
	}
	i = hashmap__hash(key, m->key_size) & (m->cap - 1);
	while (m->used[i]) {
		if (!memcmp(m->keys + i * m->key_size, key, m->key_size)) {
			*slot = i;
			return true;
		}
		i = (i + 1) & (m->cap - 1);
	}
	*slot = i;
	return false;
}

static int grow(struct hashmap *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 64, i, j;
	uint8_t *keys = malloc(ncap * m->key_size), *used = calloc(ncap, 1);
	uint64_t *vals = malloc(ncap * sizeof(*vals));

	if (!keys || !used || !vals) {
		free(keys);
		free(used);
		free(vals);
		return -ENOMEM;
	}
	for (i = 0; i < m->cap; i++) {
		if (!m->used[i])
			continue;
		j = hashmap__hash(m->keys + i * m->key_size, m->key_size) & (ncap - 1);
		while (used[j])
			j = (j + 1) & (ncap - 1);
		used[j] = 1;
		memcpy(keys + j * m->key_size, m->keys + i * m->key_size, m->key_size);
		vals[j] = m->vals[i];
	}
	free(m->keys);
	free(m->vals);
	free(m->used);
	m->keys = keys;
	m->vals = vals;
	m->used = used;
	m->cap = ncap;
	return 0;
}

int hashmap__get(const struct hashmap *m, const void *key, uint64_t *val)
{
	size_t i;

	if (!find(m, key, &i))
		return -ENOENT;
	*val = m->vals[i];
	return 0;
}

int hashmap__set(struct hashmap *m, const void *key, uint64_t val)
{
	size_t i;
	int err;

	if (find(m, key, &i)) {
		m->vals[i] = val;
		return 0;
	}
	if ((m->count + 1) * 4 > m->cap * 3) {
		err = grow(m);
		if (err)
			return err;
		find(m, key, &i);
	}
	m->used[i] = 1;
	memcpy(m->keys + i * m->key_size, key, m->key_size);
	m->vals[i] = val;
	m->count++;
	return 0;
}

int hashmap__del(struct hashmap *m, const void *key)
{
	size_t i, j, k;

	if (!find(m, key, &i))
		return -ENOENT;
	m->used[i] = 0;
	m->count--;
	/* Shift back the entries of the probe run that follows. */
	j = i;
	for (;;) {
		j = (j + 1) & (m->cap - 1);
		if (!m->used[j])
			break;
		k = hashmap__hash(m->keys + j * m->key_size, m->key_size) & (m->cap - 1);
		/* Leave j where it is if its home k lies cyclically in (i, j]. */
		if ((i <= j) ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		memcpy(m->keys + i * m->key_size, m->keys + j * m->key_size, m->key_size);
		m->vals[i] = m->vals[j];
		m->used[i] = 1;
		m->used[j] = 0;
		i = j;
	}
	return 0;
}

size_t hashmap__count(const struct hashmap *m)
{
	return m->count;
}

int hashmap__foreach(const struct hashmap *m, int (*fn)(const void *key, uint64_t val, void *ctx),
		     void *ctx)
{
	size_t i;
	int r;

	for (i = 0; i < m->cap; i++) {
		if (!m->used[i])
			continue;
		r = fn(m->keys + i * m->key_size, m->vals[i], ctx);
		if (r)
			return r;
	}
	return 0;
}

void hashmap__del_if(struct hashmap *m, int (*fn)(const void *key, uint64_t val, void *ctx),
		     void *ctx)
{
	uint8_t key[64];
	size_t i = 0;

	if (m->key_size > sizeof(key))
		return;
	/* A deletion shifts the next entries of its probe run back, maybe
	 * into slot i: look at slot i again before moving on. */
	while (i < m->cap) {
		if (m->used[i] && fn(m->keys + i * m->key_size, m->vals[i], ctx)) {
			memcpy(key, m->keys + i * m->key_size, m->key_size);
			hashmap__del(m, key);
			continue;
		}
		i++;
	}
}
