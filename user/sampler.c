/* sampler.c: loading the BPF sampler, attaching it (to every CPU, or to the
 * target threads: taskclock.c), and reading its ring buffer and counters. */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "hashmap.h"
#include "sampler.h"
#include "sampler.skel.h"
#include "taskclock.h"

struct iter {
	uint32_t id;  /* tid (thread iterators) or pid (sweeps, processes) */
	uint32_t pid; /* the process of a thread iterator */
	bool skip;    /* not run: its process is visited whole */
	struct bpf_link *link;
};

struct sampler {
	struct sampler_bpf *skel;
	/* per thread; discovery sweeps; whole processes (iterate a busy one
	 * with one pass, run when not skipped) */
	struct iter *iters, *sweeps, *procs;
	int niters, nsweeps, nprocs;
	struct hashmap *iter_index; /* tid -> index in iters */
	bool iterator;
	struct ring_buffer *rb;
	struct taskclock *clock; /* NULL: no perf events (dump) */
	bool per_task;		 /* the clock is the targets' threads' */
	int per_cpu_err;	 /* per-task sampling given up: why (-errno) */
	int rate;
	int ncpus;
	int stats_fd;
	struct sampler_handlers h;
};

static bool verbose_libbpf;
/* Attaching probes (in the probes' thread): an ELF without them is not
 * worth libbpf's warning. */
static _Thread_local bool quiet_libbpf;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && !verbose_libbpf)
		return 0;
	if (quiet_libbpf && !verbose_libbpf)
		return 0;
	if (!verbose_libbpf && level == LIBBPF_INFO)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct sampler *s = ctx;
	__u32 type;

	if (size < sizeof(type))
		return 0;
	memcpy(&type, data, sizeof(type));
	switch (type) {
	case PH_EV_SAMPLE:
		if (size >= PH_SAMPLE_HDR_SIZE && s->h.sample)
			return s->h.sample(s->h.ctx, data, size);
		break;
	case PH_EV_CODE:
		if (size >= PH_CODE_HDR_SIZE && s->h.code)
			return s->h.code(s->h.ctx, data, size);
		break;
	case PH_EV_EXIT:
		if (size >= sizeof(struct ph_exit) && s->h.exit)
			return s->h.exit(s->h.ctx, data);
		break;
	case PH_EV_PROC:
		if (size >= sizeof(struct ph_proc_event) && s->h.proc)
			return s->h.proc(s->h.ctx, data);
		break;
	case PH_EV_THREAD:
		if (size >= sizeof(struct ph_thread_event) && s->h.thread)
			return s->h.thread(s->h.ctx, data);
		break;
	case PH_EV_FRAME_ADDRS:
		if (size >= PH_FRAME_ADDRS_HDR_SIZE && s->h.frame_addrs)
			return s->h.frame_addrs(s->h.ctx, data, size);
		break;
	case PH_EV_IMPORT:
		if (size >= sizeof(struct ph_import_event) && s->h.import)
			return s->h.import(s->h.ctx, data);
		break;
	case PH_EV_CALL_SITE:
		if (size >= sizeof(struct ph_call_site) && s->h.call_site)
			return s->h.call_site(s->h.ctx, data);
		break;
	}
	return 0;
}

static const char *const probe_names[PROBE_MAX] = {
    [PROBE_GC_START] = "gc__start",
    [PROBE_GC_DONE] = "gc__done",
    [PROBE_IMPORT_START] = "import__find__load__start",
    [PROBE_IMPORT_DONE] = "import__find__load__done",
    [PROBE_CALL] = "function__entry",
};

struct bpf_link *sampler__attach_probe(struct sampler *s, int probe, pid_t pid, const char *path)
{
	struct bpf_program *progs[PROBE_MAX] = {
	    [PROBE_GC_START] = s->skel->progs.usdt_gc_start,
	    [PROBE_GC_DONE] = s->skel->progs.usdt_gc_done,
	    [PROBE_IMPORT_START] = s->skel->progs.usdt_import_start,
	    [PROBE_IMPORT_DONE] = s->skel->progs.usdt_import_done,
	    [PROBE_CALL] = s->skel->progs.usdt_call,
	};
	struct bpf_link *link;

	if (probe < 0 || probe >= PROBE_MAX || bpf_program__fd(progs[probe]) < 0) {
		errno = EINVAL; /* not loaded: the option is off */
		return NULL;
	}
	quiet_libbpf = true;
	link =
	    bpf_program__attach_usdt(progs[probe], pid, path, "python", probe_names[probe], NULL);
	quiet_libbpf = false;
	return link;
}

