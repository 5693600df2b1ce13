/* probes.c: the session's side of CPython's USDT probes: links per
 * process, the import stack of each thread from the probes' events (in the
 * thread's own order on the ring buffer, so a sample between an import's
 * start and done is inside it), and the figures the summary prints.
 *
 * Attaching a probe parses the interpreter's ELF and registers a uprobe
 * (~15 ms on a big static interpreter); destroying a link waits for the
 * kernel's RCU grace periods (50-80 ms each here). In the event loop either
 * would stall reading the ring buffer and classifying new processes: a
 * process that lives 50 ms would run unwalked, its exec seen too late. So
 * the loop only queues jobs, and the probes' thread runs them in order; it
 * alone attaches and destroys links. A set of links and its counts are
 * shared under the lock; each detach or exec bumps the process's
 * generation, and an attach finished for an older one is undone.
 *
 * With --all, probes are attached per interpreter ELF, not per process: a
 * uprobe belongs to a file, and one with no PID fires in every process
 * that maps it, so each interpreter binary costs its links once, however
 * many processes run it or come and go (detaching per process would cost
 * ~300 ms of grace periods each). */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <bpf/libbpf.h>
#include "gcstats.h"
#include "grow.h"
#include "hashmap.h"
#include "probes.h"

#define TOP_IMPORTS 5
#define TOP_CALLS   10
#define TOP_GC	    10

/* Links, and what they are; under the lock. */
struct probeset {
	unsigned gen;			   /* a process's: bumped by each detach and exec */
	struct bpf_link *links[PROBE_MAX]; /* of this generation */
	int nlinks;			   /* of GC and import probes (kept after detach) */
	bool calls;			   /* function__entry attached */
	bool queued;			   /* an ELF's: attached or being attached */
};

struct elf_key {
	uint64_t dev, ino;
};

struct pproc {
	pid_t pid;
	uint32_t version_hex;
	struct probeset own;  /* its own links (without --all) */
	struct probeset *set; /* &own, or its ELF's (--all) */
	/* The loop's alone: */
	bool ended; /* links gone, figures kept */
	uint64_t samples, gc_samples;
	struct ph_gc_stats gc;
	bool has_gc;
	/* Without gc probes: collections from the interpreter's statistics,
	 * at attach and at the last read (once a second, and at the end). */
	uint64_t runtime;
	struct py_offsets off;
	uint64_t mem_first[3], mem_last[3];
	bool mem_ok;
};

enum job_kind { JOB_ATTACH, JOB_DESTROY };

struct job {
	struct job *next;
	enum job_kind kind;
	/* JOB_ATTACH: the probes of set's generation gen, in the ELF at
	 * path (through /proc/PID/root: in the process's mount namespace),
	 * for process pid (-1: every process that maps it). */
	struct probeset *set;
	unsigned gen;
	pid_t pid;
	uint32_t version_hex;
	char path[PATH_MAX + 32];
	int elf_at; /* where the ELF's own path starts in path */
	/* JOB_DESTROY: links of a process that ended or ran exec. */
	struct bpf_link *links[PROBE_MAX];
};

struct istack {
	int depth; /* may exceed PROBES_IMPORT_DEPTH: only the outer ones are kept */
	uint64_t start[PROBES_IMPORT_DEPTH];
	char names[PROBES_IMPORT_DEPTH][PH_MODNAME_MAX];
};

struct import_time {
	uint32_t pid;
	uint64_t ns;
	char name[PH_MODNAME_MAX];
};

struct call_site {
	struct ph_call_key key;
	uint64_t count;
	char file[PH_CALL_FILE_MAX];
	char func[PH_CALL_NAME_MAX];
};

struct probes {
	struct sampler *smp;
	bool calls;
	bool said_no_calls; /* the thread's */
	bool verbose;
	bool per_elf;		/* --all */
	double next_poll;	/* of the interpreters' statistics */
	struct hashmap *elfs;	/* elf_key -> struct probeset * (per_elf) */
	struct hashmap *procs;	/* pid -> struct pproc * */
	struct hashmap *stacks; /* tid -> struct istack * */
	struct hashmap *sites;	/* ph_call_key -> index in site */
	struct import_time *imports;
	size_t nimports, imports_cap;
	struct call_site *site;
	size_t nsites, sites_cap;
	/* The probes' thread and its queue. */
	pthread_t thread;
	bool running;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct job *head, **tail; /* under the lock */
	bool stopping;		  /* under the lock: attach nothing more */
};

