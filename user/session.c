/* session.c: the session core: targets (a pid -> target table, classified
 * from the kernel's discovery events), the sampler, the symbolizer, thread
 * names and the event loop, under every command. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>
#include "session_internal.h"
#include "ticker.h"

static volatile sig_atomic_t stop_signal, stop_from_kill;
static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

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
	/* The function's identity and source, for pstats and lines. */
	if (profile__set_frame_source(s->o.frames, (uint32_t)id, sf.path, sf.first_line))
		return -ENOMEM;
	if (hashmap__set(t->frame_ids, &key, (uint64_t)id))
		return -ENOMEM;
	return (int)id;
}

static int deliver(struct session *s, const struct session_sample *out)
{
	int err = s->sink.sample ? s->sink.sample(s->sink.ctx, out) : 0;

	if (s->probes)
		probes__sample(s->probes, out->pid, out->flags & PH_SF_GC, out->weight);
	if (err)
		s->err = err;
	else
		s->samples += out->weight;
	return err;
}

/* A sample held for its frames' addresses, given without them (they were
 * lost, or a capture ended). */
static int release_held(struct session *s)
{
	if (!s->holding)
		return 0;
	s->holding = false;
	return deliver(s, &s->held);
}

/* Samples counted against a thread's last stack (the kernel did not walk
 * it again: it had not run). Returns 1 when they were, 0 when the thread
 * has no last sample (never walked: a native thread), or -errno. */
int session_repeat(struct session *s, uint32_t pid, uint32_t tid, uint32_t count)
{
	const struct session_sample *last = s->last ? laststack__get(s->last, pid, tid) : NULL;
	struct session_sample r;
	int err;

	if (!last || !count)
		return 0;
	r = *last;
	r.weight = count;
	err = deliver(s, &r);
	return err ? err : 1;
}

/* Whether frame id is the top-level code of module (a.b.c: c.py, or
 * c/__init__.py). */
static bool is_module_code(struct session *s, uint32_t id, const char *module)
{
	const struct profile_frame *f = profile__frame(s->o.frames, id);
	const char *last = strrchr(module, '.'), *file, *base;
	size_t n;

	last = last ? last + 1 : module;
	if (!f || f->kind != PF_PYTHON || strcmp(f->name, "<module>") || !f->file)
		return false;
	file = f->file;
	base = strrchr(file, '/');
	base = base ? base + 1 : file;
	n = strlen(last);
	if (!strncmp(base, last, n) && !strcmp(base + n, ".py"))
		return true;
	if (strcmp(base, "__init__.py") || base - file < (ptrdiff_t)n + 1)
		return false;
	return !strncmp(base - n - 1, last, n) && (base - n - 1 == file || base[-n - 2] == '/');
}

static int64_t import_frame_id(struct session *s, const char *module)
{
	uint64_t key = hashmap__hash(module, strlen(module)), v;
	char label[PH_MODNAME_MAX + 16];
	int64_t id;

	if (!hashmap__get(s->import_ids, &key, &v))
		return (int64_t)v;
	snprintf(label, sizeof(label), "<import %s>", module);
	id = profile__frame_id(s->o.frames, label, NULL, 0, PF_OTHER);
	if (id >= 0 && hashmap__set(s->import_ids, &key, (uint64_t)id))
		return -ENOMEM;
	return id;
}

/* The imports thread tid is in, as <import X> frames: each above its
 * module's top-level code, or at the leaf when the sample is in the
 * import machinery (finding, reading, a C extension's init). */
static int import_frames(struct session *s, uint32_t tid, uint32_t *depth)
{
	const char *names[PROBES_IMPORT_DEPTH];
	int n = probes__imports(s->probes, tid, names, PROBES_IMPORT_DEPTH), loading = 0;
	uint32_t from = 0, at;

	/* Each import in progress runs importlib's _find_and_load: no more
	 * imports than such frames are shown (a done event lost to a full
	 * ring buffer must not leave a thread inside an import for good). */
	for (at = 0; n && at < *depth; at++) {
		const struct profile_frame *f = profile__frame(s->o.frames, s->stack[at]);

		loading += f && f->kind == PF_PYTHON && !strcmp(f->name, "_find_and_load");
	}
	n = n < loading ? n : loading;

	for (int i = 0; i < n; i++) {
		int64_t id = import_frame_id(s, names[i]);

		if (id < 0)
			return (int)id;
		for (at = from; at < *depth && !is_module_code(s, s->stack[at], names[i]); at++)
			;
		memmove(&s->stack[at + 1], &s->stack[at], (*depth - at) * sizeof(s->stack[0]));
		memmove(&s->codes[at + 1], &s->codes[at], (*depth - at) * sizeof(s->codes[0]));
		s->stack[at] = (uint32_t)id;
		s->codes[at] = 0;
		(*depth)++;
		from = at + 1;
	}
	return 0;
}

