/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* discover.bpf.h: finding the processes to sample from the kernel: new
 * processes (fork), new programs in known ones (exec), exits, and processes
 * the sampler sees running that user space has not classified.
 *
 * User space classifies (user/session.c); these programs only keep the
 * procs map true between two classifications and tell user space when one
 * is due, on the events ring buffer (struct ph_proc_event):
 *   - exec: a known process (any state) becomes PROBING at once, so no
 *     sample of the new program is walked with the old one's layout;
 *   - fork: the child of a followed (-s) or, with --all, of any process
 *     gets an entry: a non-Python parent's child is not Python either until
 *     it execs (no event), any other child is PROBING (event);
 *   - exit: the entry is deleted, and user space told unless it was
 *     IGNORED; a reused PID never finds an old entry (fork deletes it).
 * Included by sampler.bpf.c: the maps are the walker's. */
#ifndef DISCOVER_BPF_H
#define DISCOVER_BPF_H

#include "walker.bpf.h"

/* --all: every process is a candidate, not only the targets user space
 * registered (set by user space before load). */
const volatile bool all_procs = false;

/* Bumped whenever a procs entry may stop being IGNORED (exec, fork, exit,
 * and user space's every write): the sampler's per-CPU memory of the last
 * IGNORED process it saw is only good within one generation. */
__u64 procs_gen = 0;

struct ignored_slot {
	__u32 pid;
	__u32 _pad;
	__u64 gen;
};

/* Filled and read by the sampler: per CPU, the last IGNORED process sampled
 * there and the procs_gen it was seen in (a PERCPU_ARRAY: 6.10+ inline its
 * lookups). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ignored_slot);
} ignored_cache SEC(".maps");

static __always_inline void procs_changed(void)
{
	__sync_fetch_and_add(&procs_gen, 1);
}

/* A zeroed entry (PROBING, no cookie), per CPU: too big for the BPF stack.
 * Only the discovery programs write it, each filling it before use. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ph_proc);
} proc_template SEC(".maps");

static __always_inline struct ph_proc *fresh_entry(__u32 state, __u32 flags, __u64 report_ns)
{
	__u32 zero = 0;
	struct ph_proc *p = bpf_map_lookup_elem(&proc_template, &zero);

	if (!p)
		return NULL;
	__builtin_memset(p, 0, sizeof(*p));
	p->state = state;
	p->flags = flags;
	p->report_ns = report_ns;
	return p;
}

static __always_inline void proc_event(__u32 pid, __u32 ppid, __u32 kind)
{
	struct ph_proc_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		stat_inc(PH_R_PROC_EVENT_LOST);
		return;
	}
	e->type = PH_EV_PROC;
	e->pid = pid;
	e->ppid = ppid;
	e->kind = kind;
	/* Rare, and user space should classify soon: wake it (a plain
	 * submit wakes it only if it had read everything before, and samples
	 * never wake it). */
	bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
}

/* A PROBING process ran: ask user space to classify it, at most once per
 * report_ns: after 1, 2, 4, then every 8 ms, for about 2 s, then once a
 * second. Only young processes that may still become Python stay PROBING
 * (user space ignores the others at their first report), so a process whose
 * libpython is still being mapped is found within ms, and a non-Python one
 * costs one classification. */
static __always_inline void report_probing(struct ph_proc *proc, __u32 pid, __u64 now)
{
	__u32 n = proc->reports, shift = n < 3 ? n : 3;

	if (now < proc->report_ns)
		return;
	/* After ~2 s of reports (or when user space says so: a command that
	 * stays not Python), about once a second. */
	if (n >= PH_REPORTS_SLOW)
		shift = 10;
	proc->reports = n + 1;
	proc->report_ns = now + (1000000ull << shift);
	proc_event(pid, 0, PH_PROC_EV_SEEN);
}

/* A process the sampler saw running with no entry (--all only): it started
 * before the /proc scan saw it, or its fork was missed. Kernel threads have
 * no memory to read: never entries. */
