/* usdt.bpf.h: programs on CPython's USDT probes (provider "python"), which
 * user space attaches to each target process whose interpreter has them
 * (with --all to each interpreter ELF, for every process that runs it):
 * garbage collections counted and timed per process, imports reported in
 * the order the thread ran them, and with --calls every call counted per
 * function in a map (not an event per call). */
#ifndef USDT_BPF_H
#define USDT_BPF_H

#include <bpf/usdt.bpf.h>

struct gc_begin {
	__u64 ns;
	__u32 gen;
	__u32 _pad;
};

/* tid -> the collection it is running */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct gc_begin);
} gc_running SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct ph_gc_stats);
} gc_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct ph_call_key);
	__type(value, __u64);
} call_counts SEC(".maps");

SEC("usdt")
int BPF_USDT(usdt_gc_start, int generation)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct gc_begin b = {.ns = bpf_ktime_get_ns(), .gen = (__u32)generation};

	if (bpf_map_update_elem(&gc_running, &tid, &b, BPF_ANY))
		stat_inc(PH_R_MAP_FULL);
	return 0;
}

SEC("usdt")
int BPF_USDT(usdt_gc_done, long collected)
{
	__u64 id = bpf_get_current_pid_tgid(), now = bpf_ktime_get_ns(), d;
	__u32 tid = (__u32)id, pid = id >> 32;
	struct ph_gc_stats zero = {}, *st;
	struct gc_begin *b = bpf_map_lookup_elem(&gc_running, &tid);

	if (!b) {
		stat_inc(PH_R_GC_UNPAIRED);
		return 0;
	}
	d = now - b->ns;
	st = bpf_map_lookup_elem(&gc_stats, &pid);
	if (!st) {
		bpf_map_update_elem(&gc_stats, &pid, &zero, BPF_NOEXIST);
		st = bpf_map_lookup_elem(&gc_stats, &pid);
	}
	if (st) {
		__sync_fetch_and_add(&st->collections[b->gen < 3 ? b->gen : 2], 1);
		__sync_fetch_and_add(&st->pause_ns, d);
		if (collected > 0)
			__sync_fetch_and_add(&st->collected, (__u64)collected);
		if (d > st->max_pause_ns) /* one collector at a time: the GIL */
			st->max_pause_ns = d;
	}
	bpf_map_delete_elem(&gc_running, &tid);
	return 0;
}

static __always_inline int import_event(const char *name, __u32 done)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct ph_import_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		stat_inc(PH_R_PROBE_EVENT_LOST);
		return 0;
	}
	e->type = PH_EV_IMPORT;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->done = done;
	e->time_ns = bpf_ktime_get_ns();
	if (bpf_probe_read_user_str(e->name, sizeof(e->name), name) < 0)
		e->name[0] = '\0';
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("usdt")
int BPF_USDT(usdt_import_start, const char *name)
{
	return import_event(name, 0);
}

SEC("usdt")
int BPF_USDT(usdt_import_done, const char *name, int found)
{
	return import_event(name, 1);
}

SEC("usdt")
int BPF_USDT(usdt_call, const char *file, const char *func, int line)
{
	struct ph_call_key k = {.pid = bpf_get_current_pid_tgid() >> 32,
				.line = (__u32)line,
				.file = (__u64)file,
				.func = (__u64)func};
	__u64 one = 1, *n = bpf_map_lookup_elem(&call_counts, &k);
	struct ph_call_site *e;

	if (n) {
		__sync_fetch_and_add(n, 1);
		return 0;
	}
	if (bpf_map_update_elem(&call_counts, &k, &one, BPF_NOEXIST)) {
		n = bpf_map_lookup_elem(&call_counts, &k); /* another CPU was first */
		if (n)
			__sync_fetch_and_add(n, 1);
		else
			stat_inc(PH_R_MAP_FULL);
		return 0;
	}
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		stat_inc(PH_R_PROBE_EVENT_LOST);
		return 0;
	}
	e->type = PH_EV_CALL_SITE;
	e->_pad = 0;
	e->key = k;
	if (bpf_probe_read_user_str(e->file, sizeof(e->file), file) < 0)
		e->file[0] = '\0';
	if (bpf_probe_read_user_str(e->func, sizeof(e->func), func) < 0)
		e->func[0] = '\0';
	bpf_ringbuf_submit(e, 0);
	return 0;
}

#endif /* USDT_BPF_H */