static int on_sample(void *ctx, const struct ph_sample *smp, size_t size)
{
	struct session *s = ctx;
	struct target *t = target__get(s, (pid_t)smp->pid);
	struct session_sample out = {.pid = smp->pid,
				     .tid = smp->tid,
				     .flags = smp->flags,
				     .state = smp->state,
				     .weight = 1};
	uint32_t n = smp->nframes, i, depth = 0;
	int id, err;

	if (n > PH_MAX_FRAMES || PH_SAMPLE_HDR_SIZE + n * sizeof(struct ph_frame) > size)
		return 0;
	err = release_held(s);
	if (err)
		return err;
	/* Of an incarnation already gone (a sample raced an exec): its
	 * layout and code objects are forgotten. */
	if (!t || t->state != T_READY || t->cookie != smp->cookie)
		return 0;
	if (smp->prior && s->last) {
		err = session_repeat(s, smp->pid, smp->tid, smp->prior);
		if (err < 0)
			return err;
		err = 0;
	}
	/* A stack deeper than the kernel keeps, or one whose walk stopped at
	 * a frame it could not read: its outer frames are missing, and the
	 * root says so (not a caller it does not have). */
	if (smp->flags & (PH_SF_TRUNCATED | PH_SF_PARTIAL)) {
		bool partial = smp->flags & PH_SF_PARTIAL;
		int64_t *id = partial ? &s->partial_id : &s->truncated_id;

		if (*id < 0)
			*id = profile__frame_id(s->o.frames, partial ? "[partial]" : "[truncated]",
						NULL, 0, PF_TRUNCATED);
		if (*id >= 0) {
			s->codes[depth] = 0;
			s->stack[depth++] = (uint32_t)*id;
		}
	}
	/* The kernel sends the innermost frame first; sinks get root first. */
	for (i = 0; i < n; i++) {
		id = frame_id(s, t, smp, &smp->frames[n - 1 - i]);
		if (id < 0) {
			s->err = id;
			return id;
		}
		s->codes[depth] = smp->frames[n - 1 - i].code;
		s->stack[depth++] = (uint32_t)id;
	}
	if (s->probes) {
		err = import_frames(s, smp->tid, &depth);
		if (err) {
			s->err = err;
			return err;
		}
	}
	if ((smp->flags & PH_SF_GC) && s->o.gc && !s->o.frame_addrs) {
		/* The collection the innermost frame set off. */
		if (s->gc_id < 0)
			s->gc_id = profile__frame_id(s->o.frames, "<GC>", NULL, 0, PF_OTHER);
		if (s->gc_id < 0) {
			s->err = (int)s->gc_id;
			return s->err;
		}
		s->codes[depth] = 0;
		s->stack[depth++] = (uint32_t)s->gc_id;
	}
	out.frames = s->stack;
	out.nframes = depth;
	/* The iterator's next samples of this thread may be repeats of it. */
	if (s->last && !(smp->flags & PH_SF_ONCPU) && laststack__set(s->last, &out)) {
		s->err = -ENOMEM;
		return -ENOMEM;
	}
	if (s->o.frame_addrs) {
		/* Its frames' addresses come next: held until then. */
		out.codes = s->codes;
		s->held = out;
		s->holding = true;
	} else {
		err = deliver(s, &out);
	}
	/* After the sample: a sink learns of a thread from its samples. */
	if (!err)
		threadnames__sampled(s->names, (pid_t)smp->pid, smp->tid, smp->comm);
	return err;
}

