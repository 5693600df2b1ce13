/* session.c: the session core: targets (a pid -> target table, classified
 * from the kernel's discovery events), the sampler, the symbolizer, thread
 * names and the event loop, under every command. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "hashmap.h"
#include "launch.h"
#include "offsets.h"
#include "procfs.h"
#include "pyproc.h"
#include "sampler.h"
#include "session.h"
#include "threadnames.h"

/* A process this young (since its exec or fork) that shows no Python may
 * still be mapping libpython (the dynamic loader runs after exec) or about
 * to dlopen it: it stays PROBING, and the kernel reports it again with a
 * growing delay while it runs. Older ones are classified for good. */
#define YOUNG_S 2.0
/* How often the launched command is looked at while it is not Python yet,
 * besides the kernel's reports (it may never run long on a CPU). */
#define LAUNCH_PROBE_S 0.1

enum target_state { T_PROBING, T_READY, T_EXITED };

struct frame_key {
	uint64_t code;
	uint32_t check;
	int32_t lasti;
};

struct target {
	pid_t pid;
	uint32_t cookie; /* this incarnation (a new one at exec) */
	int state;	 /* enum target_state */
	bool explicit_;	 /* -p */
	bool launched;	 /* the command */
	bool follow;	 /* -s: its children are targets */
	bool counted;	 /* in processes */
	bool target;	 /* asked for: -p, the command, a followed child */
	double born;	 /* its exec or fork; 0: older than the session */
	uint32_t version_hex;
	uint64_t runtime;
	struct py_offsets off;
	char cmdline[512];
	struct hashmap *frame_ids; /* frame_key -> frame id, this incarnation */
};

struct session {
	struct session_opts o;
	struct session_sink sink;
	struct sampler *smp;
	struct symbols *syms;
	struct threadnames *names;
	struct hashmap *targets; /* pid -> struct target * */
	uint32_t next_cookie;
	uint32_t stack[PH_MAX_FRAMES + 1];
	int64_t truncated_id;
	struct launch launch;
	bool child_done;
	double start, elapsed;
	uint64_t samples, unknown_frames, proc_events, inspections;
	int processes;
	int err; /* first error from an event handler */
	uint64_t counters[PH_STAT_MAX];
};

static volatile sig_atomic_t stop_signal, stop_from_kill;

static void on_signal(int sig, siginfo_t *info, void *uctx)
{
	stop_signal = sig;
	/* A terminal's Ctrl-C reaches the whole foreground group (SI_KERNEL);
	 * kill(1) reaches pyhawk alone (SI_USER), and is passed on. */
	stop_from_kill = info && info->si_code == SI_USER;
}

