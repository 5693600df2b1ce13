/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* threadstate.bpf.h: what a thread that is not running is waiting for,
 * decided from its task: the scheduler state, and for a blocked task the
 * system call it is blocked in (its saved registers: orig_ax is the call,
 * di the first argument). x86-64 numbers, like the rest of the walker. */
#ifndef THREADSTATE_BPF_H
#define THREADSTATE_BPF_H

#include "pyhawk.h"

/* The GIL's state (struct _gil_runtime_state, 208 bytes in every 3.8-3.15
 * default build) holds the mutex and conditions take_gil waits on. */
#define GIL_STATE_SIZE 208

/* The system call a task is in (or last entered: its saved registers). */
struct syscall_args {
	long nr;
	__u64 a0, a1;
};

static __always_inline void read_syscall(struct task_struct *task, struct syscall_args *c)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);

	c->nr = regs ? BPF_CORE_READ(regs, orig_ax) : -1;
	c->a0 = regs ? BPF_CORE_READ(regs, di) : 0;
	c->a1 = regs ? BPF_CORE_READ(regs, si) : 0;
}

/* A blocked thread's reason, from the system call it sleeps in. gil is the
 * address of its interpreter's GIL state (0: unknown). */
static __always_inline __u32 syscall_state(const struct syscall_args *c, __u64 gil)
{
	long nr = c->nr;
	__u64 a0 = c->a0, a1 = c->a1;

	switch (nr) {
	case 202: /* futex */
		if (gil && a0 >= gil && a0 < gil + GIL_STATE_SIZE)
			return PH_TS_GIL_WAIT;
		return PH_TS_LOCK;
	case 449: /* futex_waitv */
	case 73:  /* flock */
		return PH_TS_LOCK;
	case 35:  /* nanosleep */
	case 230: /* clock_nanosleep */
	case 34:  /* pause */
		return PH_TS_SLEEP;
	case 23:  /* select: with no descriptors it is 3.8-3.10's time.sleep */
	case 270: /* pselect6 */
		return a0 ? PH_TS_IO : PH_TS_SLEEP;
	case 7:	  /* poll */
	case 271: /* ppoll */
		return a1 ? PH_TS_IO : PH_TS_SLEEP;
	case 0:	  /* read */
	case 1:	  /* write */
	case 17:  /* pread64 */
	case 18:  /* pwrite64 */
	case 19:  /* readv */
	case 20:  /* writev */
	case 40:  /* sendfile */
	case 42:  /* connect */
	case 43:  /* accept */
	case 44:  /* sendto */
	case 45:  /* recvfrom */
	case 46:  /* sendmsg */
	case 47:  /* recvmsg */
	case 232: /* epoll_wait */
	case 275: /* splice */
	case 281: /* epoll_pwait */
	case 288: /* accept4 */
	case 295: /* preadv */
	case 296: /* pwritev */
	case 299: /* recvmmsg */
	case 307: /* sendmmsg */
	case 327: /* preadv2 */
	case 328: /* pwritev2 */
	case 426: /* io_uring_enter */
	case 441: /* epoll_pwait2 */
		return PH_TS_IO;
	}
	return PH_TS_OTHER;
}

/* A thread's last scheduler transitions, so that its state at an instant
 * just past can be told: at[i] when it went to to[i] (WAS_*), and for a
 * block the system call it blocked in; the newest at (head - 1) %
 * SCHED_HIST. Written by the scheduler's hooks on other CPUs while the
 * iterator reads: a torn entry costs one sample's state. */
#define SCHED_HIST 8 /* a power of two */
enum { WAS_UNKNOWN, WAS_RUNNING, WAS_RUNNABLE, WAS_BLOCKED };

struct sched_hist {
	__u64 at[SCHED_HIST];
	struct syscall_args call[SCHED_HIST];
	__u8 to[SCHED_HIST];
	__u32 head;
};

static __always_inline void sched_hist_note(struct sched_hist *h, struct task_struct *task, __u8 to)
{
	__u32 i = h->head & (SCHED_HIST - 1);

	h->at[i] = bpf_ktime_get_ns();
	h->to[i] = to;
	if (to == WAS_BLOCKED)
		read_syscall(task, &h->call[i]);
	h->head = (i + 1) & (SCHED_HIST - 1);
}

/* The entry in force at t (bpf_ktime_get_ns's clock): the newest
 * transition at or before it; -1 when there is none that old. */
static __always_inline int sched_hist_at(const struct sched_hist *h, __u64 t)
{
	for (__u32 n = 1; n <= SCHED_HIST; n++) {
		__u32 i = (h->head - n) & (SCHED_HIST - 1);

		if (!h->at[i])
			break;
		if (h->at[i] <= t)
			return (int)i;
	}
	return -1;
}

/* What a task of the targets is doing (enum ph_thread_state). then: the
 * entry of its history in force when the tick was due, or NULL (none that
 * old, or dump): then it is taken as it is now. displaced: the task
 * pyhawk's own thread took this CPU from (running but for pyhawk), or 0;
 * guess: no such record (dump), so any task waiting for this CPU is taken
 * for it. */
static __always_inline __u32 task_state(struct task_struct *task, __u64 gil, __u32 displaced,
					bool guess, const struct sched_hist *h, int then)
{
	struct syscall_args c;

	if (h && then >= 0 && then < SCHED_HIST) {
		if (h->to[then] == WAS_RUNNABLE)
			return PH_TS_RUNNABLE;
		if (h->to[then] == WAS_BLOCKED)
			return syscall_state(&h->call[then], gil);
		if (h->to[then] == WAS_RUNNING)
			return PH_TS_ONCPU;
	}
	if (task->__state == 0) { /* TASK_RUNNING: on a CPU, or ready for one */
		if (task->on_cpu || (__u32)task->pid == displaced ||
		    (guess && task->thread_info.cpu == bpf_get_smp_processor_id()))
			return PH_TS_ONCPU;
		return PH_TS_RUNNABLE;
	}
	read_syscall(task, &c);
	return syscall_state(&c, gil);
}

#endif /* THREADSTATE_BPF_H */
