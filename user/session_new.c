/* session_new.c: setting a session up (the checks that need no target,
 * the targets validated, the BPF programs loaded and attached, the command
 * started) and tearing it down; session.c runs it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fdlimit.h"
#include "session_internal.h"

/* Setting up */

int session__check(struct session_error *e)
{
	const char *missing;
	unsigned long long eff = 0;
	char line[256];
	FILE *f;

	/* Root, or CAP_SYS_ADMIN, or CAP_BPF + CAP_PERFMON. */
	if (geteuid() != 0) {
		f = fopen("/proc/self/status", "r");
		while (f && fgets(line, sizeof(line), f))
			if (sscanf(line, "CapEff: %llx", &eff) == 1)
				break;
		if (f)
			fclose(f);
		if (!(eff & (1ull << 21)) && !((eff & (1ull << 39)) && (eff & (1ull << 38)))) {
			fail(e, SF_PERMISSION, -EPERM, 0, NULL);
			return -EPERM;
		}
	}
	if (sampler__kernel_check(&missing)) {
		fail(e, SF_KERNEL, -EOPNOTSUPP, 0, missing);
		return -EOPNOTSUPP;
	}
	return 0;
}

static int on_import(void *ctx, const struct ph_import_event *e)
{
	struct session *s = ctx;
	int err = s->probes ? probes__on_import(s->probes, e) : 0;

	if (err)
		s->err = err;
	return err;
}

static int on_call_site(void *ctx, const struct ph_call_site *c)
{
	struct session *s = ctx;
	int err = s->probes ? probes__on_call_site(s->probes, c) : 0;

	if (err)
		s->err = err;
	return err;
}

