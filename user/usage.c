/* usage.c: what the targets cost: the command's wait status and CPU time
 * (its rusage, when it is reaped), a -p target's CPU time over the capture
 * (/proc/PID/stat at the start, and read until it exits). */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include "session_internal.h"

/* How often the CPU time of the targets that run is read. A -p target is
 * not pyhawk's child: if it exits and its parent reaps it before pyhawk
 * handles the exit event, this much of its CPU time is not counted. */
#define USAGE_READ_S 0.05

static void read_cpu(struct target *t)
{
	struct procfs_cpu c;

	if (!t->cpu_known || procfs__cpu(t->pid, &c))
		return;
	t->cpu = c;
	/* A -p target that exited while pyhawk was starting (before the
	 * kernel knew it) sends no exit event: a zombie says it. */
	if (c.final && !t->ended_at)
		t->ended_at = now_s();
}

static int start_target(const void *key, uint64_t v, void *ctx)
{
	struct target *t = (struct target *)(uintptr_t)v;
	struct session *s = ctx;

	/* The command's whole life counts: it starts at zero. */
	if (t->launched)
		t->cpu_known = true;
	else if (t->explicit_ && !procfs__cpu(t->pid, &t->cpu0))
		t->cpu_known = true;
	t->cpu = t->cpu0;
	if (t->cpu0.final)
		t->ended_at = s->start;
	return 0;
}

void usage__start(struct session *s)
{
	hashmap__foreach(s->targets, start_target, s);
	s->next_usage = s->start + USAGE_READ_S;
}

static int read_target(const void *key, uint64_t v, void *ctx)
{
	struct target *t = (struct target *)(uintptr_t)v;

	if (!t->ended_at)
		read_cpu(t);
	return 0;
}

void usage__read(struct session *s, double now, bool force)
{
	if (!force && now < s->next_usage)
		return;
	s->next_usage = now + USAGE_READ_S;
	hashmap__foreach(s->targets, read_target, s);
}

void usage__ended(struct session *s, struct target *t)
{
	read_cpu(t);
	if (!t->ended_at)
		t->ended_at = now_s();
}

static uint64_t tv_ns(struct timeval tv)
{
	return (uint64_t)tv.tv_sec * 1000000000ull + (uint64_t)tv.tv_usec * 1000ull;
}

static uint64_t minus(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

bool usage__reap(struct session *s, struct target *cmd, bool block)
{
	struct procfs_cpu kids = {0};
	struct rusage ru;
	siginfo_t si;
	int wstatus;

	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, cmd->pid, &si, WEXITED | WNOWAIT | (block ? 0 : WNOHANG)) ||
	    si.si_pid != cmd->pid)
		return false;
	/* wait4's rusage counts the descendants it waited for with its own
	 * threads; /proc, read while it is a zombie, tells them apart (to
	 * the clock tick). */
	procfs__cpu(cmd->pid, &kids);
	if (wait4(cmd->pid, &wstatus, 0, &ru) != cmd->pid)
		return false;
	s->child_done = true;
	s->child_wstatus = wstatus;
	s->child_end = now_s();
	cmd->cpu = (struct procfs_cpu){.user_ns = minus(tv_ns(ru.ru_utime), kids.cuser_ns),
				       .sys_ns = minus(tv_ns(ru.ru_stime), kids.csys_ns),
				       .cuser_ns = kids.cuser_ns,
				       .csys_ns = kids.csys_ns};
	if (!cmd->ended_at)
		cmd->ended_at = s->child_end;
	return true;
}

/* The CPU time of t since the start, its descendants' too with children. */
static void cpu_since(const struct target *t, bool children, struct session_usage *u)
{
	uint64_t user = minus(t->cpu.user_ns, t->cpu0.user_ns);
	uint64_t sys = minus(t->cpu.sys_ns, t->cpu0.sys_ns);

	if (children) {
		user += minus(t->cpu.cuser_ns, t->cpu0.cuser_ns);
		sys += minus(t->cpu.csys_ns, t->cpu0.csys_ns);
	}
	u->user_s = user / 1e9;
	u->sys_s = sys / 1e9;
	u->children = children;
}

int session__command_usage(struct session *s, struct session_usage *u)
{
	struct target *cmd = s->o.argv ? target__get(s, s->launch.pid) : NULL;

	memset(u, 0, sizeof(*u));
	if (!cmd || !cmd->cpu_known)
		return -ENOENT;
	u->pid = cmd->pid;
	cpu_since(cmd, s->o.subprocesses, u);
	u->exited = s->child_done;
	u->stopped = s->child_stopped;
	u->wall_s = (s->child_done ? s->child_end : s->start + s->elapsed) - s->child_start;
	return 0;
}

int session__target_usage(struct session *s, pid_t pid, struct session_usage *u)
{
	struct target *t = target__get(s, pid);

	memset(u, 0, sizeof(*u));
	if (!t || !t->explicit_ || !t->cpu_known)
		return -ENOENT;
	u->pid = pid;
	cpu_since(t, false, u);
	u->exited = t->ended_at != 0;
	u->wall_s = (u->exited ? t->ended_at : s->start + s->elapsed) - s->start;
	return 0;
}
