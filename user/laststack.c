/* laststack.c: each iterator-sampled thread's last sample, kept whole. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "hashmap.h"
#include "laststack.h"

struct laststack {
	struct hashmap *threads; /* (pid << 32 | tid) -> struct entry * */
};

struct entry {
	struct session_sample s;
	uint32_t frames[]; /* s.frames points here */
};

static uint64_t key_of(uint32_t pid, uint32_t tid)
{
	return (uint64_t)pid << 32 | tid;
}

struct laststack *laststack__new(void)
{
	struct laststack *ls = calloc(1, sizeof(*ls));

	if (ls)
		ls->threads = hashmap__new(sizeof(uint64_t));
	if (ls && !ls->threads) {
		free(ls);
		ls = NULL;
	}
	return ls;
}

static int free_entry(const void *key, uint64_t v, void *ctx)
{
	free((void *)(uintptr_t)v);
	return 0;
}

void laststack__free(struct laststack *ls)
{
	if (!ls)
		return;
	hashmap__foreach(ls->threads, free_entry, NULL);
	hashmap__free(ls->threads);
	free(ls);
}

int laststack__set(struct laststack *ls, const struct session_sample *s)
{
	uint64_t key = key_of(s->pid, s->tid), old = 0;
	struct entry *e = malloc(sizeof(*e) + s->nframes * sizeof(uint32_t));

	if (!e)
		return -ENOMEM;
	e->s = *s;
	e->s.weight = 1;
	e->s.frame_addrs = NULL;
	e->s.codes = NULL;
	memcpy(e->frames, s->frames, s->nframes * sizeof(uint32_t));
	e->s.frames = e->frames;
	hashmap__get(ls->threads, &key, &old);
	if (hashmap__set(ls->threads, &key, (uint64_t)(uintptr_t)e)) {
		free(e);
		return -ENOMEM;
	}
	free((void *)(uintptr_t)old);
	return 0;
}

const struct session_sample *laststack__get(struct laststack *ls, uint32_t pid, uint32_t tid)
{
	uint64_t key = key_of(pid, tid), v;

	if (hashmap__get(ls->threads, &key, &v))
		return NULL;
	return &((struct entry *)(uintptr_t)v)->s;
}

void laststack__del(struct laststack *ls, uint32_t pid, uint32_t tid)
{
	uint64_t key = key_of(pid, tid), v;

	if (hashmap__get(ls->threads, &key, &v))
		return;
	hashmap__del(ls->threads, &key);
	free((void *)(uintptr_t)v);
}