static void destroy_links(struct bpf_link **links)
{
	for (int i = 0; i < PROBE_MAX; i++) {
		bpf_link__destroy(links[i]);
		links[i] = NULL;
	}
}

/* 3.11's function__entry fires only when a frame enters the eval loop
 * from C, 3.12-3.14 have none: only 3.15+ and <= 3.10 count every call. */
static bool entry_fires_per_call(uint32_t version_hex)
{
	return version_hex < 0x030b0000 || version_hex >= 0x030f0000;
}

/* Whether an attach job is still wanted (checked between probes). */
static bool wanted(struct probes *p, const struct job *j)
{
	bool yes;

	pthread_mutex_lock(&p->lock);
	yes = !p->stopping && j->set->gen == j->gen;
	pthread_mutex_unlock(&p->lock);
	return yes;
}

static void said_attached(struct probes *p, const struct job *j, int nlinks, bool calls)
{
	if (p->verbose && j->pid > 0)
		fprintf(stderr, "pyhawk: process %d: %d interpreter probes attached%s\n",
			(int)j->pid, nlinks + calls, calls ? " (with function__entry)" : "");
	else if (p->verbose)
		fprintf(stderr, "pyhawk: %s: %d interpreter probes attached%s, for every process\n",
			j->path + j->elf_at, nlinks + calls,
			calls ? " (with function__entry)" : "");
	if (p->calls && !calls && !p->said_no_calls) {
		p->said_no_calls = true;
		fprintf(stderr,
			"pyhawk: --calls: the interpreter of PID %d (Python %u.%u) has no "
			"function__entry probe that fires for every call (3.15, or 3.8-3.10 built "
			"with dtrace, have one): its calls are not counted\n",
			(int)j->pid, j->version_hex >> 24, (j->version_hex >> 16) & 0xff);
	}
}

/* In the probes' thread: every probe of the job's interpreter. */
static void attach_all(struct probes *p, struct job *j)
{
	struct bpf_link *links[PROBE_MAX] = {0};
	bool current, calls, gone = false;
	int i, n = 0;

	for (i = 0; i < PROBE_MAX && wanted(p, j); i++) {
		if (i == PROBE_CALL && !(p->calls && entry_fires_per_call(j->version_hex)))
			continue;
		links[i] = sampler__attach_probe(p->smp, i, j->pid, j->path);
		n += links[i] && i != PROBE_CALL;
		/* Every dtrace build of 3.8-3.15 has gc__done (attached
		 * first): without it the ELF has no probes (or is gone). */
		if (!links[i] && i == PROBE_GC_DONE) {
			gone = errno == ENOENT || errno == ESRCH;
			break;
		}
	}
	calls = links[PROBE_CALL] != NULL;
	pthread_mutex_lock(&p->lock);
	current = !p->stopping && j->set->gen == j->gen;
	if (current) {
		memcpy(j->set->links, links, sizeof(links));
		j->set->nlinks = n;
		j->set->calls = calls;
		/* An ELF's first process went before its file was read:
		 * the next one that runs it tries again. */
		if (j->pid < 0 && gone)
			j->set->queued = false;
	}
	pthread_mutex_unlock(&p->lock);
	if (current)
		said_attached(p, j, n, calls);
	else
		destroy_links(links);
}

static void *run_jobs(void *arg)
{
	struct probes *p = arg;
	struct job *j;
	bool stopping;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->head && !p->stopping)
			pthread_cond_wait(&p->wake, &p->lock);
		j = p->head;
		if (!j)
			break; /* stopping, and nothing left to destroy */
		p->head = j->next;
		if (!p->head)
			p->tail = &p->head;
		stopping = p->stopping;
		pthread_mutex_unlock(&p->lock);
		if (j->kind == JOB_DESTROY)
			destroy_links(j->links);
		else if (!stopping)
			attach_all(p, j);
		free(j);
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* Under the lock. */
static void queue(struct probes *p, struct job *j)
{
	j->next = NULL;
	*p->tail = j;
	p->tail = &j->next;
	pthread_cond_signal(&p->wake);
}

