/* threadnames.c: names of sampled threads: threading's name of the thread,
 * read from the target, or else the kernel's.
 *
 * The kernel's is given when a thread's first sample arrives, and threading
 * is read at once (the kernel wakes pyhawk for a new thread's first sample):
 * a thread that lives 40 ms is gone from threading by a later look. Looks at
 * one process are spaced by NAMES_COST_GAP times the last one's cost (at most
 * ~5 % of a core for a process that makes threads without end; a burst of
 * new threads costs one look, taken when the gap has passed: the session
 * waits no longer than threadnames__due says), and once more as quickly (a
 * thread sampled in its first instants is not in threading's registry yet).
 * A thread threading did not know is looked for again on later samples,
 * NAMES_EVERY_S apart (NAMES_RETRIES times: a thread threading never
 * started has no name), and once more at the end. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "hashmap.h"
#include "offsets.h"
#include "procfs.h"
#include "pyhawk.h"
#include "pythreads.h"
#include "threadnames.h"

#define NAMES_EVERY_S  0.2
#define NAMES_COST_GAP 20
#define NAMES_QUICK    2
#define NAMES_RETRIES  5
#define THREAD_SEEN    1u /* threads values */
#define THREAD_PYNAMED 2u

struct tn_proc {
	pid_t pid;
	uint32_t version_hex;
	uint64_t runtime;  /* _PyRuntime, to read threading's names */
	double names_at;   /* last look at threading (rate limit) */
	double names_cost; /* what it took, in seconds */
	bool pending;	   /* a new thread waits for a quick look */
	int quick;	   /* quick looks left (a thread sampled before
			    * threading registered it needs a second) */
	int names_retries; /* looks left for threads with only a kernel name */
	int unnamed;	   /* threads with samples and only a kernel name */
};

struct thread_key {
	uint32_t pid;
	uint32_t tid;
};

struct threadnames {
	threadnames_cb cb;
	void *ctx;
	struct hashmap *threads; /* thread_key -> THREAD_* */
	struct hashmap *procs;	 /* pid -> struct tn_proc * */
	uint64_t count;
	double due; /* earliest pending look of any process (0: none) */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct threadnames *threadnames__new(threadnames_cb cb, void *ctx)
{
	struct threadnames *tn = calloc(1, sizeof(*tn));

	if (!tn)
		return NULL;
	tn->cb = cb;
	tn->ctx = ctx;
	tn->threads = hashmap__new(sizeof(struct thread_key));
	tn->procs = hashmap__new(sizeof(uint32_t));
	if (!tn->threads || !tn->procs) {
		threadnames__free(tn);
		return NULL;
	}
	return tn;
}

static int free_proc(const void *key, uint64_t v, void *ctx)
{
	free((void *)(uintptr_t)v);
	return 0;
}

void threadnames__free(struct threadnames *tn)
{
	if (!tn)
		return;
	if (tn->procs)
		hashmap__foreach(tn->procs, free_proc, NULL);
	hashmap__free(tn->procs);
	hashmap__free(tn->threads);
	free(tn);
}

static struct tn_proc *get_proc(struct threadnames *tn, pid_t pid)
{
	uint32_t key = (uint32_t)pid;
	uint64_t v;