int sampler__gc_stats(struct sampler *s, pid_t pid, struct ph_gc_stats *out)
{
	__u32 key = (__u32)pid;

	return bpf_map__lookup_elem(s->skel->maps.gc_stats, &key, sizeof(key), out, sizeof(*out), 0)
		   ? -ENOENT
		   : 0;
}

int sampler__foreach_call(struct sampler *s,
			  int (*fn)(const struct ph_call_key *k, uint64_t count, void *ctx),
			  void *ctx)
{
	struct ph_call_key key, next;
	const struct ph_call_key *prev = NULL;
	__u64 count;
	int err;

	while (!bpf_map__get_next_key(s->skel->maps.call_counts, prev, &next, sizeof(next))) {
		if (!bpf_map__lookup_elem(s->skel->maps.call_counts, &next, sizeof(next), &count,
					  sizeof(count), 0)) {
			err = fn(&next, count, ctx);
			if (err)
				return err;
		}
		key = next;
		prev = &key;
	}
	return 0;
}

/* The program that takes samples: the task iterator or the perf_event one. */
static struct bpf_program *sampler_prog(struct sampler *s)
{
	return s->iterator ? s->skel->progs.sample_task : s->skel->progs.on_cpu_sample;
}

int sampler__kernel_check(const char **missing)
{
	/* What the sampler cannot run without, oldest first; each is probed
	 * by loading a tiny program or map, never guessed from the version. */
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		*missing = "BTF type information (/sys/kernel/btf/vmlinux, CONFIG_DEBUG_INFO_BTF)";
		return -EOPNOTSUPP;
	}
	if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) != 1) {
		*missing = "the BPF ring buffer (Linux 5.8)";
		return -EOPNOTSUPP;
	}
	if (libbpf_probe_bpf_helper(BPF_PROG_TYPE_PERF_EVENT, BPF_FUNC_loop, NULL) != 1) {
		*missing = "the bpf_loop helper (Linux 5.17)";
		return -EOPNOTSUPP;
	}
	*missing = NULL;
	return 0;
}

struct sampler *sampler__new(const struct sampler_opts *opts, const struct sampler_handlers *h,
			     int *err, const char **stage)
{
	struct sampler *s;
	int ncpus;

	verbose_libbpf = opts->verbose;
	libbpf_set_print(libbpf_print);
	s = calloc(1, sizeof(*s));
	if (!s) {
		*err = -ENOMEM;
		*stage = "memory";
		return NULL;
	}
	s->stats_fd = -1;
	s->h = *h;
	s->rate = opts->rate;
	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0) {
		*err = ncpus < 0 ? ncpus : -ENODEV;
		*stage = "cpus";
		goto fail;
	}
	s->ncpus = ncpus;

	*stage = "open";
	s->skel = sampler_bpf__open();
	if (!s->skel) {
		*err = -errno;
		goto fail;
	}
	*err = bpf_map__set_max_entries(s->skel->maps.scratch_map, ncpus);
	if (*err)
		goto fail;
	s->skel->rodata->all_procs = opts->all_procs;
	s->per_task = opts->per_task && !opts->walk_all;
	s->skel->rodata->iter_walk_all = opts->walk_all;
	s->skel->rodata->iter_frame_addrs = opts->frame_addrs;
	s->skel->rodata->self_tgid = (__u32)getpid();
	s->iterator = opts->iterator;
	/* Each mode loads only its sampler: the iterator's remote walk is a
	 * second copy of the walker for the verifier, and needs 6.1's
	 * sleepable iterators; on-CPU sampling needs neither. */
	/* --idle: the iterator for threads off a CPU, perf_event for the
	 * running ones (walked in their own context); dump: the iterator. */
	bpf_program__set_autoload(s->skel->progs.on_cpu_sample, !opts->walk_all);
	bpf_program__set_autoload(s->skel->progs.sample_task, opts->iterator);
	bpf_program__set_autoload(s->skel->progs.on_thread_exit, opts->iterator);
	bpf_program__set_autoload(s->skel->progs.on_thread_new, opts->iterator);
	/* Parking and timing wake-ups (hooks on every context switch and
	 * wake-up) are for a capture, not for dump's one pass. */
	bpf_program__set_autoload(s->skel->progs.on_switch, opts->iterator && !opts->walk_all);
	bpf_program__set_autoload(s->skel->progs.on_wake, opts->iterator && !opts->walk_all);
	/* The probes' programs are attached per process, by hand. */
	bpf_program__set_autoload(s->skel->progs.usdt_gc_start, opts->probes);
	bpf_program__set_autoload(s->skel->progs.usdt_gc_done, opts->probes);
	bpf_program__set_autoload(s->skel->progs.usdt_import_start, opts->probes);
	bpf_program__set_autoload(s->skel->progs.usdt_import_done, opts->probes);
	bpf_program__set_autoload(s->skel->progs.usdt_call, opts->calls);
	if (opts->iterator && !(s->iter_index = hashmap__new(sizeof(uint32_t)))) {
		*err = -ENOMEM;
		goto fail;
	}
	*err = bpf_map__set_max_entries(s->skel->maps.iter_scratch, opts->iterator ? ncpus : 1);
	if (*err)
		goto fail;

	*stage = "load";
	*err = sampler_bpf__load(s->skel);
	if (*err)
		goto fail;
	if (opts->verbose) {
		/* The verifier's work, to catch complexity creep (limit: 1M). */
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		if (!bpf_obj_get_info_by_fd(bpf_program__fd(sampler_prog(s)), &info, &len))
			fprintf(stderr, "pyhawk: sampler verified: %u instructions processed\n",
				info.verified_insns);
	}

	if (opts->bpf_stats) {
		/* Held open for the capture: the kernel counts run time only
		 * while some fd enables it. */
		s->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	}

	*stage = "attach exit tracepoint";
	*err = sampler_bpf__attach(s->skel);
	if (*err)
		goto fail;
	if (opts->walk_all)
		goto ringbuf;

	*stage = "perf_event";
	s->clock = taskclock__new(s->skel->progs.on_cpu_sample, opts->rate);
	if (!s->clock) {
		*err = -ENOMEM;
		goto fail;
	}
	/* Per task: the session names the threads (sampler__watch). */
	if (!s->per_task) {
		*err = taskclock__cpus(s->clock);
		if (*err)
			goto fail;
	}