int session__new(const struct session_opts *opts, const struct session_sink *sink,
		 struct session **out, struct session_error *e)
{
	struct sampler_handlers h = {.import = on_import, .call_site = on_call_site};
	struct sampler_opts so = {.rate = opts->rate,
				  .bpf_stats = opts->bpf_stats,
				  .verbose = opts->verbose,
				  .all_procs = opts->all,
				  /* --all samples the host; anything else only its targets */
				  .per_task = !opts->all && !getenv("PYHAWK_PER_CPU"),
				  .iterator = opts->idle || opts->once,
				  .walk_all = opts->once,
				  .frame_addrs = opts->frame_addrs,
				  .probes = opts->probes && !opts->once,
				  .calls = opts->calls && opts->probes && !opts->once};
	struct py_offsets *offs = NULL;
	struct pyproc *pps = NULL;
	pid_t *pids = NULL;
	struct session *s;
	const char *stage = NULL;
	unsigned long need, limit;
	int err = -ENOMEM, i, n = 0;
	char fds[48];

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		fail(e, SF_INTERNAL, -ENOMEM, 0, "out of memory");
		return -ENOMEM;
	}
	s->o = *opts;
	if (sink)
		s->sink = *sink;
	s->truncated_id = -1;
	s->partial_id = -1;
	s->gc_id = -1;
	s->launch.go_fd = s->launch.status_fd = -1;
	session_handlers(s, &h);
	s->syms = symbols__new(&opts->syms);
	s->names = threadnames__new(sink ? sink->thread_name : NULL, sink ? sink->ctx : NULL);
	s->targets = hashmap__new(sizeof(uint32_t));
	if (so.iterator && (!(s->last = laststack__new()) || ithreads__init(s))) {
		fail(e, SF_INTERNAL, -ENOMEM, 0, "out of memory");
		goto fail;
	}
	if (opts->npids) {
		pids = calloc(opts->npids, sizeof(*pids));
		pps = calloc(opts->npids, sizeof(*pps));
		offs = calloc(opts->npids, sizeof(*offs));
	}
	if (!s->syms || !s->names || !s->targets || (opts->npids && (!pids || !pps || !offs))) {
		fail(e, SF_INTERNAL, -ENOMEM, 0, "out of memory");
		goto fail;
	}
	if (opts->npids) {
		err = targets__check_pids(s, pids, pps, offs, &n, e);
		if (err)
			goto fail;
	}

	/* A low `ulimit -n` would fail the load half-way, in libbpf's words. */
	need = fdlimit__need((int)sysconf(_SC_NPROCESSORS_CONF));
	if (fdlimit__raise(need, &limit)) {
		snprintf(fds, sizeof(fds), "%lu %lu", need, limit);
		fail(e, SF_FDS, -EMFILE, 0, fds);
		goto fail;
	}
	s->smp = sampler__new(&so, &h, &err, &stage);
	if (!s->smp) {
		if (err == -EMFILE || err == -ENFILE) {
			snprintf(fds, sizeof(fds), "%lu %lu", need, limit);
			fail(e, SF_FDS, err, 0, fds);
		} else {
			fail(e, SF_BPF, err, 0, stage);
		}
		goto fail;
	}
	/* Per process, not per ELF under --all: a uprobe attached with no PID
	 * to sid's python3.15 left the procs entry of a child forked later
	 * by another Python (Debian's 3.11) unreadable from user space
	 * (ENOENT while bpftool read it): that child was never classified.
	 * Until that is understood, --all attaches no probes to the processes
	 * it finds (only to -p, the command and the children -s follows). */
	if (so.probes && (!(s->probes = probes__new(s->smp, so.calls, false, opts->verbose)) ||
			  !(s->import_ids = hashmap__new(sizeof(uint64_t))))) {
		fail(e, SF_INTERNAL, -ENOMEM, 0, "out of memory");
		goto fail;
	}
	/* pyhawk never samples itself. */
	sampler__set_proc(s->smp, getpid(), 0, 0, NULL, PH_PROC_IGNORED, 0);

	for (i = 0; i < n; i++) {
		struct target *t = target__add(s, pids[i]);

		err = -ENOMEM;
		if (!t)
			goto internal;
		t->explicit_ = true;
		t->target = true;
		t->follow = opts->subprocesses;
		err = target__make_ready(s, t, pps[i].version_hex, pps[i].runtime, &offs[i],
					 pps[i].elf);
		if (err) {
			fail(e, SF_TARGET, err, pids[i], NULL);
			goto fail;
		}
		err = sampler__watch(s->smp, pids[i], true);
		if (err && err != -ESRCH) {
			fail(e, SF_BPF, err, 0, "perf_event");
			goto fail;
		}
	}
	if (n && opts->subprocesses) {
		err = targets__scan_descendants(s, pids, n);
		if (err)
			goto internal;
	}
	if (opts->all) {
		err = targets__scan_all(s);
		if (err)
			goto internal;
	}
	if (opts->argv) {
		struct target *t;
		int child_err;

		err = launch__start(opts->argv, opts->capture, &s->launch);
		if (err) {
			fail(e, SF_LAUNCH, err, 0, opts->argv[0]);
			goto fail;
		}
		t = target__add(s, s->launch.pid);
		err = -ENOMEM;
		if (!t)
			goto internal;
		t->launched = true;
		t->target = true;
		t->follow = opts->subprocesses;
		t->born = s->child_start = now_s();
		/* Before its first instruction: the command's threads and
		 * children inherit this event. */
		err = sampler__watch(s->smp, t->pid, false);
		if (err) {
			fail(e, SF_BPF, err, 0, "perf_event");
			goto fail;
		}
		/* Known to the kernel before its first instruction: every
		 * sample of it counts, walkable or not. */
		err = sampler__set_proc(s->smp, t->pid, 0, 0, NULL, PH_PROC_PROBING,
					target__flags(t));
		if (err)
			goto internal;
		child_err = launch__release(&s->launch);
		if (child_err) {
			fail(e, SF_LAUNCH, -child_err, s->launch.pid, opts->argv[0]);
			s->launch.pid = 0;
			err = -child_err;
			goto fail;
		}
	}
	/* Processes found on the way (--all, -s) are classified when a sweep
	 * over every task meets them; the threads of walkable ones have
	 * iterators of their own (ithreads.c). */
	if (so.iterator && (opts->all || opts->subprocesses)) {
		err = sampler__iter_add_sweep(s->smp, 0);
		if (err) {
			fail(e, SF_BPF, err, 0, "task iterator");
			goto fail;
		}
	}
	if (opts->verbose && !opts->once) {
		int events, why;

		if (sampler__clock(s->smp, &events, &why))
			fprintf(
			    stderr,
			    "pyhawk: sampling the targets' own threads: %d perf events, inherited "
			    "by the threads and processes they start\n",
			    events);
		else if (why)
			fprintf(stderr,
				"pyhawk: per-task perf events refused (%s): sampling every CPU\n",
				strerror(-why));
		else
			fprintf(stderr, "pyhawk: sampling every CPU: %d perf events\n", events);
	}
	free(pids);
	free(pps);
	free(offs);
	*out = s;
	return 0;
internal:
	fail(e, SF_INTERNAL, err, 0, "setting up the targets");
fail:
	free(pids);
	free(pps);
	free(offs);
	session__free(s);
	return err ? err : -EINVAL;
}

void session__free(struct session *s)
{
	if (!s)
		return;
	launch__abort(&s->launch);
	/* Before the sampler: the probes' links are its programs'. */
	probes__free(s->probes);
	s->probes = NULL;
	hashmap__free(s->import_ids);
	sampler__free(s->smp);
	targets__free_all(s);
	hashmap__free(s->targets);
	threadnames__free(s->names);
	symbols__free(s->syms);
	laststack__free(s->last);
	ithreads__free(s);
	free(s);
}