	return hashmap__get(tn->procs, &key, &v) ? NULL : (struct tn_proc *)(uintptr_t)v;
}

int threadnames__set_proc(struct threadnames *tn, pid_t pid, uint32_t version_hex, uint64_t runtime)
{
	struct tn_proc *p = get_proc(tn, pid);
	uint32_t key = (uint32_t)pid;

	if (!p) {
		p = calloc(1, sizeof(*p));
		if (!p || hashmap__set(tn->procs, &key, (uint64_t)(uintptr_t)p)) {
			free(p);
			return -ENOMEM;
		}
	}
	p->pid = pid;
	p->version_hex = version_hex;
	p->runtime = runtime;
	return 0;
}

static int of_pid(const void *key, uint64_t v, void *ctx)
{
	return ((const struct thread_key *)key)->pid == *(const uint32_t *)ctx;
}

void threadnames__forget_proc(struct threadnames *tn, pid_t pid)
{
	struct tn_proc *p = get_proc(tn, pid);
	uint32_t key = (uint32_t)pid;

	if (p) {
		free(p);
		hashmap__del(tn->procs, &key);
	}
	hashmap__del_if(tn->threads, of_pid, &key);
}

struct names_ctx {
	struct threadnames *tn;
	struct tn_proc *p;
};

static void on_thread_name(void *ctx, uint32_t tid, const char *name)
{
	struct names_ctx *nc = ctx;
	struct thread_key tk = {.pid = (uint32_t)nc->p->pid, .tid = tid};
	uint64_t v;

	/* Threads without samples have no root frame to name. */
	if (hashmap__get(nc->tn->threads, &tk, &v))
		return;
	if (nc->tn->cb)
		nc->tn->cb(nc->tn->ctx, nc->p->pid, tid, name);
	if (!(v & THREAD_PYNAMED) && !hashmap__set(nc->tn->threads, &tk, v | THREAD_PYNAMED))
		nc->p->unnamed--;
}

static void read_names(struct threadnames *tn, struct tn_proc *p)
{
	struct names_ctx nc = {.tn = tn, .p = p};
	struct py_obj_offsets obj;
	struct py_offsets off;

	p->names_at = now_s();
	if (p->quick > 0)
		p->quick--;
	if (p->names_retries > 0)
		p->names_retries--;
	/* Best effort: a thread not found keeps the kernel's name. */
	if (!offsets__for_version(p->version_hex, 0, &off) &&
	    !offsets__obj_for_version(p->version_hex, 0, &obj))
		pythreads__names(p->pid, p->version_hex, p->runtime, &off, &obj, on_thread_name,
				 &nc);
	p->names_cost = now_s() - p->names_at;
	p->pending = p->quick > 0 && p->unnamed > 0;
}

/* When p's next look may be taken (-1: none is wanted). */
static double look_due(const struct tn_proc *p)
{
	double gap = NAMES_COST_GAP * p->names_cost;

	if (p->unnamed <= 0 || p->names_retries <= 0)
		return -1;
	if (!p->pending && gap < NAMES_EVERY_S)
		gap = NAMES_EVERY_S;
	return p->names_at + gap;
}

/* Looks at p's threading now if a look is due, and keeps in tn->due when
 * its next quick look is. */
static void look(struct threadnames *tn, struct tn_proc *p, double now)
{
	double due = look_due(p);

	if (due >= 0 && now >= due) {
		read_names(tn, p);
		due = look_due(p);
	}
	if (due >= 0 && p->pending && (!tn->due || due < tn->due))
		tn->due = due;
}

void threadnames__sampled(struct threadnames *tn, pid_t pid, uint32_t tid, const uint8_t *comm)
{
	struct thread_key tk = {.pid = (uint32_t)pid, .tid = tid};
	struct tn_proc *p = get_proc(tn, pid);
	char name[PH_COMM_LEN + 1];
	uint64_t v;

	if (hashmap__get(tn->threads, &tk, &v)) {
		if (hashmap__set(tn->threads, &tk, THREAD_SEEN))
			return;
		tn->count++;
		/* A thread gone already keeps the name it was sampled under. */
		if (procfs__comm(pid, tid, name, sizeof(name)) < 0) {
			memcpy(name, comm, PH_COMM_LEN);
			name[PH_COMM_LEN] = '\0';
		}
		if (tn->cb)
			tn->cb(tn->ctx, pid, tid, name);
		if (p) {
			p->unnamed++;
			p->names_retries = NAMES_RETRIES;
			p->pending = true;
			p->quick = NAMES_QUICK;
		}
	}
	if (p)
		look(tn, p, now_s());
}

static int look_proc(const void *key, uint64_t v, void *ctx)
{
	struct threadnames *tn = ctx;
	struct tn_proc *p = (struct tn_proc *)(uintptr_t)v;

	if (p->pending)
		look(tn, p, now_s());
	return 0;
}

double threadnames__due(struct threadnames *tn)
{
	if (tn->due && now_s() >= tn->due) {
		tn->due = 0;
		hashmap__foreach(tn->procs, look_proc, tn);
	}
	return tn->due;
}

static int end_proc(const void *key, uint64_t v, void *ctx)
{
	struct tn_proc *p = (struct tn_proc *)(uintptr_t)v;

	if (p->unnamed > 0)
		read_names(ctx, p);
	return 0;
}

void threadnames__at_end(struct threadnames *tn)
{
	hashmap__foreach(tn->procs, end_proc, tn);
}

uint64_t threadnames__count(const struct threadnames *tn)
{
	return tn->count;
}
