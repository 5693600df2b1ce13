/* targets.c: the session's targets: the pid -> target table, the
 * classification of a process (Python, not yet, not Python, gone), the
 * kernel's discovery events and the /proc scans at start. */
#include <errno.h>
#include <stdlib.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "procfs.h"
#include "session_internal.h"

static void warn(struct session *s, const char *fmt, pid_t pid, const char *what)
{
	char msg[256];

	snprintf(msg, sizeof(msg), fmt, (int)pid, what);
	fprintf(stderr, "pyhawk: warning: %s\n", msg);
}

/* Targets */

struct target *target__get(struct session *s, pid_t pid)
{
	uint32_t key = (uint32_t)pid;
	uint64_t v;

	return hashmap__get(s->targets, &key, &v) ? NULL : (struct target *)(uintptr_t)v;
}

struct target *target__add(struct session *s, pid_t pid)
{
	struct target *t = target__get(s, pid);
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
	if (t->cookie && s->probes)
		probes__detach(s->probes, t->pid);
	hashmap__free(t->frame_ids);
	t->frame_ids = NULL;
	threadnames__forget_proc(s->names, t->pid);
	t->cookie = 0;
	t->refused = false;
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
void target__ended(struct session *s, struct target *t)
{
	if (t->explicit_ || t->launched) {
		usage__ended(s, t);
		forget_incarnation(s, t);
		t->state = T_EXITED;
	} else {
		drop_target(s, t);
	}
}

uint32_t target__flags(const struct target *t)
{
	return (t->follow ? PH_PF_FOLLOW : 0) | (t->target ? PH_PF_TARGET : 0);
}

/* Makes t walkable with a layout: a new cookie, the symbolizer and the
 * kernel told, the sink given its command line. */
int target__make_ready(struct session *s, struct target *t, uint32_t version_hex, uint64_t runtime,
		       const struct py_offsets *off, const char *elf)
{
	int err;

	forget_incarnation(s, t);
	if (elf != t->elf)
		snprintf(t->elf, sizeof(t->elf), "%s", elf ? elf : "");
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
					target__flags(t));
	if (err)
		return err;
	t->state = T_READY;
	if (!t->counted)
		s->processes++;
	t->counted = true;
	if (s->sink.process)
		s->sink.process(s->sink.ctx, t->pid, t->cmdline);
	/* Queued for the probes' thread (the event loop does not wait). */
	if (s->probes && t->target &&
	    probes__attach(s->probes, t->pid, t->elf, version_hex, runtime, off))
		return -ENOMEM;
	/* The task iterator visits its threads from now on. */
	return ithreads__watch_process(s, t->pid);
}

/* Inspects a process: 0 and its layout, or -errno (detail says which
 * Python for -ENOTSUP). */
static int inspect(struct session *s, pid_t pid, struct pyproc *pp, struct py_offsets *off,
		   char *detail, size_t len)
{
	char ver[32], what[160] = "";
	int err;

	s->inspections++;
	err = pyproc__inspect(pid, pp);
	if (err == -ENOTSUP && pp->version_hex)
		snprintf(detail, len, "Python %s",
			 offsets__version_str(pp->version_hex, ver, sizeof(ver)));
	if (err)
		return err;
	err = offsets__for_version(pp->version_hex, pp->free_threaded, off);
	if (err) {
		snprintf(detail, len, "Python %s%s",
			 offsets__version_str(pp->version_hex, ver, sizeof(ver)),
			 pp->free_threaded ? " (free-threaded build)" : "");
		return err;
	}
	if (!pp->debug_offsets_len)
		return 0;
	/* 3.13+: the layout the process publishes, the table filling in
	 * what it does not describe. */
	err =
	    offsets__from_debug(off, pp->debug_offsets, pp->debug_offsets_len, what, sizeof(what));
	offsets__version_str(pp->version_hex, ver, sizeof(ver));
	if (err < 0) {
		snprintf(detail, len, "Python %s: its _Py_DebugOffsets cannot be followed (%s)",
			 ver, what);
		return -ENOTSUP;
	}
	if (s->o.verbose)
		fprintf(stderr,
			"pyhawk: process %d: Python %s layout from its _Py_DebugOffsets (%s%s)\n",
			(int)pid, ver, err ? "differs from pyhawk's table: " : "as pyhawk's table",
			err ? what : "");
	return 0;
}

/* Decides what a PROBING target is: Python (walkable), not yet (stays
 * PROBING), not Python (the kernel ignores it from now on), or gone. */
