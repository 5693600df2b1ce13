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

/* A blocked thread's reason, from the system call it sleeps in. gil is the
 * address of its interpreter's GIL state (0: unknown). */
static __always_inline __u32 blocked_state(struct task_struct *task, __u64 gil)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	long nr;
	__u64 a0, a1;

	if (!regs)
		return PH_TS_OTHER;
	nr = BPF_CORE_READ(regs, orig_ax);
	a0 = BPF_CORE_READ(regs, di);
	a1 = BPF_CORE_READ(regs, si);
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

/* What a task of the targets is doing now (enum ph_thread_state).
 * displaced: the task pyhawk's own thread took this CPU from (running but
 * for pyhawk), or 0; guess: no such record (dump), so any task waiting
 * for this CPU is taken for it. */
static __always_inline __u32 task_state(struct task_struct *task, __u64 gil, __u32 displaced,
					bool guess)
{
	unsigned int st = task->__state;

	if (st == 0) { /* TASK_RUNNING: on a CPU, or ready for one */
		if (task->on_cpu || (__u32)task->pid == displaced ||
		    (guess && task->thread_info.cpu == bpf_get_smp_processor_id()))
			return PH_TS_ONCPU;
		return PH_TS_RUNNABLE;
	}
	return blocked_state(task, gil);
}

#endif /* THREADSTATE_BPF_H */