ringbuf:
	*stage = "ring buffer";
	s->rb = ring_buffer__new(bpf_map__fd(s->skel->maps.events), on_event, s, NULL);
	if (!s->rb) {
		*err = -errno;
		goto fail;
	}
	*err = 0;
	*stage = NULL;
	return s;
fail:
	if (!*err)
		*err = -EINVAL;
	sampler__free(s);
	return NULL;
}

void sampler__free(struct sampler *s)
{
	int i;

	if (!s)
		return;
	ring_buffer__free(s->rb);
	for (i = 0; i < s->niters; i++)
		bpf_link__destroy(s->iters[i].link);
	for (i = 0; i < s->nsweeps; i++)
		bpf_link__destroy(s->sweeps[i].link);
	for (i = 0; i < s->nprocs; i++)
		bpf_link__destroy(s->procs[i].link);
	free(s->iters);
	free(s->sweeps);
	free(s->procs);
	hashmap__free(s->iter_index);
	taskclock__free(s->clock);
	if (s->stats_fd >= 0)
		close(s->stats_fd);
	sampler_bpf__destroy(s->skel);
	free(s);
}

int sampler__set_proc(struct sampler *s, pid_t pid, uint32_t cookie, uint64_t runtime,
		      const struct py_offsets *off, uint32_t state, uint32_t flags)
{
	struct ph_proc p = {};
	__u32 key = (__u32)pid;

	p.runtime = runtime;
	p.cookie = cookie;
	p.state = state;
	p.flags = flags;
	if (off)
		p.off = *off;
	if (bpf_map_update_elem(bpf_map__fd(s->skel->maps.procs), &key, &p, BPF_ANY))
		return -errno;
	/* The sampler's per-CPU memory of IGNORED processes is stale now. */
	__atomic_fetch_add(&s->skel->bss->procs_gen, 1, __ATOMIC_SEQ_CST);
	return 0;
}

int sampler__slow_reports(struct sampler *s, pid_t pid)
{
	int fd = bpf_map__fd(s->skel->maps.procs);
	struct ph_proc p;
	__u32 key = (__u32)pid;

	if (bpf_map_lookup_elem(fd, &key, &p))
		return -ENOENT;
	if (p.state != PH_PROC_PROBING || p.reports >= PH_REPORTS_SLOW)
		return 0;
	p.reports = PH_REPORTS_SLOW;
	/* Written back whole: a race with the kernel's own update of this
	 * entry only moves the next report. */
	return bpf_map_update_elem(fd, &key, &p, BPF_EXIST) ? -errno : 0;
}