static int on_frame_addrs(void *ctx, const struct ph_frame_addrs *a, size_t size)
{
	struct session *s = ctx;
	uint32_t n = a->nframes, i, skip;

	if (!s->holding || a->pid != s->held.pid || a->tid != s->held.tid || n > PH_MAX_FRAMES ||
	    PH_FRAME_ADDRS_HDR_SIZE + n * sizeof(uint64_t) > size || n > s->held.nframes)
		return release_held(s);
	/* Root first, after any synthetic root. */
	skip = s->held.nframes - n;
	for (i = 0; i < skip; i++)
		s->addrs[i] = 0;
	for (i = 0; i < n; i++)
		s->addrs[skip + i] = a->addrs[n - 1 - i];
	s->held.frame_addrs = s->addrs;
	return release_held(s);
}

/* The end: samples the kernel still counts against threads' last stacks. */
static int on_repeat(void *ctx, uint32_t pid, uint32_t tid, uint32_t count)
{
	int err = session_repeat(ctx, pid, tid, count);

	return err < 0 ? err : 0;
}

void session_forget_thread(struct session *s, uint32_t pid, uint32_t tid)
{
	if (s->last)
		laststack__del(s->last, pid, tid);
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
	struct target *t = target__get(s, (pid_t)e->pid);

	if (t && t->state != T_EXITED)
		target__ended(s, t);
	return ithreads__process_gone(s, (pid_t)e->pid);
}

/* What the sampler calls for each kind of event from the kernel. */
void session_handlers(struct session *s, struct sampler_handlers *h)
{
	h->sample = on_sample;
	h->code = on_code;
	h->exit = on_exit_event;
	h->proc = targets__on_proc_event;
	h->thread = ithreads__on_event;
	h->repeat = on_repeat;
	h->frame_addrs = on_frame_addrs;
	h->ctx = s;
}

/* The loop */

struct alive_ctx {
	int alive;
};

static int count_alive(const void *key, uint64_t v, void *ctx)
{
	struct target *t = (struct target *)(uintptr_t)v;
	struct alive_ctx *ac = ctx;

	/* A zombie has exited: its parent may not reap it for long. */
	if (t->state != T_EXITED && !t->ended_at && !(kill(t->pid, 0) && errno == ESRCH))
		ac->alive++;
	return 0;
}

/* How often --all and -s look for new Python processes with --idle (the
 * iterator's sweep over every task: the processes the kernel has not seen
 * classified report themselves). */
#define SWEEP_S 1.0

/* Events, then the pass: a parked thread reported woken is visited in it.
 * due_ns: when the tick was due (0: now). */
static int iterate(struct session *s, uint64_t due_ns)
{
	int err;

	s->tick++;
	s->ticks++;
	s->in_tick = true;
	err = sampler__drain(s->smp);
	s->in_tick = false;
	if (err < 0)
		return err;
	if (s->o.all || s->o.subprocesses) {
		double now = now_s();

		if (now >= s->next_sweep) {
			s->next_sweep = now + SWEEP_S;
			err = sampler__sweep(s->smp);
			if (!err)
				err = sampler__drain(s->smp);
			if (err < 0)
				return err;
		}
	}
	ithreads__plan(s);
	return sampler__iter_run(s->smp, s->tick, due_ns);
}

/* --idle: waits up to timeout_ms for the next tick; at a tick, one pass of
 * the task iterator. */