struct probes *probes__new(struct sampler *smp, bool calls, bool per_elf, bool verbose)
{
	struct probes *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->smp = smp;
	p->calls = calls;
	p->per_elf = per_elf;
	p->verbose = verbose;
	p->tail = &p->head;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	p->elfs = hashmap__new(sizeof(struct elf_key));
	p->procs = hashmap__new(sizeof(uint32_t));
	p->stacks = hashmap__new(sizeof(uint32_t));
	p->sites = hashmap__new(sizeof(struct ph_call_key));
	if (!p->elfs || !p->procs || !p->stacks || !p->sites ||
	    pthread_create(&p->thread, NULL, run_jobs, p)) {
		probes__free(p);
		return NULL;
	}
	p->running = true;
	return p;
}

static int free_proc(const void *k, uint64_t v, void *ctx)
{
	struct pproc *pp = (struct pproc *)(uintptr_t)v;

	destroy_links(pp->own.links);
	free(pp);
	return 0;
}

static int free_set(const void *k, uint64_t v, void *ctx)
{
	struct probeset *set = (struct probeset *)(uintptr_t)v;

	destroy_links(set->links);
	free(set);
	return 0;
}

static int free_value(const void *k, uint64_t v, void *ctx)
{
	free((void *)(uintptr_t)v);
	return 0;
}

