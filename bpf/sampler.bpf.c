// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* sampler.bpf.c: on-CPU sampling of Python stacks (perf_event cpu-clock on
 * every CPU) and the exit of sampled processes. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "pyhawk.h"
#include "walker.bpf.h"
#include "discover.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* A thread with no Python thread state is left alone for a while before
 * the thread list is searched again (it may call into Python later, or its
 * state may not be linked yet at start-up): 1 ms, doubling per miss, up to
 * this. Short at first, so a 50 ms process is not missed. */
const volatile __u64 no_tstate_retry_max_ns = 200 * 1000 * 1000;

/* Finds the thread state of the current task: the cached one if it still
 * belongs to this thread, else a search of every interpreter's thread list
 * matching tstate->thread_id (pthread_self(), the x86-64 fs base). */
static __always_inline __u64 find_tstate(struct walk *w, __u64 now)
{
	const struct py_offsets *off = &w->proc->off;
	struct thread_key key = {.pid = w->st->pid, .pthread = w->st->key};
	struct thread_val *tv, nv = {};
	__u32 size = off->tstate_size_read;

	if (size > TSTATE_BUF)
		size = TSTATE_BUF;
	tv = bpf_map_lookup_elem(&threads, &key);
	if (tv && tv->cookie == w->proc->cookie) {
		if (!tv->tstate && now < tv->retry_ns) {
			w->st->reason = PH_R_NO_THREAD_STATE;
			return 0;
		}
		if (tv->tstate && !bpf_probe_read_user(w->s->tstate, size, (void *)tv->tstate) &&
		    buf_u64(w->s->tstate, off->tstate_thread_id, TSTATE_BUF - 1) == w->st->key)
			return tv->tstate;
	}

	if (bpf_probe_read_user(&w->st->interp, sizeof(w->st->interp),
				(void *)(w->proc->runtime + off->runtime_interpreters_head))) {
		w->st->reason = PH_R_READ_RUNTIME;
		return 0;
	}
	if (!w->st->interp) {
		w->st->reason = PH_R_NO_RUNTIME;
		return 0;
	}
	stat_inc(PH_STAT_SEARCHES);
	w->st->cur = 0;
	w->st->interps = 0;
	w->st->found = 0;
	w->st->reason = 0;
	bpf_loop(PH_MAX_THREADS, search_step_local, w, 0);
	nv.cookie = w->proc->cookie;
	nv.tstate = w->st->found;
	if (!w->st->found) {
		__u64 wait = 1000 * 1000;

		if (!w->st->reason)
			w->st->reason = w->st->cur ? PH_R_THREAD_SEARCH : PH_R_NO_THREAD_STATE;
		nv.misses = tv && tv->cookie == nv.cookie ? tv->misses + 1 : 1;
		if (nv.misses < 16)
			wait <<= nv.misses;
		nv.retry_ns = now + (wait < no_tstate_retry_max_ns ? wait : no_tstate_retry_max_ns);
	}
	if (bpf_map_update_elem(&threads, &key, &nv, BPF_ANY))
		stat_inc(PH_R_MAP_FULL);
	return w->st->found; /* s->tstate holds the found thread state's bytes */
}

static __noinline int sample_proc(struct ph_proc *proc, __u32 pid, __u32 tid, __u64 now)
{
	__u64 top, size;
	__u32 cpu, n;
	struct task_struct *task;
	struct scratch *s;
	struct walk w = {};
	const struct py_offsets *off;

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
	off = &proc->off;
	task = bpf_get_current_task_btf();
	w.s = s;
	w.st = &s->st;
	w.proc = proc;
	__builtin_memset(w.st, 0, sizeof(*w.st));
	w.st->now = now;
	w.st->pid = pid;
	w.st->seq = ++s->seq;
	w.st->key = BPF_CORE_READ(task, thread.fsbase);
	s->sample.pid = pid;
	s->ndescribe = 0;

	top = find_tstate(&w, now);
	if (!top) {
		stat_inc(w.st->reason ? w.st->reason : PH_R_NO_THREAD_STATE);
		return 0;
	}
	s->sample.tstate = top;
	if (off->tstate_datastack_chunk != PH_NO_OFFSET) {
		__u64 hdr[2]; /* _PyStackChunk: previous, size */

		w.st->chunk = buf_u64(s->tstate, off->tstate_datastack_chunk, TSTATE_BUF - 1);
		if (w.st->chunk && !bpf_probe_read_user(hdr, sizeof(hdr), (void *)w.st->chunk))
			w.st->chunk_end = w.st->chunk + hdr[1];
	}
	top = buf_u64(s->tstate, off->tstate_frame, TSTATE_BUF - 1);
	if (off->cframe_current_frame != PH_NO_OFFSET && top) {
		/* 3.11, 3.12: tstate->cframe->current_frame */
		if (bpf_probe_read_user(&top, sizeof(top),
					(void *)(top + off->cframe_current_frame))) {
			stat_inc(PH_R_READ_TSTATE);
			return 0;
		}
	}
	if (!top) {
		stat_inc(PH_R_NO_FRAME);
		return 0;
	}

	w.st->cur = top;
	s->sbase = 0;
	s->slen = 0;
	w.st->nframes = 0;
	w.st->truncated = 0;
	w.st->reason = 0;
	/* Shim frames take iterations without adding frames: allow some. */
	bpf_loop(PH_MAX_FRAMES + PH_MAX_FRAMES / 4, frame_step_local, &w, 0);
	n = w.st->nframes;
	if (!n) {
		/* Nothing to show: a drop, under exactly one reason. Only
		 * shim frames (3.15: the thread's base frame) = no frame. */
		stat_inc(w.st->reason ? PH_R_EMPTY_STACK : PH_R_NO_FRAME);
		return 0;
	}

	s->sample.type = PH_EV_SAMPLE;
	s->sample.tid = tid;
	s->sample.cookie = proc->cookie;
	s->sample.time_ns = now;
	s->sample.nframes = n;
	s->sample.flags = PH_SF_ONCPU;
	s->sample.reason = w.st->reason;
	if (w.st->reason)
		s->sample.flags |= PH_SF_PARTIAL;
	else if (w.st->truncated || w.st->cur) /* the loop budget ran out too */
		s->sample.flags |= PH_SF_TRUNCATED;
	bpf_get_current_comm(s->sample.comm, sizeof(s->sample.comm));

	/* Names and line tables of new code objects go first, so user space
	 * has them before the sample that needs them. */
	if (s->ndescribe)
		bpf_loop(DESCRIBE_MAX, describe_step_local, &w, 0);

	/* n <= PH_MAX_FRAMES by construction; say so to the verifier. */
	size = (__u64)n * sizeof(struct ph_frame);
	if (size > PH_MAX_FRAMES * sizeof(struct ph_frame))
		return 0;
	if (bpf_ringbuf_output(&events, &s->sample, PH_SAMPLE_HDR_SIZE + size, rb_flags())) {
		stat_inc(PH_R_RINGBUF_FULL);
		return 0;
	}
	stat_inc(PH_STAT_SAMPLES);
	stat_add(PH_STAT_FRAMES, n);
	/* Marks on a sample that was sent (not drops). */
	if (w.st->reason)
		stat_inc(w.st->reason);
	else if (w.st->truncated || w.st->cur) /* the loop budget ran out too */
		stat_inc(PH_R_TRUNCATED);
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