static int tick(struct session *s, struct ticker *t, int timeout_ms)
{
	struct pollfd pfd = {.fd = t->fd, .events = POLLIN};
	uint64_t due, missed;
	int n, err;

	n = poll(&pfd, 1, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	if (!n)
		return 0;
	err = ticker__take(t, &due, &missed);
	if (err == -EAGAIN || err == -EINTR)
		return 0;
	if (err)
		return err;
	/* Ticks that passed while pyhawk was busy are not made up: counted,
	 * so a slow capture says so. */
	s->late_ticks += missed;
	err = iterate(s, due);
	return err && err != -EINTR ? err : 0;
}

/* dump: one pass. With --all or -s, a sweep first finds the Python
 * processes (each reports itself, and is classified as the events are
 * handled). */
static int run_once(struct session *s)
{
	int err = 0;

	if (s->o.all || s->o.subprocesses) {
		err = sampler__sweep(s->smp);
		if (!err)
			err = sampler__drain(s->smp);
		if (err < 0)
			return err;
		s->next_sweep = now_s() + 3600; /* not again */
	}
	err = iterate(s, 0);
	if (!err)
		err = sampler__drain(s->smp);
	return err < 0 ? err : 0;
}

static void stop_signal_set(sigset_t *set)
{
	sigemptyset(set);
	for (size_t i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
		sigaddset(set, stop_signals[i]);
}

void session__hold_signals(void)
{
	sigset_t set;

	stop_signal_set(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Every signal that would end pyhawk ends the capture instead, and the
 * profile is written: a closed terminal or ssh session (SIGHUP), Ctrl-\\
 * (SIGQUIT, without its core dump), SIGUSR1/2; one held while pyhawk
 * started is taken now. A broken pipe is an error of the write that met it. */
static void catch_signals(void)
{
	struct sigaction sa = {.sa_sigaction = on_signal, .sa_flags = SA_SIGINFO};
	sigset_t set;

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
		sigaction(stop_signals[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	stop_signal_set(&set);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

int session__run(struct session *s, struct session_error *e)
{
	struct target *cmd = s->o.argv ? target__get(s, s->launch.pid) : NULL;
	double deadline, next_probe = 0;
	struct ticker ticker = {.fd = -1};
	bool cut_short = false;
	int err = 0;

	catch_signals();
	s->start = now_s();
	usage__start(s);
	deadline = s->o.duration > 0 ? s->start + s->o.duration : 0;
	if (s->o.idle && !s->o.once) {
		err = ticker__start(&ticker, 1000000000ull / (s->o.rate > 0 ? s->o.rate : 100));
		if (err) {
			fail(e, SF_INTERNAL, err, 0, "setting the sampling timer");
			return -EIO;
		}
	}
	if (s->o.once) {
		err = run_once(s);
		if (err < 0)
			fail(e, SF_INTERNAL, err, 0, "reading the threads");
		goto done;
	}
	s->running = true;
	while (!stop_signal) {
		/* Until the command is Python, look often while it is young (a
		 * short-lived program must not finish first); later the
		 * kernel's reports say when to look. */
		bool probing = cmd && cmd->state == T_PROBING && !cmd->refused && !s->child_done &&
			       now_s() - cmd->born < YOUNG_S;
		/* Its exit was seen: reaped within a millisecond, so that its
		 * wall time is right (for a second at most: a zombie is
		 * normally reaped at once). */
		bool exiting = cmd && cmd->state == T_EXITED && !s->child_done &&
			       now_s() - cmd->ended_at < 1.0;
		int wait_ms = probing || exiting ? 1 : 50;
		double names_due = threadnames__due(s->names), now;

		/* A new thread's name is read while it lives. */
		if (names_due) {
			double ms = (names_due - now_s()) * 1e3 + 1;

			if (ms < wait_ms)
				wait_ms = ms > 1 ? (int)ms : 1;
		}

		err = ticker.fd >= 0 ? tick(s, &ticker, wait_ms) : sampler__poll(s->smp, wait_ms);
		if (err < 0 && err != -EINTR) {
			fail(e, SF_INTERNAL, err, 0, "reading samples");
			break;
		}
		err = 0;
		if (s->err)
			break;
		now = now_s();
		if (cmd && !s->child_done)
			usage__reap(s, cmd, false);
		usage__read(s, now, false);
		if (s->probes)
			probes__poll(s->probes, now);
		/* (Events handled meanwhile may have classified it.) */
		if (probing && cmd->state == T_PROBING && !s->child_done && now >= next_probe) {
			err = target__classify(s, cmd);
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
		if (s->sink.tick) {
			err = s->sink.tick(s->sink.ctx);
			if (err) {
				s->err = err < 0 ? err : 0;
				err = 0;
				break;
			}
		}
	}
	/* The capture ended (a signal, -d, top's q) while the command ran. */
	cut_short = cmd && !s->child_done;
	/* The command was started for the capture: a signal that stops pyhawk
	 * stops it too, unless the terminal already sent it to both. */
	if (stop_signal && cmd && !s->child_done && (stop_signal == SIGTERM || stop_from_kill))
		kill(cmd->pid, stop_signal);
done:
	s->running = false;
	ticker__stop(&ticker);
	sampler__drain(s->smp);
	usage__read(s, now_s(), true);
	release_held(s);
	ithreads__end(s);
	sampler__flush_repeats(s->smp);
	threadnames__at_end(s->names);
	sampler__stats(s->smp, s->counters);
	s->elapsed = now_s() - s->start;
	if (s->err && !err) {
		fail(e, SF_INTERNAL, s->err, 0, "aggregating samples");
		return s->err;
	}
	if (err)
		return err;
	if (cmd && !s->samples && cmd->state != T_READY && !s->processes && s->cmd_refused[0]) {
		/* It ran Python, one pyhawk does not support: say which. */
		fail(e, SF_TARGET, -ENOTSUP, cmd->pid, s->cmd_refused);
		return -ENOTSUP;
	}
	if (cmd && cmd->state != T_READY && s->cmd_refused[0])
		fprintf(stderr, "pyhawk: warning: the command (PID %d) runs %s: not profiled\n",
			(int)cmd->pid, s->cmd_refused);
	if (cmd && !s->samples && cmd->state != T_READY && !s->processes && cut_short) {
		/* Stopped before it could be: not "never ran Python". */
		fprintf(stderr,
			"pyhawk: the command (PID %d) had not run Python when the capture ended "
			"after %.2f s: the profile is empty\n",
			(int)cmd->pid, s->elapsed);
		return 0;
	}
	if (cmd && !s->samples && cmd->state != T_READY && !s->processes) {
		fail(e, SF_NOT_PYTHON, -ENOEXEC, 0, s->o.argv[0]);
		return -ENOEXEC;
	}
	return 0;
}

void session__stats(struct session *s, struct session_stats *st, uint64_t *counters)
{
	memset(st, 0, sizeof(*st));
	if (s->running) {
		sampler__stats(s->smp, s->counters);
		s->elapsed = now_s() - s->start;
	}
	st->samples = s->samples;
	st->unknown_frames = s->unknown_frames;
	st->threads = threadnames__count(s->names);
	st->processes = s->processes;
	st->elapsed_s = s->elapsed;
	st->proc_events = s->proc_events;
	st->inspections = s->inspections;
	st->ticks = s->ticks;
	st->late_ticks = s->late_ticks;
	st->parked_samples = s->parked_samples;
	if (s->smp && sampler__prog_time(s->smp, &st->prog_run_ns, &st->prog_runs))
		st->prog_runs = 0;
	memcpy(counters, s->counters, sizeof(s->counters));
}

int session__python(struct session *s, pid_t pid, uint32_t *version_hex, struct py_offsets *off)
{
	struct target *t = target__get(s, pid);

	if (!t || !t->version_hex)
		return -ENOENT;
	*version_hex = t->version_hex;
	if (off)
		*off = t->off;
	return 0;
}

bool session__child_stopped(const struct session *s)
{
	return s->child_stopped;
}

int session__child_status(struct session *s, int *wstatus)
{
	if (!s->child_done)
		return -ENOENT;
	*wstatus = s->child_wstatus;
	return 0;
}

static const char *cmdline_of(void *ctx, pid_t pid)
{
	const char *c = session__cmdline(ctx, pid);

	return *c ? c : "?";
}

void session__print_probes(struct session *s, FILE *f)
{
	if (s->probes)
		probes__print(s->probes, f, cmdline_of, s);
}

int session__foreach_call(struct session *s,
			  int (*fn)(void *ctx, pid_t pid, const char *file, int line,
				    const char *func, uint64_t count),
			  void *ctx)
{
	return s->probes ? probes__foreach_call(s->probes, fn, ctx) : 0;
}

void session__end_child(struct session *s, int sig)
{
	struct target *cmd = s->o.argv ? target__get(s, s->launch.pid) : NULL;

	if (!cmd || s->child_done || s->launch.go_fd >= 0) /* (never released: launch__abort) */
		return;
	s->child_stopped = true;
	if (sig)
		kill(cmd->pid, sig);
	/* One that ignores sig gets 2 s, then SIGKILL. */
	for (int i = 0; i < 200 && !usage__reap(s, cmd, false); i++)
		usleep(10000);
	if (!s->child_done) {
		kill(cmd->pid, SIGKILL);
		usage__reap(s, cmd, true);
	}
}

const char *session__cmdline(struct session *s, pid_t pid)
{
	struct target *t = target__get(s, pid);

	return t ? t->cmdline : "";
}
