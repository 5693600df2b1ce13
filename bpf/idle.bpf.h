/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* idle.bpf.h: sampling every thread of the targets, running or not: a
 * sleepable task iterator that user space runs once per tick (--idle) or
 * once (dump). It walks each thread's stack from outside, reading the
 * thread's memory with bpf_copy_from_user_task, and says what the thread
 * was doing (threadstate.bpf.h) and whether it held the GIL.
 *
 * A thread that has not run since its last walk (the same context-switch
 * counts and run time, and not on a CPU now) cannot have another stack or
 * state: its sample is counted against the last one (struct ph_idle_thread
 * .pending, sent with its next sample as ph_sample.prior, at its exit as a
 * ph_repeat, or read by user space at the end) instead of walking it again,
 * so a thousand parked threads cost a thousand map lookups per tick, not a
 * thousand walks.
 *
 * In a capture (--idle), threads on a CPU are left to the perf_event
 * sampler, which walks them in their own context; the iterator samples the
 * others, whose stacks do not move. dump walks running threads too: one
 * changes its stack while it is read, so after its walk its innermost
 * frame is read again (stack_stayed()), and a walk whose stack moved is
 * tried again, then shown marked PH_SF_MOVED (a capture would drop it:
 * STACK_MOVED). */
#ifndef IDLE_BPF_H
#define IDLE_BPF_H

#include "walker.bpf.h"
#include "discover.bpf.h"
#include "threadstate.bpf.h"

/* dump: walk every thread, whatever its counts say, and send each frame's
 * address after its sample (for --locals). Set by user space before load. */
const volatile bool iter_walk_all = false;
const volatile bool iter_frame_addrs = false;
/* pyhawk's own process (set by user space before load). */
const volatile __u32 self_tgid = 0;

/* Per CPU: the thread of a target that pyhawk's own thread last took the
 * CPU from while it could run (on_switch): while the iterator runs there,
 * it would be running but for pyhawk. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} displaced SEC(".maps");

static __always_inline __u32 displaced_here(void)
{
	__u32 zero = 0, *d = bpf_map_lookup_elem(&displaced, &zero);

	return d ? *d : 0;
}

/* Walks of a running thread tried before its sample is dropped; dump,
 * which has one sample per thread, tries harder and shows what it got. */
#define MOVED_TRIES 3
#define MOVED_TRIES_DUMP 16

/* Written by user space while it runs: the number of the tick being
 * taken, and whether this pass is a discovery sweep over every task of
 * the targets (which only reports processes to classify; the threads of
 * walkable ones are visited by their own iterators). */
__u64 idle_tick = 0;
bool sweeping = false;
/* When the tick was due (bpf_ktime_get_ns's clock; 0: no such instant, as
 * in dump): a pass looks at the threads as they were then (task_state). */
__u64 idle_due_ns = 0;

/* Per thread the iterator has visited. parked: not visited until it runs
 * again, set by the iterator, cleared by the scheduler's switch to it
 * (on_switch); hist: its last scheduler transitions (on_switch, on_wake).
 * Task storage, so that the hooks on every context switch and wake-up of
 * the host cost one pointer read for the tasks that have none. */
struct ph_watched {
	__u64 parked; /* 64 bits: clang's BPF atomic exchange */
	__u32 pid;
	__u32 _pad;
	struct sched_hist hist;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ph_watched);
} watched_threads SEC(".maps");

/* Filled by the iterator, read by the thread-exit program and, at the end
 * of a capture, by user space (pending samples). Key: the thread's id. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct ph_idle_thread);
} idle_threads SEC(".maps");

/* The iterator's own per-CPU working memory: the perf_event sampler may
 * interrupt it on the same CPU, and it must not find its scratch in use. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} iter_scratch SEC(".maps");

/* Did the running thread's stack stay put while it was walked? Its
 * innermost frame is read again: the same frame running the same code
 * object means the frames below it are the ones walked (its callers cannot
 * return before it does; a frame that returned and was replaced by a call
 * of the same function at the same depth has the same callers). Its
 * instruction position may have moved on: the sample shows where it was
 * when first read. */
