/* ithreads.c: the threads the task iterator visits (--idle, dump): one
 * iterator per thread, from the process's thread list when it becomes
 * walkable and from the kernel's new-thread events; none while a thread is
 * parked (blocked and unchanged for a while: the kernel says when it parks
 * and when it runs again), its ticks counted against its last stack. */
#include <errno.h>
#include <stdlib.h>
#include "procfs.h"
#include "session_internal.h"

struct ithread {
	pid_t pid;
	uint32_t tid;
	bool parked;
	uint64_t parked_tick; /* the pass that parked it (it was visited then) */
};

/* A process's threads: how many, how many not parked (to visit). */
struct iproc {
	uint32_t total, active;
	bool whole; /* visited by one pass over all its threads */
};

/* Running an iterator costs ~6 us of system calls, visiting a task in a
 * pass over a process ~0.9 us (measured here): a process with more than
 * about a sixth of its threads to visit is cheaper visited whole. With
 * hysteresis, and never for a few threads. */
#define WHOLE_MIN 32
#define WHOLE_SHARE 6
#define THREADS_MIN 16
#define THREADS_SHARE 10

static struct ithread *get(struct session *s, uint32_t tid)
{
	uint64_t v;

	return hashmap__get(s->ithreads, &tid, &v) ? NULL : (struct ithread *)(uintptr_t)v;
}

static struct iproc *proc_of(struct session *s, pid_t pid, bool create)
{
	uint32_t key = (uint32_t)pid;
	struct iproc *p;
	uint64_t v;

	if (!hashmap__get(s->iprocs, &key, &v))
		return (struct iproc *)(uintptr_t)v;
	if (!create)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (p && hashmap__set(s->iprocs, &key, (uint64_t)(uintptr_t)p)) {
		free(p);
		p = NULL;
	}
	return p;
}

/* Threads to visit (not parked) come and go. */
static void count(struct session *s, pid_t pid, int total, int active)
{
	struct iproc *p = proc_of(s, pid, false);

	if (!p)
		return;
	p->total += total;
	p->active += active;
}

static void forget(struct session *s, struct ithread *t)
{
	count(s, t->pid, -1, t->parked ? 0 : -1);
	sampler__iter_remove_thread(s->smp, t->tid);
	hashmap__del(s->ithreads, &t->tid);
	free(t);
}

int ithreads__init(struct session *s)
{
	s->ithreads = hashmap__new(sizeof(uint32_t));
	s->iprocs = hashmap__new(sizeof(uint32_t));
	return s->ithreads && s->iprocs ? 0 : -ENOMEM;
}

static int free_one(const void *key, uint64_t v, void *ctx)
{
	free((void *)(uintptr_t)v);
	return 0;
}

void ithreads__free(struct session *s)
{
	if (s->ithreads)
		hashmap__foreach(s->ithreads, free_one, NULL);
	if (s->iprocs)
		hashmap__foreach(s->iprocs, free_one, NULL);
	hashmap__free(s->ithreads);
	hashmap__free(s->iprocs);
}

static int watch(struct session *s, pid_t pid, uint32_t tid)
{
	struct ithread *t = get(s, tid);
	int err;

	if (t && t->pid == pid)
		return 0;
	if (t) /* a reused thread id */
		forget(s, t);
	t = calloc(1, sizeof(*t));
	if (!t || !proc_of(s, pid, true)) {
		free(t);
		return -ENOMEM;
	}
	t->pid = pid;
	t->tid = tid;
	err = sampler__iter_add_thread(s->smp, pid, tid);
	if (!err && hashmap__set(s->ithreads, &tid, (uint64_t)(uintptr_t)t))
		err = -ENOMEM;
	if (err) {
		sampler__iter_remove_thread(s->smp, tid);
		free(t);
		/* A thread that exited meanwhile is not an error. */
		return err == -ESRCH || err == -ENOENT ? 0 : err;
	}
	count(s, pid, 1, 1);
	return 0;
}

struct watch_ctx {
	struct session *s;
	pid_t pid;
	int err;
};

static int watch_listed(pid_t tid, void *ctx)
{
	struct watch_ctx *wc = ctx;

	wc->err = watch(wc->s, wc->pid, (uint32_t)tid);
	return wc->err;
}

int ithreads__watch_process(struct session *s, pid_t pid)
{
	struct watch_ctx wc = {.s = s, .pid = pid};
	int err;

	if (!s->ithreads)
		return 0;
	err = procfs__foreach_thread(pid, watch_listed, &wc);
	return err == -ESRCH ? 0 : err;
}

