/* threadstate.c: thread states in words, and their tally over a capture. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "hashmap.h"
#include "threadstate.h"

static const char *const names[PH_TS_MAX] = {
    [PH_TS_UNKNOWN] = "unknown",   [PH_TS_ONCPU] = "running", [PH_TS_RUNNABLE] = "runnable",
    [PH_TS_GIL_WAIT] = "GIL wait", [PH_TS_LOCK] = "lock",     [PH_TS_IO] = "I/O",
    [PH_TS_SLEEP] = "sleep",	   [PH_TS_OTHER] = "other",
};

static const char *const idle_frames[PH_TS_MAX] = {
    [PH_TS_RUNNABLE] = "[idle: runnable]", [PH_TS_GIL_WAIT] = "[idle: GIL wait]",
    [PH_TS_LOCK] = "[idle: lock]",	   [PH_TS_IO] = "[idle: I/O]",
    [PH_TS_SLEEP] = "[idle: sleep]",	   [PH_TS_OTHER] = "[idle: other]",
};

const char *threadstate__name(uint32_t state)
{
	return state < PH_TS_MAX ? names[state] : names[PH_TS_UNKNOWN];
}

const char *threadstate__idle_frame(uint32_t state)
{
	return state < PH_TS_MAX ? idle_frames[state] : NULL;
}

struct thread_tally {
	uint32_t pid, tid;
	uint64_t gil, gil_wait;
	char name[64];
};

struct tally {
	uint64_t by_state[PH_TS_MAX];
	uint64_t total;
	struct hashmap *threads; /* (pid << 32 | tid) -> struct thread_tally * */
};

struct tally *tally__new(void)
{
	struct tally *t = calloc(1, sizeof(*t));

	if (t)
		t->threads = hashmap__new(sizeof(uint64_t));
	if (t && !t->threads) {
		free(t);
		t = NULL;
	}
	return t;
}

static int free_thread(const void *key, uint64_t v, void *ctx)
{
	free((void *)(uintptr_t)v);
	return 0;
}

void tally__free(struct tally *t)
{
	if (!t)
		return;
	hashmap__foreach(t->threads, free_thread, NULL);
	hashmap__free(t->threads);
	free(t);
}

static struct thread_tally *thread_of(struct tally *t, uint32_t pid, uint32_t tid)
{
	uint64_t key = (uint64_t)pid << 32 | tid, v;
	struct thread_tally *tt;

	if (!hashmap__get(t->threads, &key, &v))
		return (struct thread_tally *)(uintptr_t)v;
	tt = calloc(1, sizeof(*tt));
	if (!tt)
		return NULL;
	tt->pid = pid;
	tt->tid = tid;
	if (hashmap__set(t->threads, &key, (uint64_t)(uintptr_t)tt)) {
		free(tt);
		return NULL;
	}
	return tt;
}

int tally__add(struct tally *t, uint32_t pid, uint32_t tid, uint32_t state, bool gil,
	       uint32_t weight)
{
	struct thread_tally *tt;

	t->by_state[state < PH_TS_MAX ? state : PH_TS_UNKNOWN] += weight;
	t->total += weight;
	if (!gil && state != PH_TS_GIL_WAIT)
		return 0;
	tt = thread_of(t, pid, tid);
	if (!tt)
		return -ENOMEM;
	if (gil)
		tt->gil += weight;
	if (state == PH_TS_GIL_WAIT)
		tt->gil_wait += weight;
	return 0;
}

int tally__thread_name(struct tally *t, uint32_t pid, uint32_t tid, const char *name)
{
	struct thread_tally *tt = thread_of(t, pid, tid);

	if (!tt)
		return -ENOMEM;
	snprintf(tt->name, sizeof(tt->name), "%s", name ? name : "");
	return 0;
}

struct holders {
	struct thread_tally **v;
	size_t n, cap;
	uint64_t waits;
};

static int collect(const void *key, uint64_t val, void *ctx)
{
	struct thread_tally *tt = (struct thread_tally *)(uintptr_t)val;
	struct holders *h = ctx;

	h->waits += tt->gil_wait;
	if (!tt->gil)
		return 0;
	if (h->n == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 16;
		struct thread_tally **v = realloc(h->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		h->v = v;
		h->cap = cap;
	}
	h->v[h->n++] = tt;
	return 0;
}

static int by_gil(const void *a, const void *b)
{
	const struct thread_tally *x = *(struct thread_tally *const *)a;
	const struct thread_tally *y = *(struct thread_tally *const *)b;

	if (x->gil != y->gil)
		return x->gil < y->gil ? 1 : -1;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

/* At most this many GIL holders are named; the rest are summed. */
#define HOLDERS_SHOWN 8

void tally__print(const struct tally *t, FILE *f, bool states, bool gil, double ticks, bool waits,
		  double rate)
{
	struct holders h = {0};
	uint64_t rest = 0;
	size_t i;
	int k;

	if (states && t->total) {
		bool first = true;

		fprintf(f, "pyhawk: thread states:");
		for (k = PH_TS_ONCPU; k < PH_TS_MAX + 1; k++) {
			int st = k == PH_TS_MAX ? PH_TS_UNKNOWN : k;

			if (!t->by_state[st])
				continue;
			fprintf(f, "%s %s %.1f%%", first ? "" : ",", names[st],
				100.0 * t->by_state[st] / t->total);
			first = false;
		}
		fputc('\n', f);
	}
	if (!gil)
		return;
	if (hashmap__foreach(t->threads, collect, &h)) {
		free(h.v);
		return;
	}
	qsort(h.v, h.n, sizeof(*h.v), by_gil);
	fprintf(f, "pyhawk: GIL holders (share of the capture):");
	if (!h.n)
		fprintf(f, " none sampled");
	for (i = 0; i < h.n; i++) {
		if (i >= HOLDERS_SHOWN) {
			rest += h.v[i]->gil;
			continue;
		}
		fprintf(f, "%s thread %u \"%s\" %.1f%%", i ? "," : "", h.v[i]->tid, h.v[i]->name,
			ticks > 0 ? 100.0 * h.v[i]->gil / ticks : 0.0);
	}
	if (rest)
		fprintf(f, ", %zu others %.1f%%", h.n - HOLDERS_SHOWN,
			ticks > 0 ? 100.0 * rest / ticks : 0.0);
	fputc('\n', f);
	if (waits)
		fprintf(f, "pyhawk: threads waited %.2f s for the GIL in all\n",
			rate > 0 ? h.waits / rate : 0.0);
	free(h.v);
}