static __always_inline bool stack_stayed(struct walk *w)
{
	const struct py_offsets *off = &w->proc->off;
	__u64 code = 0, top;
	__u32 size = off->tstate_size_read;

	if (size > TSTATE_BUF)
		size = TSTATE_BUF;
	if (ph_read(w, w->s->tstate, size, w->s->sample.tstate, true))
		return false;
	top = top_frame(w, true);
	if (top != w->st->top)
		return false;
	if (ph_read(w, &code, sizeof(code), top + off->frame_code, true))
		return false;
	return code == w->st->top_code;
}

static __always_inline void thread_event(__u32 pid, __u32 tid, __u32 kind, __u32 count)
{
	struct ph_thread_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		stat_inc(PH_R_PROC_EVENT_LOST);
		return;
	}
	e->type = PH_EV_THREAD;
	e->pid = pid;
	e->tid = tid;
	e->kind = kind;
	e->tick = idle_tick;
	e->count = count;
	e->_pad = 0;
	bpf_ringbuf_submit(e, 0);
}

static __always_inline __u64 task_switches(struct task_struct *task)
{
	return task->nvcsw + task->nivcsw;
}

/* A thread blocked and unchanged for a while is parked: user space stops
 * visiting it, and counts its samples against its last stack until the
 * scheduler switches to it again (on_switch tells). The thread may wake
 * while it is being parked: parked is set first (an atomic, a full
 * barrier), then the thread is checked again; a wake-up after that check
 * finds parked set and is reported, one before it is seen here. */