static __always_inline void seen_unknown(__u32 pid, __u64 now)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct ph_proc *p;

	if (!pid || !task->mm)
		return;
	/* A PROBING entry with a report due now; NOEXIST: another CPU may
	 * have added it meanwhile. */
	p = fresh_entry(PH_PROC_PROBING, 0, 0);
	if (!p || bpf_map_update_elem(&procs, &pid, p, BPF_NOEXIST))
		return;
	p = bpf_map_lookup_elem(&procs, &pid);
	if (p)
		report_probing(p, pid, now);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ppid = parent->tgid, pid = child->tgid;
	struct ph_proc *pp, *e;
	__u32 flags;

	if (pid == ppid) /* a new thread, not a new process */
		return 0;
	/* A PID is new at fork: whatever entry it has is a dead process's. */
	if (!bpf_map_delete_elem(&procs, &pid))
		procs_changed();
	pp = bpf_map_lookup_elem(&procs, &ppid);
	if (!all_procs && !(pp && (pp->flags & PH_PF_FOLLOW)))
		return 0;
	flags = pp ? pp->flags : 0;
	if (pp && pp->state == PH_PROC_IGNORED) {
		/* Same program as its parent until it execs: no event. */
		e = fresh_entry(PH_PROC_IGNORED, flags, 0);
		if (e && bpf_map_update_elem(&procs, &pid, e, BPF_ANY))
			stat_inc(PH_R_MAP_FULL);
		return 0;
	}
	/* A Python parent's child (or one of an unknown parent): user space
	 * gives it its own cookie (for a fork of Python, its parent's layout,
	 * without reading any file). */
	e = fresh_entry(PH_PROC_PROBING, flags, bpf_ktime_get_ns() + 1000000);
	if (e && bpf_map_update_elem(&procs, &pid, e, BPF_ANY))
		stat_inc(PH_R_MAP_FULL);
	proc_event(pid, ppid, PH_PROC_EV_FORK);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 pid = p->tgid;
	struct ph_proc *proc = bpf_map_lookup_elem(&procs, &pid), *e;

	if (proc) {
		/* The old program's layout and code objects are gone now. */
		procs_changed();
		proc->state = PH_PROC_PROBING;
		proc->cookie = 0;
		proc->reports = 0;
		proc->report_ns = bpf_ktime_get_ns() + 1000000;
	} else {
		if (!all_procs)
			return 0;
		e = fresh_entry(PH_PROC_PROBING, 0, bpf_ktime_get_ns() + 1000000);
		if (e && bpf_map_update_elem(&procs, &pid, e, BPF_ANY))
			stat_inc(PH_R_MAP_FULL);
	}
	proc_event(pid, 0, PH_PROC_EV_EXEC);
	return 0;
}

/* A thread of a known process is exiting: its cached thread state goes
 * with it. glibc gives the next thread the same pthread (fs base) from its
 * stack cache, and the freed thread state still holds that thread_id: taken
 * for the new thread's, it has no frame (measured: 1823 of 3141 samples of
 * 74 short threads run one after another lost as NO_FRAME, pyenv 3.12).
 * The last thread: forget the process too, and tell user space (unless it
 * was never a target). Names were sent with the samples. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *task)
{
	__u32 pid = task->tgid;
	struct thread_key key = {.pid = pid};
	struct ph_proc *proc;
	struct ph_exit *e;
	__u32 cookie, state;

	proc = bpf_map_lookup_elem(&procs, &pid);
	if (!proc)
		return 0;
	key.pthread = BPF_CORE_READ(task, thread.fsbase);
	bpf_map_delete_elem(&threads, &key);
	/* signal->live reaches 0 when the last thread of the group exits. */
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	cookie = proc->cookie;
	state = proc->state;
	bpf_map_delete_elem(&procs, &pid);
	procs_changed();
	if (state == PH_PROC_IGNORED)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		stat_inc(PH_R_PROC_EVENT_LOST);
		return 0;
	}
	e->type = PH_EV_EXIT;
	e->pid = pid;
	e->cookie = cookie;
	e->_pad = 0;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

#endif /* DISCOVER_BPF_H */