int sampler__get_proc(struct sampler *s, pid_t pid, uint32_t *state, uint32_t *flags)
{
	struct ph_proc p;
	__u32 key = (__u32)pid;

	if (bpf_map_lookup_elem(bpf_map__fd(s->skel->maps.procs), &key, &p))
		return -ENOENT;
	*state = p.state;
	*flags = p.flags;
	return 0;
}

/* Per-task events could not be had: every CPU's from now on, for the
 * rest of the capture (the threads watched so far included). */
static int fall_back_to_cpus(struct sampler *s, int why)
{
	taskclock__free(s->clock);
	s->per_task = false;
	s->per_cpu_err = why;
	s->clock = taskclock__new(s->skel->progs.on_cpu_sample, s->rate);
	if (!s->clock)
		return -ENOMEM;
	return taskclock__cpus(s->clock);
}

int sampler__watch(struct sampler *s, pid_t pid, bool whole_process)
{
	int err;

	if (!s->per_task || !s->clock)
		return 0;
	err = whole_process ? taskclock__process(s->clock, pid) : taskclock__thread(s->clock, pid);
	if (!err || err == -ESRCH)
		return err;
	return fall_back_to_cpus(s, err);
}

int sampler__clock(const struct sampler *s, int *events, int *per_cpu_err)
{
	*events = taskclock__count(s->clock);
	*per_cpu_err = s->per_cpu_err;
	return s->per_task;
}

int sampler__poll(struct sampler *s, int timeout_ms)
{
	int n, m;

	/* The kernel side rarely wakes us (see rb_flags() in walker.bpf.h):
	 * wait for the timeout or a forced wake-up, then take what is there. */
	n = ring_buffer__poll(s->rb, timeout_ms);
	if (n < 0)
		return n;
	m = ring_buffer__consume(s->rb);
	return m < 0 ? m : n + m;
}

int sampler__drain(struct sampler *s)
{
	return ring_buffer__consume(s->rb);
}

int sampler__stats(struct sampler *s, uint64_t *out)
{
	int fd = bpf_map__fd(s->skel->maps.stats);
	__u64 *vals;
	__u32 key;
	int cpu;

	vals = calloc(s->ncpus, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (key = 0; key < PH_STAT_MAX; key++) {
		out[key] = 0;
		if (bpf_map_lookup_elem(fd, &key, vals))
			continue;
		for (cpu = 0; cpu < s->ncpus; cpu++)
			out[key] += vals[cpu];
	}
	free(vals);
	return 0;
}

int sampler__prog_time(struct sampler *s, uint64_t *run_ns, uint64_t *runs)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int err;

	err = bpf_obj_get_info_by_fd(bpf_program__fd(sampler_prog(s)), &info, &len);
	if (err)
		return -errno;
	*run_ns = info.run_time_ns;
	*runs = info.run_cnt;
	return 0;
}

/* An iterator link over one thread (tid) or one process (pid), or every
 * task (both 0). On 6.1+ the kernel then visits only those. */
static struct bpf_link *iter_link(struct sampler *s, uint32_t tid, uint32_t pid)
{
	DECLARE_LIBBPF_OPTS(bpf_iter_attach_opts, opts);
	union bpf_iter_link_info linfo = {};

	linfo.task.tid = tid;
	linfo.task.pid = pid;
	opts.link_info = &linfo;
	opts.link_info_len = sizeof(linfo);
	return bpf_program__attach_iter(s->skel->progs.sample_task, tid || pid ? &opts : NULL);
}

static int push_iter(struct iter **v, int *n, uint32_t id, uint32_t pid, bool skip,
		     struct bpf_link *link)
{
	struct iter *nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[*n].id = id;
	nv[*n].pid = pid;
	nv[*n].skip = skip;
	nv[*n].link = link;
	(*n)++;
	return 0;
}

static struct iter *find_proc(struct sampler *s, pid_t pid)
{
	for (int i = 0; i < s->nprocs; i++)
		if (s->procs[i].id == (uint32_t)pid)
			return &s->procs[i];
	return NULL;
}

/* Whether thread tid of pid is gone: its exit may have been reported
 * before its iterator was made. */
static bool thread_gone(pid_t pid, uint32_t tid)
{
	return syscall(SYS_tgkill, pid, (pid_t)tid, 0) && errno == ESRCH;
}