static __always_inline void park(struct task_struct *task, __u32 pid, __u32 tid, __u64 switches)
{
	struct ph_watched *p =
	    bpf_task_storage_get(&watched_threads, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (!p)
		return;
	p->pid = pid;
	__sync_lock_test_and_set(&p->parked, 1);
	if (task->__state == 0 || task->on_cpu || task_switches(task) != switches) {
		p->parked = 0; /* it woke meanwhile: still visited */
		return;
	}
	thread_event(pid, tid, PH_THREAD_PARKED, 0);
}

/* A thread's history (creating it: timed from now on), and the entry of
 * it in force when the tick was due (*then; -1: none that old, or dump).
 * Looked at as it is now, a thread woken or preempted since -- by pyhawk's
 * own thread, woken by the same tick and often late by milliseconds, or by
 * a timer of its own that expired in the same interrupt -- was runnable
 * 2-5 times as often as the kernel's share of time runnable says. */
static __always_inline struct sched_hist *history(struct task_struct *task, int *then)
{
	struct ph_watched *p =
	    bpf_task_storage_get(&watched_threads, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);

	*then = p && idle_due_ns ? sched_hist_at(&p->hist, idle_due_ns) : -1;
	return p ? &p->hist : NULL;
}

/* One thread of a READY process. Returns 1 when it is left to the
 * perf_event sampler (running), else 0. */
static __noinline int idle_walk(struct ph_proc *proc, struct task_struct *task, __u32 pid,
				__u32 tid, __u64 now)
{
	struct ph_idle_thread *it, nit = {};
	__u64 switches, runtime, t0;
	__u32 cpu = bpf_get_smp_processor_id(), state = 0, prior, tries;
	struct scratch *s;
	struct walk w = {};
	struct sched_hist *hist;
	bool moved = false, running;
	int then, was;

	if (!proc || !task)
		return 0;
	/* A capture's running threads are the perf_event sampler's: sampled
	 * in their own context, their stacks exact. So is one that was running
	 * when the tick was due; or, its history not reaching back so far, is
	 * running now or waits for this very CPU (pyhawk took it from it). One
	 * running now that was not then is walked (its stack has seldom moved
	 * since) and given its state then. */
	then = -1;
	hist = iter_walk_all ? NULL : history(task, &then); /* dump: no hooks, no history */
	was = hist && then >= 0 && then < SCHED_HIST ? hist->to[then] : WAS_UNKNOWN;
	running = task->on_cpu || (task->__state == 0 && (__u32)task->pid == displaced_here());
	if (!iter_walk_all && (was == WAS_RUNNING || (was == WAS_UNKNOWN && running)))
		return 1;
	switches = task_switches(task);
	runtime = task->se.sum_exec_runtime;
	it = bpf_map_lookup_elem(&idle_threads, &tid);
	if (it && (it->pid != pid || it->cookie != proc->cookie))
		it = NULL; /* a reused thread id, or an exec: start afresh */
	if (it && !iter_walk_all && !task->on_cpu && it->switches == switches &&
	    it->runtime == runtime) {
		if (it->last) {
			stat_inc(it->last); /* the same drop as last time */
		} else {
			__sync_fetch_and_add(&it->pending, 1);
			stat_inc(PH_STAT_REPEATS);
		}
		if (++it->streak >= PH_PARK_AFTER && task->__state != 0)
			park(task, pid, tid, switches);
		return 0;
	}

	s = bpf_map_lookup_elem(&iter_scratch, &cpu);
	if (!s)
		return 0;
	w.s = s;
	w.st = &s->st;
	w.proc = proc;
	w.task = task;
	stat_inc(PH_STAT_ITER_WALKS);
	t0 = bpf_ktime_get_ns();
	for (tries = 0; tries < (iter_walk_all ? MOVED_TRIES_DUMP : MOVED_TRIES); tries++) {
		__builtin_memset(w.st, 0, sizeof(*w.st));
		w.st->now = now;
		w.st->pid = pid;
		w.st->key = task->thread.fsbase;
		if (!walk_thread(&w, true))
			break;
		/* Not running, before and after: nothing moved. */
		if (!task->on_cpu && task->__state != 0 && task_switches(task) == switches)
			break;
		moved = !stack_stayed(&w);
		if (!moved)
			break;
	}
	if (w.st->nframes && !remote_finish(&w) && !w.st->reason)
		w.st->reason = PH_R_READ_CODE;
	state = task_state(task, w.st->gil, displaced_here(), iter_walk_all, hist, then);
	nit.pid = pid;
	nit.cookie = proc->cookie;
	/* Ticks to come that find it not switched since count against this
	 * sample, in its state -- unless that was its state at a due time
	 * its history has moved past (it blocked on the GIL then and sleeps
	 * now): then the next tick walks it again. */
	nit.switches = hist && then >= 0 && (__u32)then != ((hist->head - 1) & (SCHED_HIST - 1))
			   ? ~0ull
			   : switches;
	nit.runtime = runtime;
	prior = it ? it->pending : 0;
	if (!w.st->nframes || (moved && !iter_walk_all)) {
		nit.last = moved ? PH_R_STACK_MOVED : w.st->reason;
		nit.pending = prior; /* still the earlier stack's */
		stat_inc(nit.last);
	} else {
		BPF_CORE_READ_STR_INTO(&s->sample.comm, task, comm);
		s->sample.state = state;
		s->sample.prior = prior;
		if (send_sample(&w, tid, moved ? PH_SF_MOVED : 0, true)) {
			nit.last = PH_R_RINGBUF_FULL;
			nit.pending = prior;
		} else if (iter_frame_addrs) {
			__u32 n = w.st->nframes;
			__u64 size = (__u64)n * sizeof(__u64);

			s->faddrs.type = PH_EV_FRAME_ADDRS;
			s->faddrs.pid = pid;
			s->faddrs.tid = tid;
			s->faddrs.nframes = n;
			if (size <= sizeof(s->faddrs.addrs) &&
			    bpf_ringbuf_output(&events, &s->faddrs, PH_FRAME_ADDRS_HDR_SIZE + size,
					       rb_flags()))
				stat_inc(PH_R_CODE_EVENT_LOST);
		}
	}
	stat_add(PH_STAT_ITER_WALK_NS, bpf_ktime_get_ns() - t0);
	/* A running thread's counts go on changing: it is walked every time. */
	if (bpf_map_update_elem(&idle_threads, &tid, &nit, BPF_ANY))
		stat_inc(PH_R_MAP_FULL);
	return 0;
}

SEC("iter.s/task")
int sample_task(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct ph_proc *proc;
	__u32 pid, tid;
	__u64 t0;

	if (!task)
		return 0;
	pid = task->tgid;
	tid = task->pid;
	proc = bpf_map_lookup_elem(&procs, &pid);
	if (!proc || proc->state == PH_PROC_IGNORED || (sweeping && proc->state == PH_PROC_READY))
		return 0;
	/* A parked thread met by a pass over its whole process: user space
	 * counts its ticks. */
	if (!sweeping) {
		struct ph_watched *p = bpf_task_storage_get(&watched_threads, task, 0, 0);

		if (p && p->parked)
			return 0;
	}
	t0 = bpf_ktime_get_ns();
	if (proc->state != PH_PROC_READY) {
		/* Not classified yet: as the perf_event sampler does. */
		if (proc->flags & PH_PF_TARGET) {
			stat_inc(PH_STAT_RUNS);
			stat_inc(PH_R_PROC_NOT_READY);
		}
		report_probing(proc, pid, t0);
		return 0;
	}
	/* Not counted when it is the perf_event sampler's (running). */
	if (!idle_walk(proc, task, pid, tid, t0)) {
		stat_inc(PH_STAT_RUNS);
		stat_add(PH_STAT_ITER_NS, bpf_ktime_get_ns() - t0);
	}
	return 0;
}

/* A thread of a process the iterator samples exits: user space drops its
 * iterator, and gets the samples counted against its last stack and not
 * sent yet. Also one never visited: user space made it an iterator when it
 * began, and a thread of a few milliseconds is gone before the next tick
 * (those iterators stayed, 3000 after 30 s of such a program). */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_thread_exit, struct task_struct *task)
{
	__u32 tid = task->pid, pid = task->tgid;
	struct ph_idle_thread *it = bpf_map_lookup_elem(&idle_threads, &tid);
	struct ph_proc *proc;

	if (!it) {
		proc = bpf_map_lookup_elem(&procs, &pid);
		if (proc && proc->state != PH_PROC_IGNORED)
			thread_event(pid, tid, PH_THREAD_EXIT, 0);
		return 0;
	}
	thread_event(it->pid, tid, PH_THREAD_EXIT, it->pending);
	bpf_map_delete_elem(&idle_threads, &tid);
	return 0;
}