int target__classify(struct session *s, struct target *t)
{
	char detail[192] = "";
	struct py_offsets off;
	struct pyproc pp;
	int err;

	err = inspect(s, t->pid, &pp, &off, detail, sizeof(detail));
	if (!err) {
		err = target__make_ready(s, t, pp.version_hex, pp.runtime, &off, pp.elf);
		t->inherited = false;
		if (err == -ENOENT || err == -ESRCH) {
			target__ended(s, t);
			return 0;
		}
		if (!err && s->o.verbose)
			fprintf(
			    stderr, "pyhawk: process %d: Python %x, _PyRuntime at 0x%llx in %s\n",
			    (int)t->pid, pp.version_hex, (unsigned long long)pp.runtime, pp.elf);
		return err;
	}
	if (err == -ESRCH) {
		target__ended(s, t);
		return 0;
	}
	/* Not Python yet, but young and about to be (libpython still being
	 * mapped), or the command (which may exec Python later). */
	if (err == -ENOEXEC && t->born && now_s() - t->born < YOUNG_S &&
	    (t->launched || pyproc__may_become_python(t->pid)))
		return 0;
	if (err == -ENOEXEC && t->launched) {
		/* The command, not Python after all this time (a shell script,
		 * a launcher): it may still exec Python, which resets this; until
		 * then, looked at about once a second, not every few ms. */
		sampler__slow_reports(s->smp, t->pid);
		return 0;
	}
	if (err == -ENOTSUP) {
		/* Once per program: the command is looked at again only if it
		 * runs exec; the end of the capture says what it ran. */
		if (!t->refused && !t->launched)
			warn(s, "process %d runs %s: not profiled", t->pid, detail);
		if (t->launched)
			snprintf(s->cmd_refused, sizeof(s->cmd_refused), "%.*s",
				 (int)sizeof(s->cmd_refused) - 1, detail);
		t->refused = true;
	} else if (s->o.verbose)
		fprintf(stderr, "pyhawk: process %d: not Python (%s): ignored\n", (int)t->pid,
			err == -ENOEXEC ? "no ELF defines _PyRuntime" : strerror(-err));
	/* Not Python: the kernel stops reporting it and its samples cost one
	 * lookup. The command (held: it may exec Python later) keeps its
	 * entry. */
	sampler__set_proc(s->smp, t->pid, 0, 0, NULL, PH_PROC_IGNORED, target__flags(t));
	if (t->launched || t->explicit_)
		t->state = T_PROBING;
	else
		drop_target(s, t);
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

int targets__on_proc_event(void *ctx, const struct ph_proc_event *e)
{
	struct session *s = ctx;
	pid_t pid = (pid_t)e->pid;
	struct target *t = target__get(s, pid), *parent;
	uint32_t kstate, kflags;

	s->proc_events++;
	if (t && t->state == T_EXITED) {
		/* A -p target or the command that ended: its PID is someone
		 * else's now, a new process if it forked. */
		if (e->kind != PH_PROC_EV_FORK)
			return 0;
		drop_target(s, t);
		t = NULL;
	}
	/* Gone already, or classified since the kernel sent this. An exec
	 * makes the kernel's entry PROBING at once: READY now, from an
	 * inspection (not a layout inherited at fork, which a fork event read
	 * after the exec gives the new image wrongly), means our
	 * classification came after this exec (a launched command is often
	 * classified before its exec event is read), and redoing it would
	 * throw away the samples of the new incarnation read meanwhile. */
	if (sampler__get_proc(s->smp, pid, &kstate, &kflags) ||
	    (e->kind == PH_PROC_EV_SEEN && kstate != PH_PROC_PROBING) ||
	    (e->kind == PH_PROC_EV_EXEC && kstate == PH_PROC_READY && t && t->state == T_READY &&
	     !t->inherited))
		return 0;
	if (!t) {
		t = target__add(s, pid);
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
		sampler__set_proc(s->smp, pid, 0, 0, NULL, PH_PROC_PROBING, target__flags(t));
	}
	if (e->kind == PH_PROC_EV_FORK) {
		parent = target__get(s, (pid_t)e->ppid);
		/* A fork of a Python process is the same Python: its layout,
		 * without reading a file, unless the child ran exec already
		 * (its EXEC event follows). */
		if (parent && parent->state == T_READY && same_exe(pid, parent->pid)) {
			int err = target__make_ready(s, t, parent->version_hex, parent->runtime,
						     &parent->off, parent->elf);

			t->inherited = true; /* its EXEC event, if any, must redo it */
			if (err == -ENOENT || err == -ESRCH)
				target__ended(s, t);
			else if (err)
				s->err = err;
			return 0;
		}
	}
	if (t->state == T_PROBING) {
		int err = target__classify(s, t);

		if (err && err != -ENOTSUP && err != -EACCES && err != -EPERM)
			s->err = err;
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
	int depth, err;

	for (depth = 0; depth < 64 && p > 1; depth++) {
		p = procfs__ppid(p);
		for (int i = 0; i < sc->nroots; i++) {
			if (p == sc->roots[i]) {
				struct target *t = target__add(sc->s, pid);

				if (!t)
					return -ENOMEM;
				t->follow = true;
				t->target = true;
				if (sampler__set_proc(sc->s->smp, pid, 0, 0, NULL, PH_PROC_PROBING,
						      target__flags(t)))
					return -EIO;
				/* Its children to come inherit its threads' events. */
				err = sampler__watch(sc->s->smp, pid, true);
				return err == -ESRCH ? 0 : err;
			}
		}
	}
	return 0;
}

/* Validates the -p targets before anything is loaded: a wrong PID fails
 * fast. Bad ones are named; the rest are kept in pids[]/pps[]. */
int targets__check_pids(struct session *s, pid_t *pids, struct pyproc *pps, struct py_offsets *offs,
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

static int free_target(const void *key, uint64_t v, void *ctx)
{
	struct target *t = (struct target *)(uintptr_t)v;

	hashmap__free(t->frame_ids);
	free(t);
	return 0;
}

void targets__free_all(struct session *s)
{
	if (s->targets)
		hashmap__foreach(s->targets, free_target, NULL);
}

int targets__scan_all(struct session *s)
{
	struct scan_ctx sc = { .s = s };
	int err = procfs__foreach_pid(scan_all, &sc);

	return err ? err : sc.err;
}

int targets__scan_descendants(struct session *s, const pid_t *roots, int nroots)
{
	struct scan_ctx sc = { .s = s, .roots = roots, .nroots = nroots };

	return procfs__foreach_pid(scan_descendants, &sc);
}