/* Ticks a parked thread was not visited: after the pass that parked it, up
 * to the last pass before it is visited again (events drained before a
 * pass: that pass visits it), or to the last pass. */
static uint64_t parked_ticks(struct session *s, struct ithread *t, uint64_t upto)
{
	uint64_t last = s->in_tick ? s->tick - 1 : s->tick;

	if (upto > last)
		upto = last;
	return t->parked && upto > t->parked_tick ? upto - t->parked_tick : 0;
}

static int count_parked(struct session *s, struct ithread *t, uint64_t upto)
{
	uint64_t n = parked_ticks(s, t, upto);

	t->parked = false;
	while (n) {
		uint32_t c = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
		int ret = session_repeat(s, (uint32_t)t->pid, t->tid, c);

		if (ret <= 0) /* 0: never walked (a native thread): no samples */
			return ret;
		s->parked_samples += c;
		n -= c;
	}
	return 0;
}

int ithreads__on_event(void *ctx, const struct ph_thread_event *e)
{
	struct session *s = ctx;
	struct ithread *t = get(s, e->tid);
	int err = 0;

	if (!s->ithreads)
		return 0;
	switch (e->kind) {
	case PH_THREAD_NEW:
		return watch(s, (pid_t)e->pid, e->tid);
	case PH_THREAD_PARKED:
		if (!t || t->parked)
			return 0;
		t->parked = true;
		t->parked_tick = e->tick;
		count(s, t->pid, 0, -1);
		sampler__iter_remove_thread(s->smp, t->tid);
		return 0;
	case PH_THREAD_WOKE:
		/* Ignored unless parked: the kernel may report a wake-up of a
		 * thread it did not finish parking. */
		if (!t || !t->parked)
			return 0;
		err = count_parked(s, t, UINT64_MAX);
		count(s, t->pid, 0, 1);
		if (!err)
			err = sampler__iter_add_thread(s->smp, t->pid, t->tid);
		return err == -ESRCH || err == -ENOENT ? 0 : err;
	case PH_THREAD_EXIT:
		err = session_repeat(s, e->pid, e->tid, e->count);
		err = err < 0 ? err : 0;
		if (t) {
			if (!err)
				err = count_parked(s, t, e->tick);
			forget(s, t);
		}
		session_forget_thread(s, e->pid, e->tid);
		return err;
	}
	return 0;
}

struct pid_ctx {
	struct session *s;
	pid_t pid;
	bool all; /* the end: every thread */
	int err;
};

static int gone_if(const void *key, uint64_t v, void *ctx)
{
	struct ithread *t = (struct ithread *)(uintptr_t)v;
	struct pid_ctx *pc = ctx;

	if (!pc->all && t->pid != pc->pid)
		return 0;
	if (!pc->err)
		pc->err = count_parked(pc->s, t, UINT64_MAX);
	sampler__iter_remove_thread(pc->s->smp, t->tid);
	free(t);
	return 1;
}

int ithreads__process_gone(struct session *s, pid_t pid)
{
	struct pid_ctx pc = {.s = s, .pid = pid};
	uint32_t key = (uint32_t)pid;
	struct iproc *p;

	if (!s->ithreads)
		return 0;
	hashmap__del_if(s->ithreads, gone_if, &pc);
	p = proc_of(s, pid, false);
	if (p) {
		sampler__iter_remove_proc(s->smp, pid);
		hashmap__del(s->iprocs, &key);
		free(p);
	}
	return pc.err;
}

static int plan_one(const void *key, uint64_t v, void *ctx)
{
	struct iproc *p = (struct iproc *)(uintptr_t)v;
	struct session *s = ctx;
	bool whole = p->whole ? p->active >= THREADS_MIN && p->active * THREADS_SHARE >= p->total
			      : p->active >= WHOLE_MIN && p->active * WHOLE_SHARE > p->total;

	if (whole == p->whole)
		return 0;
	if (sampler__iter_whole(s->smp, (pid_t) * (const uint32_t *)key, whole))
		return 0; /* stays as it was: both ways visit every thread */
	p->whole = whole;
	return 0;
}

void ithreads__plan(struct session *s)
{
	if (s->iprocs)
		hashmap__foreach(s->iprocs, plan_one, s);
}

int ithreads__end(struct session *s)
{
	struct pid_ctx pc = {.s = s, .all = true};

	if (s->ithreads)
		hashmap__del_if(s->ithreads, gone_if, &pc);
	return pc.err;
}