int session__stop_signal(void)
{
	return stop_signal;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void fail(struct session_error *e, int failure, int err, pid_t pid, const char *detail)
{
	e->failure = failure;
	e->err = err;
	e->pid = pid;
	snprintf(e->detail, sizeof(e->detail), "%s", detail ? detail : "");
}

static void warn(struct session *s, const char *fmt, pid_t pid, const char *what)
{
	char msg[256];

	snprintf(msg, sizeof(msg), fmt, (int)pid, what);
	fprintf(stderr, "pyhawk: warning: %s\n", msg);
}

/* Targets */

static struct target *get_target(struct session *s, pid_t pid)
{
	uint32_t key = (uint32_t)pid;
	uint64_t v;

	return hashmap__get(s->targets, &key, &v) ? NULL : (struct target *)(uintptr_t)v;
}

static struct target *add_target(struct session *s, pid_t pid)
{
	struct target *t = get_target(s, pid);
	uint32_t key = (uint32_t)pid;

	if (t)
		return t;
	t = calloc(1, sizeof(*t));
	if (!t || hashmap__set(s->targets, &key, (uint64_t)(uintptr_t)t)) {
		free(t);
		return NULL;
	}
	t->pid = pid;
	t->state = T_PROBING;
	return t;
}

/* Drops what the current incarnation cached: its code objects, frame ids
 * and thread names. Its samples are all in the sink already (the ring
 * buffer is ordered: they came before the exit or exec event). */
static void forget_incarnation(struct session *s, struct target *t)
{
	if (t->cookie)
		symbols__forget_proc(s->syms, t->pid, t->cookie);
	hashmap__free(t->frame_ids);
	t->frame_ids = NULL;
	threadnames__forget_proc(s->names, t->pid);
	t->cookie = 0;
}

static void drop_target(struct session *s, struct target *t)
{
	uint32_t key = (uint32_t)t->pid;

	forget_incarnation(s, t);
	hashmap__del(s->targets, &key);
	free(t);
}

/* Only the command and the -p targets are kept after they end: the rest
 * (--all, children) go, so memory follows the live processes. */
static void target_ended(struct session *s, struct target *t)
{
	if (t->explicit_ || t->launched) {
		forget_incarnation(s, t);
		t->state = T_EXITED;
	} else {
		drop_target(s, t);
	}
}

static int flags_of(const struct target *t)
{
	return (t->follow ? PH_PF_FOLLOW : 0) | (t->target ? PH_PF_TARGET : 0);
}

/* Makes t walkable with a layout: a new cookie, the symbolizer and the
 * kernel told, the sink given its command line. */
static int make_ready(struct session *s, struct target *t, uint32_t version_hex, uint64_t runtime,
		      const struct py_offsets *off)
{
	int err;

	forget_incarnation(s, t);
	t->cookie = ++s->next_cookie;
	t->version_hex = version_hex;
	t->runtime = runtime;
	t->off = *off;
	t->frame_ids = hashmap__new(sizeof(struct frame_key));
	if (!t->frame_ids)
		return -ENOMEM;
	procfs__cmdline(t->pid, t->cmdline, sizeof(t->cmdline));
	err = symbols__set_proc(s->syms, t->pid, t->cookie, version_hex, off);
	if (!err)
		err = threadnames__set_proc(s->names, t->pid, version_hex, runtime);
	if (!err)
		err = sampler__set_proc(s->smp, t->pid, t->cookie, runtime, off, PH_PROC_READY,
					flags_of(t));
	if (err)
		return err;
	t->state = T_READY;
	if (!t->counted)
		s->processes++;
	t->counted = true;
	if (s->sink.process)
		s->sink.process(s->sink.ctx, t->pid, t->cmdline);
	return 0;
}

/* Inspects a process: 0 and its layout, or -errno (detail says which
 * Python for -ENOTSUP). */
static int inspect(struct session *s, pid_t pid, struct pyproc *pp, struct py_offsets *off,
		   char *detail, size_t len)
{
	char ver[32], what[64] = "";
	int err;

	s->inspections++;
	err = pyproc__inspect(pid, pp);
	if (err)
		return err;
	err = offsets__for_version(pp->version_hex, pp->free_threaded, off);
	if (err) {
		snprintf(detail, len, "Python %s%s",
			 offsets__version_str(pp->version_hex, ver, sizeof(ver)),
			 pp->free_threaded ? " (free-threaded build)" : "");
		return err;
	}
	if (pp->debug_offsets_len &&
	    offsets__check_debug(off, pp->debug_offsets, pp->debug_offsets_len, what,
				 sizeof(what))) {
		snprintf(detail, len,
			 "Python %s: its _Py_DebugOffsets disagree with pyhawk's table (%s)",
			 offsets__version_str(pp->version_hex, ver, sizeof(ver)), what);
		return -ENOTSUP;
	}
	return 0;
}

/* Decides what a PROBING target is: Python (walkable), not yet (stays
 * PROBING), not Python (the kernel ignores it from now on), or gone. */
static int classify(struct session *s, struct target *t)
{
	char detail[192] = "";
	struct py_offsets off;
	struct pyproc pp;
	int err;

	err = inspect(s, t->pid, &pp, &off, detail, sizeof(detail));
	if (!err) {
		err = make_ready(s, t, pp.version_hex, pp.runtime, &off);
		if (err == -ENOENT || err == -ESRCH) {
			target_ended(s, t);
			return 0;
		}
		if (!err && s->o.verbose)
			fprintf(
			    stderr, "pyhawk: process %d: Python %x, _PyRuntime at 0x%llx in %s\n",
			    (int)t->pid, pp.version_hex, (unsigned long long)pp.runtime, pp.elf);
		return err;
	}
	if (err == -ESRCH) {
		target_ended(s, t);
		return 0;
	}
	if (err == -ENOEXEC && (t->launched || (t->born && now_s() - t->born < YOUNG_S)))
		return 0; /* not Python yet */
	if (err == -ENOTSUP)
		warn(s, "process %d runs %s: not profiled", t->pid, detail);
	else if (s->o.verbose)
		fprintf(stderr, "pyhawk: process %d: not Python (%s): ignored\n", (int)t->pid,
			err == -ENOEXEC ? "no ELF defines _PyRuntime" : strerror(-err));
	/* Not Python: the kernel stops reporting it and its samples cost one
	 * lookup. The command (held: it may exec Python later) keeps its
	 * entry. */
	sampler__set_proc(s->smp, t->pid, 0, 0, NULL, PH_PROC_IGNORED, flags_of(t));
	if (t->launched || t->explicit_)
		t->state = T_PROBING;
	else
		drop_target(s, t);
	return 0;
}

/* Events from the kernel */

static int frame_id(struct session *s, struct target *t, const struct ph_sample *smp,
		    const struct ph_frame *f)
{
	struct frame_key key = {.code = f->code, .check = f->check, .lasti = f->lasti};
	struct sym_frame sf;
	uint64_t v;
	int64_t id;

	if (!hashmap__get(t->frame_ids, &key, &v))
		return (int)v;
	if (symbols__resolve(s->syms, smp->pid, smp->cookie, f, &sf)) {
		/* Shown as <unknown>, and not cached: a later description of
		 * the code object may still arrive. */
		s->unknown_frames++;
		return (int)profile__frame_id(s->o.frames, sf.name, sf.file, 0, PF_PYTHON);
	}
	id = profile__frame_id(s->o.frames, sf.name, sf.file, sf.line, PF_PYTHON);
	if (id < 0)
		return (int)id;
	if (hashmap__set(t->frame_ids, &key, (uint64_t)id))
		return -ENOMEM;
	return (int)id;
}

static int on_sample(void *ctx, const struct ph_sample *smp, size_t size)
{
	struct session *s = ctx;
	struct target *t = get_target(s, (pid_t)smp->pid);
	struct session_sample out = {.pid = smp->pid, .tid = smp->tid, .flags = smp->flags};
	uint32_t n = smp->nframes, i, depth = 0;
	int id;

	if (n > PH_MAX_FRAMES || PH_SAMPLE_HDR_SIZE + n * sizeof(struct ph_frame) > size)
		return 0;
	/* Of an incarnation already gone (a sample raced an exec): its
	 * layout and code objects are forgotten. */
	if (!t || t->state != T_READY || t->cookie != smp->cookie)
		return 0;
	if (smp->flags & PH_SF_TRUNCATED) {
		if (s->truncated_id < 0)
			s->truncated_id =
			    profile__frame_id(s->o.frames, "[truncated]", NULL, 0, PF_TRUNCATED);
		if (s->truncated_id >= 0)
			s->stack[depth++] = (uint32_t)s->truncated_id;
	}
	/* The kernel sends the innermost frame first; sinks get root first. */
	for (i = 0; i < n; i++) {
		id = frame_id(s, t, smp, &smp->frames[n - 1 - i]);
		if (id < 0) {
			s->err = id;
			return id;
		}
		s->stack[depth++] = (uint32_t)id;
	}
	out.frames = s->stack;
	out.nframes = depth;
	if (s->sink.sample) {
		int err = s->sink.sample(s->sink.ctx, &out);

		if (err) {
			s->err = err;
			return err;
		}
	}
	threadnames__sampled(s->names, (pid_t)smp->pid, smp->tid, smp->comm);
	s->samples++;
	return 0;
}

static int on_code(void *ctx, const struct ph_code *c, size_t size)
{
	struct session *s = ctx;

	symbols__add_code(s->syms, c, size);
	return 0;
}

static int on_exit_event(void *ctx, const struct ph_exit *e)
{
	struct session *s = ctx;
	struct target *t = get_target(s, (pid_t)e->pid);

	if (t && t->state != T_EXITED)
		target_ended(s, t);
	return 0;
}

/* Whether two processes run the same executable (a fork child that has not
 * run exec yet). */
static bool same_exe(pid_t a, pid_t b)
{
	char pa[64], pb[64], ea[4096], eb[4096];
	ssize_t na, nb;

	snprintf(pa, sizeof(pa), "/proc/%d/exe", (int)a);
	snprintf(pb, sizeof(pb), "/proc/%d/exe", (int)b);
	na = readlink(pa, ea, sizeof(ea));
	nb = readlink(pb, eb, sizeof(eb));
	return na > 0 && na == nb && !memcmp(ea, eb, na);
}

static int on_proc_event(void *ctx, const struct ph_proc_event *e)
{
	struct session *s = ctx;
	pid_t pid = (pid_t)e->pid;
	struct target *t = get_target(s, pid), *parent;
	uint32_t kstate, kflags;

	s->proc_events++;
	if (t && t->state == T_EXITED)
		return 0; /* a -p target that ended: its PID is someone else's now */
	/* Gone already, or classified since the kernel sent this. */
	if (sampler__get_proc(s->smp, pid, &kstate, &kflags) ||
	    (e->kind == PH_PROC_EV_SEEN && kstate != PH_PROC_PROBING))
		return 0;
	if (!t) {
		t = add_target(s, pid);
		if (!t) {
			s->err = -ENOMEM;
			return -ENOMEM;
		}
		t->follow = kflags & PH_PF_FOLLOW;
		t->target = kflags & PH_PF_TARGET;
	}
	if (e->kind == PH_PROC_EV_EXEC || e->kind == PH_PROC_EV_FORK) {
		/* A new program, or a new process: nothing of before holds,
		 * also not a layout given since the kernel sent this (the
		 * kernel made it PROBING at once; a classification of ours may
		 * have come in between). */
		forget_incarnation(s, t);
		t->state = T_PROBING;
		t->born = now_s();
		sampler__set_proc(s->smp, pid, 0, 0, NULL, PH_PROC_PROBING, flags_of(t));
	}
	if (e->kind == PH_PROC_EV_FORK) {
		parent = get_target(s, (pid_t)e->ppid);
		/* A fork of a Python process is the same Python: its layout,
		 * without reading a file, unless the child ran exec already
		 * (its EXEC event follows). */
		if (parent && parent->state == T_READY && same_exe(pid, parent->pid)) {
			int err =
			    make_ready(s, t, parent->version_hex, parent->runtime, &parent->off);

			if (err == -ENOENT || err == -ESRCH)
				target_ended(s, t);
			else if (err)
				s->err = err;
			return 0;
		}
	}
	if (t->state == T_PROBING) {
		int err = classify(s, t);

		if (err && err != -ENOTSUP && err != -EACCES && err != -EPERM)
			s->err = err;
	}
	return 0;
}

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

struct scan_ctx {
	struct session *s;
	const pid_t *roots;
	int nroots;
	int err;
};

/* --all: every process now running gets a PROBING entry; it is inspected
 * only if the kernel sees it run (an idle Python costs nothing). Kernel
 * threads (no exe) and pyhawk are left out. */
static int scan_all(pid_t pid, void *ctx)
{
	struct scan_ctx *sc = ctx;
	char path[64], exe[8];

	if (pid == getpid())
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	if (readlink(path, exe, sizeof(exe)) < 0 && errno == ENOENT)
		return 0;
	if (sampler__set_proc(sc->s->smp, pid, 0, 0, NULL, PH_PROC_PROBING, 0) == -E2BIG)
		sc->err = -E2BIG;
	return 0;
}

/* -s with -p: descendants already running are followed too. */
static int scan_descendants(pid_t pid, void *ctx)
{
	struct scan_ctx *sc = ctx;
	pid_t p = pid;
	int depth;

	for (depth = 0; depth < 64 && p > 1; depth++) {
		p = procfs__ppid(p);
		for (int i = 0; i < sc->nroots; i++) {
			if (p == sc->roots[i]) {
				struct target *t = add_target(sc->s, pid);

				if (!t)
					return -ENOMEM;
				t->follow = true;
				t->target = true;
				return sampler__set_proc(sc->s->smp, pid, 0, 0, NULL,
							 PH_PROC_PROBING, flags_of(t))
					   ? -EIO
					   : 0;
			}
		}
	}
	return 0;
}

/* Validates the -p targets before anything is loaded: a wrong PID fails
 * fast. Bad ones are named; the rest are kept in pids[]/pps[]. */
static int check_pids(struct session *s, pid_t *pids, struct pyproc *pps, struct py_offsets *offs,
		      int *n, struct session_error *e)
{
	char detail[192];
	int i, kept = 0, err = 0;

	for (i = 0; i < s->o.npids; i++) {
		pid_t pid = s->o.pids[i], tgid = procfs__tgid(pid);

		/* A TID given as -p is taken as its process, as py-spy does. */
		if (tgid > 0)
			pid = tgid;
		detail[0] = '\0';
		err = inspect(s, pid, &pps[kept], &offs[kept], detail, sizeof(detail));
		if (!err) {
			pids[kept++] = pid;
			continue;
		}
		if (s->o.npids == 1) {
			fail(e, SF_TARGET, err, pid, detail);
			return err;
		}
		warn(s, "PID %d is not profiled: %s", pid,
		     err == -ENOEXEC   ? "not a Python process"
		     : err == -ESRCH   ? "no such process"
		     : err == -ENOTSUP ? (detail[0] ? detail : "unknown Python version")
				       : strerror(-err));
	}
	*n = kept;
	if (!kept) {
		fail(e, SF_NO_TARGET, err, 0, NULL);
		return err ? err : -ENOEXEC;
	}
	return 0;
}

int session__new(const struct session_opts *opts, const struct session_sink *sink,
		 struct session **out, struct session_error *e)
{
	struct sampler_handlers h = {
	    .sample = on_sample, .code = on_code, .exit = on_exit_event, .proc = on_proc_event};
	struct sampler_opts so = {.rate = opts->rate,
				  .bpf_stats = opts->bpf_stats,
				  .verbose = opts->verbose,
				  .all_procs = opts->all};
	struct py_offsets *offs = NULL;
	struct pyproc *pps = NULL;
	pid_t *pids = NULL;
	struct session *s;
	const char *stage = NULL;
	int err = -ENOMEM, i, n = 0;

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
	s->launch.go_fd = s->launch.status_fd = -1;
	h.ctx = s;
	s->syms = symbols__new(&opts->syms);
	s->names = threadnames__new(sink ? sink->thread_name : NULL, sink ? sink->ctx : NULL);
	s->targets = hashmap__new(sizeof(uint32_t));
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
		err = check_pids(s, pids, pps, offs, &n, e);
		if (err)
			goto fail;
	}

	s->smp = sampler__new(&so, &h, &err, &stage);
	if (!s->smp) {
		fail(e, SF_BPF, err, 0, stage);
		goto fail;
	}
	/* pyhawk never samples itself. */
	sampler__set_proc(s->smp, getpid(), 0, 0, NULL, PH_PROC_IGNORED, 0);

	for (i = 0; i < n; i++) {
		struct target *t = add_target(s, pids[i]);

		err = -ENOMEM;
		if (!t)
			goto internal;
		t->explicit_ = true;
		t->target = true;
		t->follow = opts->subprocesses;
		err = make_ready(s, t, pps[i].version_hex, pps[i].runtime, &offs[i]);
		if (err) {
			fail(e, SF_TARGET, err, pids[i], NULL);
			goto fail;
		}
	}
	if (n && opts->subprocesses) {
		struct scan_ctx sc = {.s = s, .roots = pids, .nroots = n};

		err = procfs__foreach_pid(scan_descendants, &sc);
		if (err)
			goto internal;
	}
	if (opts->all) {
		struct scan_ctx sc = {.s = s};

		err = procfs__foreach_pid(scan_all, &sc);
		if (!err)
			err = sc.err;
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
		t = add_target(s, s->launch.pid);
		err = -ENOMEM;
		if (!t)
			goto internal;
		t->launched = true;
		t->target = true;
		t->follow = opts->subprocesses;
		t->born = now_s();
		/* Known to the kernel before its first instruction: every
		 * sample of it counts, walkable or not. */
		err = sampler__set_proc(s->smp, t->pid, 0, 0, NULL, PH_PROC_PROBING, flags_of(t));
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

/* The loop */

struct alive_ctx {
	int alive;
};

static int count_alive(const void *key, uint64_t v, void *ctx)
{
	struct target *t = (struct target *)(uintptr_t)v;
	struct alive_ctx *ac = ctx;

	if (t->state != T_EXITED && !(kill(t->pid, 0) && errno == ESRCH))
		ac->alive++;
	return 0;
}

int session__run(struct session *s, struct session_error *e)
{
	struct sigaction sa = {.sa_sigaction = on_signal, .sa_flags = SA_SIGINFO};
	struct target *cmd = s->o.argv ? get_target(s, s->launch.pid) : NULL;
	double deadline, next_probe = 0;
	int err = 0, wstatus;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	s->start = now_s();
	deadline = s->o.duration > 0 ? s->start + s->o.duration : 0;
	while (!stop_signal) {
		bool probing = cmd && cmd->state == T_PROBING && !s->child_done;
		double now;

		/* Until the command is Python, look often: a short-lived
		 * program must not finish first. */
		err = sampler__poll(s->smp, probing ? 1 : 50);
		if (err < 0 && err != -EINTR) {
			fail(e, SF_INTERNAL, err, 0, "reading samples");
			break;
		}
		err = 0;
		if (s->err)
			break;
		now = now_s();
		if (cmd && !s->child_done && waitpid(cmd->pid, &wstatus, WNOHANG) == cmd->pid)
			s->child_done = true;
		if (probing && !s->child_done && now >= next_probe) {
			err = classify(s, cmd);
			if (err) {
				s->err = err;
				break;
			}
			next_probe = now + (now - s->start > 0.2 ? LAUNCH_PROBE_S : 0.001);
		}
		if (cmd && s->child_done)
			break;
		if (!cmd && !s->o.all) {
			struct alive_ctx ac = {0};

			hashmap__foreach(s->targets, count_alive, &ac);
			if (!ac.alive)
				break;
		}
		if (deadline && now >= deadline)
			break;
	}
	/* The command was started for the capture: a signal that stops pyhawk
	 * stops it too, unless the terminal already sent it to both. */
	if (stop_signal && cmd && !s->child_done && (stop_signal == SIGTERM || stop_from_kill))
		kill(cmd->pid, stop_signal);
	sampler__drain(s->smp);
	threadnames__at_end(s->names);
	sampler__stats(s->smp, s->counters);
	s->elapsed = now_s() - s->start;
	if (s->err && !err) {
		fail(e, SF_INTERNAL, s->err, 0, "aggregating samples");
		return s->err;
	}
	if (err)
		return err;
	if (cmd && !s->samples && cmd->state != T_READY && !s->processes) {
		fail(e, SF_NOT_PYTHON, -ENOEXEC, 0, s->o.argv[0]);
		return -ENOEXEC;
	}
	return 0;
}

void session__stats(struct session *s, struct session_stats *st, uint64_t *counters)
{
	memset(st, 0, sizeof(*st));
	st->samples = s->samples;
	st->unknown_frames = s->unknown_frames;
	st->threads = threadnames__count(s->names);
	st->processes = s->processes;
	st->elapsed_s = s->elapsed;
	st->proc_events = s->proc_events;
	st->inspections = s->inspections;
	if (s->smp && sampler__prog_time(s->smp, &st->prog_run_ns, &st->prog_runs))
		st->prog_runs = 0;
	memcpy(counters, s->counters, sizeof(s->counters));
}

const char *session__cmdline(struct session *s, pid_t pid)
{
	struct target *t = get_target(s, pid);

	return t ? t->cmdline : "";
}

static int free_target(const void *key, uint64_t v, void *ctx)
{
	struct target *t = (struct target *)(uintptr_t)v;

	hashmap__free(t->frame_ids);
	free(t);
	return 0;
}

void session__free(struct session *s)
{
	if (!s)
		return;
	launch__abort(&s->launch);
	sampler__free(s->smp);
	if (s->targets)
		hashmap__foreach(s->targets, free_target, NULL);
	hashmap__free(s->targets);
	threadnames__free(s->names);
	symbols__free(s->syms);
	free(s);
}