void probes__free(struct probes *p)
{
	if (!p)
		return;
	if (p->running) {
		/* Links still queued are destroyed by the thread; then those of
		 * the processes alive and of the ELFs, here. */
		pthread_mutex_lock(&p->lock);
		p->stopping = true;
		pthread_cond_signal(&p->wake);
		pthread_mutex_unlock(&p->lock);
		pthread_join(p->thread, NULL);
	}
	if (p->procs)
		hashmap__foreach(p->procs, free_proc, NULL);
	if (p->elfs)
		hashmap__foreach(p->elfs, free_set, NULL);
	if (p->stacks)
		hashmap__foreach(p->stacks, free_value, NULL);
	hashmap__free(p->procs);
	hashmap__free(p->elfs);
	hashmap__free(p->stacks);
	hashmap__free(p->sites);
	free(p->imports);
	free(p->site);
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

static struct pproc *proc_get(const struct probes *p, uint32_t pid)
{
	uint64_t v;

	return hashmap__get(p->procs, &pid, &v) ? NULL : (struct pproc *)(uintptr_t)v;
}

/* Under the lock: a new generation of a process's own links; those it had,
 * if any, to destroy (into *d, which takes them; without one, here). */
static void next_generation(struct probes *p, struct probeset *set, struct job **d)
{
	bool any = false;

	set->gen++;
	for (int i = 0; i < PROBE_MAX; i++)
		any |= set->links[i] != NULL;
	if (!any)
		return;
	if (*d) {
		memcpy((*d)->links, set->links, sizeof(set->links));
		memset(set->links, 0, sizeof(set->links));
		queue(p, *d);
		*d = NULL;
	} else {
		destroy_links(set->links); /* out of memory: in the loop after all */
	}
}

static struct job *new_job(enum job_kind kind)
{
	struct job *j = calloc(1, sizeof(*j));

	if (j)
		j->kind = kind;
	return j;
}

/* --all: the set of the ELF at path (a file's identity: its device and
 * inode), made if new; NULL when the file cannot be read (gone). */
static struct probeset *elf_set(struct probes *p, const char *path)
{
	struct probeset *set;
	struct elf_key key = {0};
	struct stat st;
	uint64_t v;

	if (stat(path, &st))
		return NULL;
	key.dev = st.st_dev;
	key.ino = st.st_ino;
	if (!hashmap__get(p->elfs, &key, &v))
		return (struct probeset *)(uintptr_t)v;
	set = calloc(1, sizeof(*set));
	if (set && hashmap__set(p->elfs, &key, (uint64_t)(uintptr_t)set)) {
		free(set);
		set = NULL;
	}
	return set;
}

int probes__attach(struct probes *p, pid_t pid, const char *elf, uint32_t version_hex,
		   uint64_t runtime, const struct py_offsets *off)
{
	uint32_t key = (uint32_t)pid;
	struct pproc *pp = proc_get(p, key);
	struct job *d = new_job(JOB_DESTROY), *a = NULL;
	struct probeset *shared = NULL;

	if (!pp) {
		pp = calloc(1, sizeof(*pp));
		if (!pp || hashmap__set(p->procs, &key, (uint64_t)(uintptr_t)pp)) {
			free(pp);
			free(d);
			return -ENOMEM;
		}
	}
	if (elf && *elf) {
		a = new_job(JOB_ATTACH);
		if (!a) {
			free(d);
			return -ENOMEM;
		}
		a->elf_at = snprintf(a->path, sizeof(a->path), "/proc/%d/root", (int)pid);
		snprintf(a->path + a->elf_at, sizeof(a->path) - a->elf_at, "%s", elf);
		a->pid = pid;
		a->version_hex = version_hex;
		if (p->per_elf)
			shared = elf_set(p, a->path);
	}
	pp->pid = pid;
	pp->version_hex = version_hex;
	pp->ended = false;
	pp->runtime = runtime;
	pp->off = *off;
	pp->mem_ok = !gcstats__read(pid, version_hex, runtime, off, pp->mem_first);
	memcpy(pp->mem_last, pp->mem_first, sizeof(pp->mem_last));
	pthread_mutex_lock(&p->lock);
	next_generation(p, &pp->own, &d); /* an exec: a new interpreter */
	pp->own.nlinks = 0;
	pp->own.calls = false;
	pp->set = shared ? shared : &pp->own;
	if (a && shared && shared->queued) {
		free(a); /* its ELF has them, or is getting them */
		a = NULL;
	} else if (a && shared) {
		shared->queued = true;
		a->pid = -1;
	}
	if (a) {
		a->set = pp->set;
		a->gen = pp->set->gen;
		queue(p, a);
	}
	pthread_mutex_unlock(&p->lock);
	free(d);
	return 0;
}

static void read_mem(struct pproc *pp)
{
	uint64_t now[3];

	if (pp->mem_ok && !pp->ended &&
	    !gcstats__read(pp->pid, pp->version_hex, pp->runtime, &pp->off, now))
		memcpy(pp->mem_last, now, sizeof(now));
}

static int poll_proc(const void *k, uint64_t v, void *ctx)
{
	read_mem((struct pproc *)(uintptr_t)v);
	return 0;
}

void probes__poll(struct probes *p, double now)
{
	if (now < p->next_poll)
		return;
	p->next_poll = now + 1.0;
	hashmap__foreach(p->procs, poll_proc, NULL);
}

void probes__detach(struct probes *p, pid_t pid)
{
	struct pproc *pp = proc_get(p, (uint32_t)pid);
	struct job *d;

	if (!pp || pp->ended)
		return;
	if (!sampler__gc_stats(p->smp, pid, &pp->gc))
		pp->has_gc = true;
	d = new_job(JOB_DESTROY);
	pthread_mutex_lock(&p->lock);
	next_generation(p, &pp->own, &d); /* (an ELF's links stay for the others) */
	pthread_mutex_unlock(&p->lock);
	free(d);
	pp->ended = true;
}

void probes__sample(struct probes *p, uint32_t pid, bool gc, uint32_t weight)
{
	struct pproc *pp = proc_get(p, pid);

	if (!pp)
		return;
	pp->samples += weight;
	pp->gc_samples += gc ? weight : 0;
}

static struct istack *stack_of(struct probes *p, uint32_t tid, bool create)
{
	struct istack *st;
	uint64_t v;

	if (!hashmap__get(p->stacks, &tid, &v))
		return (struct istack *)(uintptr_t)v;
	if (!create)
		return NULL;
	st = calloc(1, sizeof(*st));
	if (st && hashmap__set(p->stacks, &tid, (uint64_t)(uintptr_t)st)) {
		free(st);
		st = NULL;
	}
	return st;
}

int probes__on_import(struct probes *p, const struct ph_import_event *e)
{
	struct istack *st = stack_of(p, e->tid, !e->done);
	struct import_time *it;
	int d;

	if (!st)
		return e->done ? 0 : -ENOMEM; /* a done without its start: attached after it */
	if (!e->done) {
		d = st->depth++;
		if (d < PROBES_IMPORT_DEPTH) {
			st->start[d] = e->time_ns;
			memcpy(st->names[d], e->name, PH_MODNAME_MAX);
			st->names[d][PH_MODNAME_MAX - 1] = '\0';
		}
		return 0;
	}
	if (st->depth == 0)
		return 0;
	d = --st->depth;
	if (d >= PROBES_IMPORT_DEPTH)
		return 0;
	if (grow__array((void **)&p->imports, &p->imports_cap, p->nimports + 1, sizeof(*p->imports)))
		return -ENOMEM;
	it = &p->imports[p->nimports++];
	it->pid = e->pid;
	it->ns = e->time_ns > st->start[d] ? e->time_ns - st->start[d] : 0;
	memcpy(it->name, st->names[d], PH_MODNAME_MAX);
	return 0;
}

int probes__imports(const struct probes *p, uint32_t tid, const char **names, int max)
{
	struct istack *st;
	uint64_t v;
	int n;

	if (hashmap__get(p->stacks, &tid, &v))
		return 0;
	st = (struct istack *)(uintptr_t)v;
	n = st->depth < PROBES_IMPORT_DEPTH ? st->depth : PROBES_IMPORT_DEPTH;
	n = n < max ? n : max;
	for (int i = 0; i < n; i++)
		names[i] = st->names[i];
	return n;
}

int probes__on_call_site(struct probes *p, const struct ph_call_site *c)
{
	struct call_site *cs;

	if (!hashmap__get(p->sites, &c->key, &(uint64_t){0}))
		return 0;
	if (grow__array((void **)&p->site, &p->sites_cap, p->nsites + 1, sizeof(*p->site)) ||
	    hashmap__set(p->sites, &c->key, p->nsites))
		return -ENOMEM;
	cs = &p->site[p->nsites++];
	memset(cs, 0, sizeof(*cs));
	cs->key = c->key;
	memcpy(cs->file, c->file, sizeof(cs->file));
	cs->file[sizeof(cs->file) - 1] = '\0';
	memcpy(cs->func, c->func, sizeof(cs->func));
	cs->func[sizeof(cs->func) - 1] = '\0';
	return 0;
}

static int take_count(const struct ph_call_key *k, uint64_t count, void *ctx);

int probes__foreach_call(struct probes *p,
			 int (*fn)(void *ctx, pid_t pid, const char *file, int line,
				   const char *func, uint64_t count),
			 void *ctx)
{
	int err = 0;

	if (!p->calls || !p->nsites)
		return 0;
	sampler__foreach_call(p->smp, take_count, p);
	for (size_t i = 0; i < p->nsites && !err; i++) {
		const struct call_site *cs = &p->site[i];

		err = fn(ctx, (pid_t)cs->key.pid, cs->file, (int)cs->key.line, cs->func, cs->count);
	}
	return err;
}

/* ---------------------------------------------------------------- summary */

struct gather {
	struct pproc **procs;
	size_t n, cap;
};

static int gather_proc(const void *k, uint64_t v, void *ctx)
{
	struct gather *g = ctx;

	if (grow__array((void **)&g->procs, &g->cap, g->n + 1, sizeof(*g->procs)))
		return -ENOMEM;
	g->procs[g->n++] = (struct pproc *)(uintptr_t)v;
	return 0;
}

static int by_gc_samples(const void *a, const void *b)
{
	const struct pproc *x = *(struct pproc *const *)a, *y = *(struct pproc *const *)b;

	return x->gc_samples < y->gc_samples ? 1 : x->gc_samples > y->gc_samples ? -1 : 0;
}

static int by_time(const void *a, const void *b)
{
	const struct import_time *x = a, *y = b;

	return x->ns < y->ns ? 1 : x->ns > y->ns ? -1 : 0;
}

static int by_count(const void *a, const void *b)
{
	const struct call_site *x = a, *y = b;

	return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

static int take_count(const struct ph_call_key *k, uint64_t count, void *ctx)
{
	struct probes *p = ctx;
	uint64_t i;

	if (!hashmap__get(p->sites, k, &i))
		p->site[i].count = count;
	return 0;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static void print_gc(struct probes *p, FILE *f, const char *(*cmdline)(void *, pid_t), void *ctx)
{
	struct gather g = {0};

	if (hashmap__foreach(p->procs, gather_proc, &g) || !g.n) {
		free(g.procs);
		return;
	}
	qsort(g.procs, g.n, sizeof(*g.procs), by_gc_samples);
	for (size_t i = 0; i < g.n && i < TOP_GC; i++) {
		struct pproc *pp = g.procs[i];
		const struct ph_gc_stats *gc = &pp->gc;
		uint64_t n;

		uint64_t mem[3];

		if (!pp->ended && !sampler__gc_stats(p->smp, pp->pid, &pp->gc))
			pp->has_gc = true;
		read_mem(pp);
		for (int g = 0; g < 3; g++)
			mem[g] = pp->mem_last[g] - pp->mem_first[g];
		n = pp->has_gc	 ? gc->collections[0] + gc->collections[1] + gc->collections[2]
		    : pp->mem_ok ? mem[0] + mem[1] + mem[2]
				 : 0;
		if (!pp->samples || (!pp->gc_samples && !n))
			continue; /* nothing to say */
		fprintf(f, "pyhawk: garbage collection in PID %d (%s): <GC> in %.1f%% of its samples",
			(int)pp->pid, cmdline(ctx, pp->pid),
			100.0 * (double)pp->gc_samples / (double)pp->samples);
		if (pp->has_gc)
			fprintf(f,
				"; %llu collections (generation 0: %llu, 1: %llu, 2: %llu), "
				"%.3f s paused in all, the longest %.1f ms\n",
				(unsigned long long)n, (unsigned long long)gc->collections[0],
				(unsigned long long)gc->collections[1],
				(unsigned long long)gc->collections[2], gc->pause_ns / 1e9,
				gc->max_pause_ns / 1e6);
		else if (pp->mem_ok)
			/* The interpreter's own counts, as gc.get_stats() gives
			 * them; of an exited process, to the last second. */
			fprintf(f,
				"; %llu collections (generation 0: %llu, 1: %llu, 2: %llu), "
				"from the interpreter's statistics%s (no gc probes in its build: "
				"pauses not timed)\n",
				(unsigned long long)n, (unsigned long long)mem[0],
				(unsigned long long)mem[1], (unsigned long long)mem[2],
				pp->ended ? " to its last second" : "");
		else
			fprintf(f, "%s\n",
				pp->set && pp->set->nlinks ? "; no collection seen by the probes"
							   : " (no gc probes in its interpreter: "
							     "collections not counted)");
	}
	free(g.procs);
}

struct census {
	int with, without;
};

static int count_probed(const void *k, uint64_t v, void *ctx)
{
	const struct pproc *pp = (const struct pproc *)(uintptr_t)v;
	struct census *c = ctx;

	if (pp->set && pp->set->nlinks)
		c->with++;
	else
		c->without++;
	return 0;
}

void probes__print(struct probes *p, FILE *f, const char *(*cmdline)(void *ctx, pid_t pid),
		   void *ctx)
{
	struct census c = {0};

	/* (The probes' thread may be attaching still.) */
	pthread_mutex_lock(&p->lock);
	hashmap__foreach(p->procs, count_probed, &c);
	if (c.with + c.without == 1)
		fprintf(f, "pyhawk: interpreter probes (GC, imports): %s\n",
			c.with ? "attached"
			       : "none in this build (<GC> from the interpreter's state)");
	else if (c.with + c.without > 1)
		fprintf(f,
			"pyhawk: interpreter probes (GC, imports): attached in %d of %d processes "
			"(the others' builds have none)\n",
			c.with, c.with + c.without);
	print_gc(p, f, cmdline, ctx);
	pthread_mutex_unlock(&p->lock);
	if (p->nimports) {
		qsort(p->imports, p->nimports, sizeof(*p->imports), by_time);
		fprintf(f, "pyhawk: slowest imports:");
		for (size_t i = 0; i < p->nimports && i < TOP_IMPORTS; i++)
			fprintf(f, "%s %s %.3f s (PID %u)", i ? "," : "", p->imports[i].name,
				p->imports[i].ns / 1e9, p->imports[i].pid);
		fputc('\n', f);
	}
	if (p->calls && p->nsites) {
		sampler__foreach_call(p->smp, take_count, p);
		qsort(p->site, p->nsites, sizeof(*p->site), by_count);
		/* The order changed: the index is stale from here on. */
		hashmap__free(p->sites);
		p->sites = hashmap__new(sizeof(struct ph_call_key));
		for (size_t i = 0; i < p->nsites && p->sites; i++)
			hashmap__set(p->sites, &p->site[i].key, i);
		fprintf(f, "pyhawk: most called functions (--calls, exact):\n");
		for (size_t i = 0; i < p->nsites && i < TOP_CALLS; i++)
			fprintf(f, "  %12llu  %s (%s:%u)\n", (unsigned long long)p->site[i].count,
				p->site[i].func, base_name(p->site[i].file), p->site[i].key.line);
	}
}