/* A new thread of a process the iterator samples: user space starts
 * visiting it. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_thread_new, struct task_struct *parent, struct task_struct *child)
{
	__u32 pid = child->tgid;
	struct ph_proc *proc;

	if (pid != (__u32)parent->tgid) /* a new process: discover.bpf.h's */
		return 0;
	proc = bpf_map_lookup_elem(&procs, &pid);
	if (proc && proc->state != PH_PROC_IGNORED)
		thread_event(pid, child->pid, PH_THREAD_NEW, 0);
	return 0;
}

/* Every wake-up of the host: a transition of a thread the iterator has
 * visited (it has storage). One woken before it was switched out goes on
 * running. */
SEC("tp_btf/sched_wakeup")
int BPF_PROG(on_wake, struct task_struct *p)
{
	struct ph_watched *t = bpf_task_storage_get(&watched_threads, p, 0, 0);

	if (t)
		sched_hist_note(&t->hist, p, p->on_cpu ? WAS_RUNNING : WAS_RUNNABLE);
	return 0;
}

/* Every context switch of the host: is the task switched to a parked
 * thread? Then it runs again: user space visits it from the next tick. And
 * which runnable task does pyhawk's own thread displace? And the
 * transitions of the two tasks, if the iterator has visited them. */
SEC("tp_btf/sched_switch")
int BPF_PROG(on_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	struct ph_watched *p = bpf_task_storage_get(&watched_threads, next, 0, 0);

	if ((__u32)next->tgid == self_tgid || (__u32)prev->tgid == self_tgid) {
		__u32 zero = 0, *d = bpf_map_lookup_elem(&displaced, &zero);

		/* Forgotten when pyhawk leaves the CPU. */
		if (d)
			*d = (__u32)next->tgid == self_tgid && prev->__state == 0 ? prev->pid : 0;
	}

	if (prev != next) {
		struct ph_watched *q = bpf_task_storage_get(&watched_threads, prev, 0, 0);

		if (q)
			sched_hist_note(&q->hist, prev,
					prev->__state == 0 ? WAS_RUNNABLE : WAS_BLOCKED);
	}
	if (!p)
		return 0;
	sched_hist_note(&p->hist, next, WAS_RUNNING);
	if (p->parked && __sync_lock_test_and_set(&p->parked, 0))
		thread_event(p->pid, next->pid, PH_THREAD_WOKE, 0);
	return 0;
}

#endif /* IDLE_BPF_H */
