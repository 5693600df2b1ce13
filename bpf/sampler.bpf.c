// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* sampler.bpf.c: on-CPU sampling of Python stacks (perf_event cpu-clock of
 * the target threads, or of every CPU with --all); the task iterator (idle.bpf.h) and discovery
 * (discover.bpf.h) share its maps. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "pyhawk.h"
#include "walker.bpf.h"
#include "discover.bpf.h"
#include "idle.bpf.h"
#include "usdt.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

static __noinline int sample_proc(struct ph_proc *proc, __u32 pid, __u32 tid, __u64 now)
{
	struct task_struct *task;
	struct scratch *s;
	struct walk w = {};
	__u32 cpu;

	if (!proc)
		return 0;
	cpu = bpf_get_smp_processor_id();
	if (proc->state != PH_PROC_READY) {
		stat_inc(PH_R_PROC_NOT_READY);
		report_probing(proc, pid, now);
		return 0;
	}
	/* The ARRAY has one slot per CPU; index it by the CPU we run on. */
	s = bpf_map_lookup_elem(&scratch_map, &cpu);
	if (!s)
		return 0;
	task = bpf_get_current_task_btf();
	w.s = s;
	w.st = &s->st;
	w.proc = proc;
	__builtin_memset(w.st, 0, sizeof(*w.st));
	w.st->now = now;
	w.st->pid = pid;
	w.st->key = BPF_CORE_READ(task, thread.fsbase);
	if (!walk_thread(&w, false)) {
		stat_inc(w.st->reason);
		return 0;
	}
	bpf_get_current_comm(s->sample.comm, sizeof(s->sample.comm));
	s->sample.state = PH_TS_ONCPU;
	s->sample.prior = 0;
	send_sample(&w, tid, PH_SF_ONCPU, false);
	return 0;
}

SEC("perf_event")
int on_cpu_sample(struct bpf_perf_event_data *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid(), t0, gen;
	__u32 pid = pid_tgid >> 32, zero = 0;
	struct ignored_slot *slot;
	struct ph_proc *proc;

	if (!pid) /* an idle CPU */
		return 0;
	if (pid == self_tgid) {
		if (displaced_here())
			stat_inc(PH_STAT_DISPLACED);
		return 0;
	}
	/* The same not-Python process as last time on this CPU, and no entry
	 * changed since: nothing to do, without a hash lookup. */
	slot = bpf_map_lookup_elem(&ignored_cache, &zero);
	gen = procs_gen;
	if (slot && slot->pid == pid && slot->gen == gen)
		return 0;
	proc = bpf_map_lookup_elem(&procs, &pid);
	if (!proc) {
		if (all_procs)
			seen_unknown(pid, bpf_ktime_get_ns());
		return 0;
	}
	/* Classified as not Python (or pyhawk itself): nothing counted. */
	if (proc->state == PH_PROC_IGNORED) {
		if (slot) {
			slot->pid = pid;
			slot->gen = gen; /* read before the lookup: a change since misses */
		}
		return 0;
	}
	/* Not classified yet: a process --all found counts only once it is
	 * Python; a target's samples count from its first instruction. */
	if (proc->state == PH_PROC_PROBING && !(proc->flags & PH_PF_TARGET)) {
		report_probing(proc, pid, bpf_ktime_get_ns());
		return 0;
	}
	stat_inc(PH_STAT_RUNS);
	t0 = bpf_ktime_get_ns();
	sample_proc(proc, pid, (__u32)pid_tgid, t0);
	/* Our own measure of the cost of a sample of a tracked process
	 * (kernel.bpf_stats_enabled counts every process's runs too). */
	stat_add(PH_STAT_WALK_NS, bpf_ktime_get_ns() - t0);
	return 0;
}