int sampler__iter_add_thread(struct sampler *s, pid_t pid, uint32_t tid)
{
	struct iter *whole = find_proc(s, pid);
	struct bpf_link *link;
	uint64_t idx;

	if (!s->iterator)
		return -EINVAL;
	if (!hashmap__get(s->iter_index, &tid, &idx))
		return 0;
	link = iter_link(s, tid, 0);
	if (!link)
		return -errno;
	if (hashmap__set(s->iter_index, &tid, (uint64_t)s->niters) ||
	    push_iter(&s->iters, &s->niters, tid, (uint32_t)pid, whole && !whole->skip, link)) {
		hashmap__del(s->iter_index, &tid);
		bpf_link__destroy(link);
		return -ENOMEM;
	}
	/* An iterator left to a dead thread is a link, a file descriptor and
	 * a run per tick for the rest of the capture. */
	if (thread_gone(pid, tid)) {
		sampler__iter_remove_thread(s, tid);
		return -ESRCH;
	}
	return 0;
}

void sampler__iter_remove_thread(struct sampler *s, uint32_t tid)
{
	uint64_t idx;
	struct iter *last;

	if (!s->iterator || hashmap__get(s->iter_index, &tid, &idx) || idx >= (uint64_t)s->niters)
		return;
	bpf_link__destroy(s->iters[idx].link);
	hashmap__del(s->iter_index, &tid);
	last = &s->iters[--s->niters];
	if (idx < (uint64_t)s->niters) {
		s->iters[idx] = *last;
		hashmap__set(s->iter_index, &s->iters[idx].id, idx);
	}
}

int sampler__iter_add_sweep(struct sampler *s, pid_t pid)
{
	struct bpf_link *link;

	if (!s->iterator)
		return -EINVAL;
	link = iter_link(s, 0, (uint32_t)pid);
	if (!link)
		return -errno;
	if (push_iter(&s->sweeps, &s->nsweeps, (uint32_t)pid, (uint32_t)pid, false, link)) {
		bpf_link__destroy(link);
		return -ENOMEM;
	}
	return 0;
}

int sampler__iter_whole(struct sampler *s, pid_t pid, bool whole)
{
	struct iter *p = find_proc(s, pid);
	struct bpf_link *link;
	int i;

	if (!s->iterator)
		return -EINVAL;
	if (!p && whole) {
		link = iter_link(s, 0, (uint32_t)pid);
		if (!link)
			return -errno;
		if (push_iter(&s->procs, &s->nprocs, (uint32_t)pid, (uint32_t)pid, true, link)) {
			bpf_link__destroy(link);
			return -ENOMEM;
		}
		p = &s->procs[s->nprocs - 1];
	}
	if (!p)
		return 0;
	p->skip = !whole;
	for (i = 0; i < s->niters; i++)
		if (s->iters[i].pid == (uint32_t)pid)
			s->iters[i].skip = whole;
	return 0;
}

void sampler__iter_remove_proc(struct sampler *s, pid_t pid)
{
	struct iter *p = find_proc(s, pid);

	if (!p)
		return;
	bpf_link__destroy(p->link);
	*p = s->procs[--s->nprocs];
}

/* One pass of an iterator link: the program writes nothing, so one read
 * runs it over every task it visits, and returns 0 at the end. */
static int run_link(struct bpf_link *link)
{
	char buf[64];
	ssize_t n;
	int fd = bpf_iter_create(bpf_link__fd(link));

	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	close(fd);
	return n < 0 && errno != EINTR && errno != EAGAIN ? -errno : 0;
}

int sampler__iter_run(struct sampler *s, uint64_t tick, uint64_t due_ns)
{
	int i, err;

	s->skel->bss->idle_tick = tick;
	s->skel->bss->idle_due_ns = due_ns;
	for (i = 0; i < s->nprocs; i++) {
		err = s->procs[i].skip ? 0 : run_link(s->procs[i].link);
		if (err)
			return err;
	}
	for (i = 0; i < s->niters; i++) {
		err = s->iters[i].skip ? 0 : run_link(s->iters[i].link);
		if (err)
			return err;
	}
	return 0;
}

int sampler__sweep(struct sampler *s)
{
	int i, err = 0;

	s->skel->bss->sweeping = true;
	for (i = 0; i < s->nsweeps && !err; i++)
		err = run_link(s->sweeps[i].link);
	s->skel->bss->sweeping = false;
	return err;
}

int sampler__flush_repeats(struct sampler *s)
{
	int fd = bpf_map__fd(s->skel->maps.idle_threads);
	struct ph_idle_thread v;
	__u32 key, next, *prev = NULL;
	int err = 0;

	if (!s->iterator)
		return 0;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &v) || !v.pending)
			continue;
		if (s->h.repeat && !err)
			err = s->h.repeat(s->h.ctx, v.pid, key, v.pending);
		v.pending = 0;
		bpf_map_update_elem(fd, &key, &v, BPF_EXIST);
	}
	return err;
}
