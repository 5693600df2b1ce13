/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* walker.bpf.h: the CPython stack walker shared by every BPF program.
 *
 * Finds a thread's PyThreadState, walks its frames into a per-CPU record and
 * describes code objects the first time they are seen. It knows no Python
 * version: every layout fact comes from struct py_offsets (pyhawk.h).
 *
 * Reads go through ph_read(), which reads the current task's memory; a
 * program that walks another task (the task iterator: idle sampling, dump)
 * sets walk.task, is sleepable, and reads with bpf_copy_from_user_task. The
 * mode is the `remote` argument of the step functions, a compile-time
 * constant at each call (the *_local and *_remote callbacks), so the
 * verifier never sees a sleepable helper in a non-sleepable program. The
 * 4 KiB data-stack window is for the current task only (a remote walk reads
 * frame by frame). */
#ifndef WALKER_BPF_H
#define WALKER_BPF_H

#include "pyhawk.h"

/* Scratch buffers are powers of two; offsets from user space are masked
 * into them, with 8 bytes of slack so an 8-byte field at the last masked
 * offset stays inside. */
#define TSTATE_BUF	 PH_TSTATE_READ_MAX
#define FRAME_BUF	 PH_FRAME_READ_MAX
#define CODE_BUF	 PH_CODE_READ_MAX
#define STR_HDR_BUF	 PH_STR_HDR_READ_MAX
#define CODE_CACHE_SLOTS 2048 /* direct-mapped, per CPU */
#define STACK_BUF 4096        /* bulk copy of a 3.11+ frame data stack */
#define DESCRIBE_MAX 32       /* new code objects described per sample */

struct code_slot {
	__u64 code;
	__u32 cookie;
	__u32 check;
	__u32 seq; /* the sample that last validated check */
	__u32 _pad;
};

/* The walk's variables, in the per-CPU scratch record, never on the BPF
 * stack. Before 6.7 ("bpf: verify callbacks as if they are called unknown
 * number of times") the verifier checked a bpf_loop callback once, with the
 * caller's stack as it was at the call: a field set to 0 there was a known
 * constant inside the callback, and every branch that needed it non-zero
 * was removed as dead (on 6.1 the thread search read no thread state at
 * all). Map values are opaque to the verifier, so every bpf_loop callback,
 * including any added later, keeps its loop-carried state here. */
struct walk_state {
	__u64 cur;	 /* next frame (or thread state) to read */
	__u64 interp;	 /* interpreter being searched */
	__u64 key;	 /* what identifies the thread: its fs base */
	__u64 found;	 /* thread state found by the search */
	__u64 now;	 /* time of the sample */
	__u64 chunk;	 /* 3.11+: the thread's current data stack chunk */
	__u64 chunk_end; /* its end, once read */
	__u64 top;	 /* the innermost frame, where the walk started */
	__u64 top_code;	 /* its code object (raw field), as first read */
	__u64 gil;	 /* address of the process's GIL state (0: unknown) */
	__u32 seq;	 /* this sample's number on this CPU */
	__u32 pid;
	__u32 nframes;
	__u32 reason;
	__u32 interps;
	__u32 truncated; /* a Python frame existed beyond PH_MAX_FRAMES */
	__u32 holds_gil; /* the walked thread state holds the GIL */
	__u32 in_gc;	 /* ... while its interpreter collects garbage */
	__u32 fresh;	 /* no sample of this thread was sent yet */
};

/* Per-CPU working memory of one walk: never on the 512-byte BPF stack. */
struct walk_state;

struct scratch {
	struct ph_sample sample;
	struct ph_code code;
	__u8 tstate[TSTATE_BUF + 8];
	__u8 frame[FRAME_BUF + 8];
	__u8 stack[STACK_BUF + FRAME_BUF + 8];
	__u8 codehdr[CODE_BUF + 8];
	__u8 strhdr[STR_HDR_BUF + 8];
	__u64 describe[DESCRIBE_MAX]; /* code objects to describe after the walk */
	__u32 describe_check[DESCRIBE_MAX];
	__u32 ndescribe;
	__u32 seq;   /* samples taken on this CPU */
	__u64 sbase; /* target address of stack[0] */
	__u64 slen;  /* bytes valid in stack[] */
	struct walk_state st;
	struct code_slot cache[CODE_CACHE_SLOTS];
	struct ph_frame_addrs faddrs; /* each recorded frame's address */
};

/* A thread is known by its pthread_self() (the x86-64 fs base), which is
 * also what tstate->thread_id holds: so one search of the thread list can
 * fill in every thread it passes, not only the one it looks for. */
struct thread_key {
	__u32 pid;
	__u32 _pad;
	__u64 pthread;
};

struct thread_val {
	__u64 tstate; /* 0: no thread state found (retry after retry_ns) */
	__u64 retry_ns;
	__u32 cookie;
	__u32 misses; /* searches that found nothing: the retry backs off */
	/* A search that ran out of steps (a list longer than PH_MAX_THREADS)
	 * goes on from here at the thread's next sample: thread state,
	 * its interpreter, and how many interpreters were entered. */
	__u64 resume;
	__u64 resume_interp;
	__u32 resume_interps;
	__u32 reason; /* why the last search missed: counted until the retry */
	__u32 announced; /* a sample of the thread was sent (it woke user space) */
	__u32 _pad;
};

struct code_key {
	__u64 code;
	__u32 pid;
	__u32 cookie;
};

/* Filled by user space when it classifies a process and by the discovery
 * programs (discover.bpf.h); read by every program to decide whether (and
 * how) to walk a sampled task. Sized for every process of a host (--all). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32768);
	__type(key, __u32);
	__type(value, struct ph_proc);
} procs SEC(".maps");

/* Filled and read by the walker: thread -> its thread state, so the thread
 * list is searched once, not per sample. Revalidated on every use. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct thread_key);
	__type(value, struct thread_val);
} threads SEC(".maps");

/* Filled and read by the walker: code objects already described to user
 * space (value: their check). Keys carry the process's cookie, so a new
 * process (or an exec) never matches an old entry; old ones age out (LRU). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 262144);
	__type(key, struct code_key);
	__type(value, __u32);
} codes SEC(".maps");

/* One scratch record per CPU. An ARRAY indexed by CPU, not a PERCPU_ARRAY:
 * per-CPU values are limited to 32 KiB and a 4096-frame sample is 64 KiB.
 * User space sets max_entries to the number of possible CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch_map SEC(".maps");

/* Samples, code descriptions and exits, read by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);
} events SEC(".maps");

/* Loss reasons and counters (enum ph_reason, enum ph_stat); summed over
 * CPUs by user space for --stats and the end-of-record summary. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PH_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

/* Atomic: the perf_event sampler can interrupt the (sleepable) task
 * iterator on the same CPU in the middle of an update. */
static __always_inline void stat_add(__u32 idx, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);

	if (v)
		__sync_fetch_and_add(v, n);
}

static __always_inline void stat_inc(__u32 idx)
{
	stat_add(idx, 1);
}

/* Ring buffer writes never wake user space by themselves: a wake-up is an
 * irq_work self-IPI, measured at ~6 us per sample in a VM here, more than
 * the whole walk. User space polls on a timer instead; a wake-up is forced
 * only when the buffer is a quarter full, so it is drained before it fills. */
static __always_inline __u64 rb_flags(void)
{
	return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) > (4 << 20) ? BPF_RB_FORCE_WAKEUP
									: BPF_RB_NO_WAKEUP;
}

/* What a bpf_loop callback gets: pointers only (the verifier keeps track of
 * pointers spilled to the stack; scalars it may take for constants). */
struct walk {
	struct scratch *s;
	struct walk_state *st; /* = &s->st */
	struct ph_proc *proc;
	struct task_struct *task; /* remote walks only */
};

/* Reads from the walked task: the current one, or walk->task in a sleepable
 * program. `remote` is a compile-time constant at every call. */
static __always_inline long ph_read(struct walk *w, void *dst, __u32 size, __u64 src,
				    const bool remote)
{
	if (remote)
		return bpf_copy_from_user_task(dst, size, (const void *)src, w->task, 0);
	return bpf_probe_read_user(dst, size, (const void *)src);
}

/* v & mask, kept even where clang proved v small on another path: the
 * verifier tracks the register it checks, not clang's knowledge. */
static __always_inline __u32 masked(__u32 v, __u32 mask)
{
	asm volatile("" : "+r"(v));
	return v & mask;
}

static __always_inline __u64 buf_u64(const __u8 *buf, __u32 off, __u32 mask)
{
	return *(const __u64 *)(buf + masked(off, mask));
}

static __always_inline __u32 buf_u32(const __u8 *buf, __u32 off, __u32 mask)
{
	return *(const __u32 *)(buf + masked(off, mask));
}

static __always_inline __u8 buf_u8(const __u8 *buf, __u32 off, __u32 mask)
{
	return *(const __u8 *)(buf + masked(off, mask));
}

/* Caches a thread's state found by a search. A global function, verified
 * once on its own: inline in the search loop it cost the verifier ~140k
 * instructions. */
__noinline int ph_note_thread(__u32 pid, __u64 pthread, __u64 tstate, __u32 cookie)
{
	struct thread_key k = { .pid = pid, .pthread = pthread };
	struct thread_val v = { .tstate = tstate, .cookie = cookie };

	if (bpf_map_update_elem(&threads, &k, &v, BPF_ANY)) {
		stat_inc(PH_R_MAP_FULL);
		return -1;
	}
	return 0;
}

/* One step of the thread-state search: look at one thread state, or move to
 * the next interpreter when this one's list is done. */
static __always_inline long search_step(struct walk *w, const bool remote)
{
	const struct py_offsets *off = &w->proc->off;
	struct scratch *s = w->s;
	__u32 size = off->tstate_size_read;

	if (!w->st->cur) {
		if (!w->st->interp || w->st->interps >= PH_MAX_INTERPS)
			return 1;
		if (w->st->interps > 0 && ph_read(w, &w->st->interp, sizeof(w->st->interp),
						  w->st->interp + off->interp_next, remote))
			return 1;
		w->st->interps++;
		if (!w->st->interp)
			return 1;
		if (ph_read(w, &w->st->cur, sizeof(w->st->cur),
			    w->st->interp + off->interp_threads_head, remote)) {
			w->st->reason = PH_R_READ_RUNTIME;
			return 1;
		}
		return 0;
	}
	if (size > TSTATE_BUF)
		size = TSTATE_BUF;
	if (ph_read(w, s->tstate, size, w->st->cur, remote)) {
		w->st->reason = PH_R_READ_TSTATE;
		return 1;
	}
	{
		__u64 pthread = buf_u64(s->tstate, off->tstate_thread_id, TSTATE_BUF - 1);

		if (pthread == w->st->key) {
			w->st->found = w->st->cur;
			return 1;
		}
		/* Every thread passed on the way is cached too: searches cost
		 * O(threads) in all, not per thread. */
		if (pthread)
			ph_note_thread(w->st->pid, pthread, w->st->cur, w->proc->cookie);
	}
	w->st->cur = buf_u64(s->tstate, off->tstate_next, TSTATE_BUF - 1);
	return 0;
}

static long search_step_local(__u32 i, void *ctx)
{
	return search_step(ctx, false);
}

static long search_step_remote(__u32 i, void *ctx)
{
	return search_step(ctx, true);
}

static __always_inline __u32 cache_slot(__u64 code, __u32 cookie)
{
	__u64 h = (code >> 4) * 0x9E3779B97F4A7C15ull ^ cookie;

	return (__u32)(h >> 40) & (CODE_CACHE_SLOTS - 1);
}

/* The check of a code object the walk recorded, read from the code object
 * once per sample (a code object freed and its address reused by another
 * is noticed at the next sample); the per-CPU cache saves the shared map
 * lookup when it is unchanged. A code object neither the cache nor the map
 * knows with that check is queued for a description. Returns 0 on a failed
 * read. */
static __always_inline __u32 code_check_of(struct walk *w, __u64 code, const bool remote)
{
	const struct py_offsets *off = &w->proc->off;
	struct scratch *s = w->s;
	struct code_slot *slot = &s->cache[cache_slot(code, w->proc->cookie)];
	struct code_key key = {.code = code, .pid = w->st->pid, .cookie = w->proc->cookie};
	bool same = slot->code == code && slot->cookie == w->proc->cookie;
	__u32 *known, n, check;
	__u64 v[2];

	if (same && slot->seq == w->st->seq)
		return slot->check; /* seen earlier in this stack (recursion) */
	if (ph_read(w, v, sizeof(v), code + off->code_check, remote))
		return 0;
	check = ph_code_check(v[0], v[1]);
	slot->seq = w->st->seq;
	if (same && slot->check == check)
		return check;
	slot->code = code;
	slot->cookie = w->proc->cookie;
	slot->check = check;
	known = bpf_map_lookup_elem(&codes, &key);
	if (known && *known == check)
		return check;
	n = s->ndescribe;
	if (n >= DESCRIBE_MAX)
		return check; /* described by a later sample, or read by user space */
	s->describe[masked(n, DESCRIBE_MAX - 1)] = code;
	s->describe_check[masked(n, DESCRIBE_MAX - 1)] = check;
	s->ndescribe = n + 1;
	return check;
}

/* Fills s->stack with a window of the data stack holding [cur, end): the
 * STACK_BUF bytes ending at end, or, for a frame of the thread's current
 * chunk, no lower than the chunk's start (each chunk is mapped on its own,
 * at least 16 KiB: below it a read would fault). Where a window would still
 * fault: from the frame's page, or the frame alone.
 *
 * A global function, so the verifier checks it once, on its own: inside
 * the walk loop its branches multiplied the states the verifier tracked
 * (measured: 37k -> 950k instructions, near the 1M limit). Reads the
 * current task only; a remote walk needs its own. */
__noinline int ph_fill_window(struct scratch *s, __u64 cur, __u64 end, __u64 chunk, __u64 chunk_end)
{
	__u64 start = end - STACK_BUF;

	if (!s)
		return -1;
	if (cur >= chunk && end <= chunk_end && start < chunk)
		start = chunk;
	if (!bpf_probe_read_user(s->stack, STACK_BUF, (void *)start)) {
		s->sbase = start;
		s->slen = STACK_BUF;
		return 0;
	}
	start = cur & ~0xfffull;
	if (end - start <= STACK_BUF &&
	    !bpf_probe_read_user(s->stack, (end - start) & (STACK_BUF - 1), (void *)start)) {
		s->sbase = start;
		s->slen = end - start;
		return 0;
	}
	if (end - cur <= FRAME_BUF && !bpf_probe_read_user(s->stack, (end - cur) & (2 * FRAME_BUF - 1), (void *)cur)) {
		s->sbase = cur;
		s->slen = end - cur;
		return 0;
	}
	s->slen = 0;
	return -1;
}

/* The bytes of the frame at w->st->cur. 3.11+ frames live on per-thread data
 * stacks, callers just below callees: one bulk read of the STACK_BUF bytes
 * ending at this frame usually holds the next frames too, so most frames
 * cost no read at all. Older frames are heap objects: one read each. */
static __always_inline const __u8 *frame_bytes(struct walk *w, __u32 size, const bool remote)
{
	struct scratch *s = w->s;
	__u64 end = w->st->cur + size;

	if (w->proc->off.frame_kind < PH_IFRAME_PREV_INSTR) {
		if (ph_read(w, s->frame, size, w->st->cur, remote))
			return NULL;
		return s->frame;
	}
	if (remote) {
		/* Another task's memory costs ~1 us a read, whatever its size:
		 * one read of the STACK_BUF bytes ending at this frame (never
		 * below its chunk's start, where the mapping may end) holds
		 * its callers too. */
		if (w->st->cur >= s->sbase && end <= s->sbase + s->slen)
			return s->stack + masked(w->st->cur - s->sbase, STACK_BUF - 1);
		if (w->st->chunk && w->st->cur >= w->st->chunk && end - w->st->chunk <= STACK_BUF)
			s->sbase = w->st->chunk;
		else
			s->sbase = end - STACK_BUF;
		s->slen = end - s->sbase;
		if (ph_read(w, s->stack, s->slen & (STACK_BUF - 1) ? s->slen & (STACK_BUF - 1) : STACK_BUF,
			    s->sbase, true)) {
			s->slen = 0;
			if (ph_read(w, s->frame, size, w->st->cur, true))
				return NULL;
			return s->frame;
		}
		return s->stack + masked(w->st->cur - s->sbase, STACK_BUF - 1);
	}
	if (w->st->cur < s->sbase || end > s->sbase + s->slen) {
		if (ph_fill_window(s, w->st->cur, end, w->st->chunk, w->st->chunk_end))
			return NULL;
	}
	return s->stack + masked(w->st->cur - s->sbase, STACK_BUF - 1);
}

/* One step of the frame walk: read the frame at w->st->cur, record it (unless it
 * is a shim frame) and move to the caller. */
static __always_inline long frame_step(struct walk *w, const bool remote)
{
	const struct py_offsets *off = &w->proc->off;
	struct scratch *s = w->s;
	__u32 size = off->frame_size_read, n = w->st->nframes;
	struct ph_frame *f;
	const __u8 *fb;
	__u64 code, prev, frame = w->st->cur;
	__u8 owner = PH_OWNER_THREAD;
	__u32 check;
	__s32 lasti;

	if (!w->st->cur)
		return 1;
	if (size > FRAME_BUF)
		size = FRAME_BUF;
	fb = frame_bytes(w, size, remote);
	if (!fb) {
		w->st->reason = PH_R_READ_FRAME;
		return 1;
	}
	prev = buf_u64(fb, off->frame_previous, FRAME_BUF - 1);
	if (w->st->cur == w->st->top)
		w->st->top_code = buf_u64(fb, off->frame_code, FRAME_BUF - 1);
	if (prev == w->st->cur) {
		w->st->reason = PH_R_BAD_FRAME;
		return 1;
	}
	code = buf_u64(fb, off->frame_code, FRAME_BUF - 1) & ~(__u64)off->exec_tag_bits;
	if (off->frame_kind >= PH_IFRAME_PREV_INSTR) {
		owner = buf_u8(fb, off->frame_owner, FRAME_BUF - 1);

		/* 3.12+: entry/shim frames pushed by the C stack (3.14+ also
		 * FRAME_OWNED_BY_INTERPRETER) are not Python calls: skip them. */
		if (off->owner_skip_min && owner >= off->owner_skip_min) {
			w->st->cur = prev;
			return 0;
		}
	}
	/* Only a real frame past the limit makes the stack truncated (3.13+
	 * stacks end in entry or base frames, which are not). */
	if (n >= PH_MAX_FRAMES) {
		w->st->truncated = 1;
		return 1;
	}
	if (off->frame_kind >= PH_IFRAME_PREV_INSTR) {
		lasti = (__s32)(buf_u64(fb, off->frame_instr, FRAME_BUF - 1) -
				(code + off->code_adaptive));
	} else {
		lasti = (__s32)buf_u32(fb, off->frame_lasti, FRAME_BUF - 1);
	}
	w->st->cur = prev;
	if (!code)
		return 0;
	/* A remote walk checks its code objects after the stack (check_step):
	 * the stack is read in as short a time as it can be. */
	check = remote ? 0 : code_check_of(w, code, remote);
	if (!check && !remote) {
		w->st->reason = PH_R_READ_CODE;
		return 1;
	}
	f = &s->sample.frames[masked(n, PH_MAX_FRAMES - 1)];
	f->code = code;
	f->lasti = lasti;
	f->check = check;
	s->faddrs.addrs[masked(n, PH_MAX_FRAMES - 1)] = frame;
	w->st->nframes = n + 1;
	/* A running generator always has a caller: a chain that ends at one
	 * was read while the generator was being resumed or was yielding
	 * (3.11+ relink its frame then). Its callers are lost: say so. */
	if (!prev && owner == PH_OWNER_GENERATOR) {
		w->st->reason = PH_R_DETACHED_GEN;
		return 1;
	}
	return 0;
}

static long frame_step_local(__u32 i, void *ctx)
{
	return frame_step(ctx, false);
}

static long frame_step_remote(__u32 i, void *ctx)
{
	return frame_step(ctx, true);
}

/* A remote walk's second half: the check of frame i's code object (and its
 * description, if new). A code object that cannot be read ends the stack
 * there, as in the walk. */
static long check_step_remote(__u32 i, void *ctx)
{
	struct walk *w = ctx;
	struct ph_frame *f;
	__u32 check;

	if (i >= w->st->nframes)
		return 1;
	f = &w->s->sample.frames[masked(i, PH_MAX_FRAMES - 1)];
	check = code_check_of(w, f->code, true);
	if (!check) {
		w->st->nframes = i;
		w->st->reason = PH_R_READ_CODE;
		return 1;
	}
	f->check = check;
	return 0;
}

/* Copies a str object's characters into dst (at most PH_STR_MAX bytes).
 * Returns the byte count, sets *kind; negative on failure. */
static __always_inline int read_str(struct walk *w, __u64 addr, __u8 *dst, __u8 *kind,
				    __u8 *trunc, const bool remote)
{
	const struct py_offsets *off = &w->proc->off;
	struct scratch *s = w->s;
	__u32 state, k, hdr = off->str_compact_size;
	__s64 len;
	__u64 data;

	if (!addr)
		return -1;
	if (hdr > STR_HDR_BUF)
		hdr = STR_HDR_BUF;
	if (ph_read(w, s->strhdr, hdr, addr, remote))
		return -1;
	len = (__s64)buf_u64(s->strhdr, off->str_length, STR_HDR_BUF - 1);
	state = buf_u32(s->strhdr, off->str_state, STR_HDR_BUF - 1);
	if (!(state & off->str_compact_mask) || len < 0)
		return -1;
	k = (state & off->str_kind_mask) >> off->str_kind_shift;
	if (k != 1 && k != 2 && k != 4)
		return -1;
	data = addr + ((state & off->str_ascii_mask) ? off->str_ascii_size : off->str_compact_size);
	len *= k;
	*trunc = len > PH_STR_MAX;
	if (len > PH_STR_MAX)
		len = PH_STR_MAX - (PH_STR_MAX % k);
	if (ph_read(w, dst, len & (2 * PH_STR_MAX - 1) & ~0u, data, remote))
		return -1;
	*kind = k;
	return (int)len;
}

/* Whether type, an object's ob_type, is the code type: its tp_name is
 * "code". A type object never moves: what it says is what the object was. */
static __always_inline bool is_code_object(struct walk *w, __u64 type, const bool remote)
{
	__u64 name;
	char tn[8] = {};

	if (!type || ph_read(w, &name, sizeof(name), type + PH_TYPE_NAME, remote) ||
	    ph_read(w, tn, 5, name, remote))
		return false;
	return tn[0] == 'c' && tn[1] == 'o' && tn[2] == 'd' && tn[3] == 'e' && !tn[4];
}

/* Sends one queued code object's names and line table to user space. */
static __always_inline long describe_step(__u32 i, struct walk *w, const bool remote)
{
	const struct py_offsets *off = &w->proc->off;
	struct scratch *s = w->s;
	struct ph_code *c = &s->code;
	__u32 size = off->code_size_read;
	struct code_key key = {};
	__u64 code, lt;
	__s64 ltlen;
	int len;

	if (i >= s->ndescribe || i >= DESCRIBE_MAX)
		return 1;
	code = s->describe[masked(i, DESCRIBE_MAX - 1)];
	if (size > CODE_BUF)
		size = CODE_BUF;
	if (ph_read(w, s->codehdr, size, code, remote)) {
		stat_inc(PH_R_READ_STRING);
		return 0;
	}
	/* Its memory may hold something else by now (the code object was
	 * freed, or the frame was not one): only a code object is described.
	 * The next sample that meets it asks again. */
	if (!is_code_object(w, buf_u64(s->codehdr, PH_OBJ_TYPE, CODE_BUF - 1), remote)) {
		stat_inc(PH_R_NOT_CODE);
		return 0;
	}
	c->type = PH_EV_CODE;
	c->pid = s->sample.pid;
	c->cookie = w->proc->cookie;
	c->check = s->describe_check[masked(i, DESCRIBE_MAX - 1)];
	c->code = code;
	c->firstlineno = (__s32)buf_u32(s->codehdr, off->code_firstlineno, CODE_BUF - 1);
	for (int j = 0; j < 4; j++) {
		c->len[j] = 0;
		c->kind[j] = 0;
		c->trunc[j] = 0;
	}
	len = read_str(w, buf_u64(s->codehdr, off->code_filename, CODE_BUF - 1),
		       c->data + PH_CODE_SLOT(PH_CODE_FILENAME), &c->kind[0], &c->trunc[0], remote);
	c->len[0] = len > 0 ? len : 0;
	len = read_str(w, buf_u64(s->codehdr, off->code_name, CODE_BUF - 1),
		       c->data + PH_CODE_SLOT(PH_CODE_NAME), &c->kind[1], &c->trunc[1], remote);
	c->len[1] = len > 0 ? len : 0;
	if (off->code_qualname != PH_NO_OFFSET) {
		len = read_str(w, buf_u64(s->codehdr, off->code_qualname, CODE_BUF - 1),
			       c->data + PH_CODE_SLOT(PH_CODE_QUALNAME), &c->kind[2], &c->trunc[2],
			       remote);
		c->len[2] = len > 0 ? len : 0;
	}
	lt = buf_u64(s->codehdr, off->code_linetable, CODE_BUF - 1);
	if (lt && !ph_read(w, &ltlen, sizeof(ltlen), lt + off->bytes_size, remote) && ltlen >= 0) {
		c->trunc[3] = ltlen > PH_LINETABLE_MAX;
		if (ltlen > PH_LINETABLE_MAX)
			ltlen = PH_LINETABLE_MAX;
		if (!ph_read(w, c->data + PH_CODE_SLOT(PH_CODE_LINETABLE),
			     ltlen & (2 * PH_LINETABLE_MAX - 1), lt + off->bytes_sval, remote)) {
			c->len[3] = ltlen;
			c->kind[3] = 1;
		}
	}
	if (!c->len[1] && !c->len[0])
		stat_inc(PH_R_READ_STRING);
	if (bpf_ringbuf_output(&events, c,
			       PH_CODE_HDR_SIZE + PH_CODE_SLOT(PH_CODE_LINETABLE) +
				       (c->len[3] & (PH_LINETABLE_MAX * 2 - 1)),
			       rb_flags())) {
		stat_inc(PH_R_CODE_EVENT_LOST);
		return 0;
	}
	stat_inc(PH_STAT_CODES);
	key.code = code;
	key.pid = c->pid;
	key.cookie = c->cookie;
	if (bpf_map_update_elem(&codes, &key, &c->check, BPF_ANY))
		stat_inc(PH_R_MAP_FULL);
	return 0;
}

static long describe_step_local(__u32 i, void *ctx)
{
	return describe_step(i, ctx, false);
}

static long describe_step_remote(__u32 i, void *ctx)
{
	return describe_step(i, ctx, true);
}

/* A thread with no Python thread state is left alone for a while before
 * the thread list is searched again (it may call into Python later, or its
 * state may not be linked yet at start-up): 1 ms, doubling per miss, up to
 * this. Short at first, so a 50 ms process is not missed. */
const volatile __u64 no_tstate_retry_max_ns = 200 * 1000 * 1000;

/* Searches of one thread that go on where the last ran out of steps, before
 * one starts from the head again (after the back-off): 8 x PH_MAX_THREADS
 * thread states, and a chain that leads nowhere (a freed thread state's
 * stale link) is left. */
#define MAX_RESUMES 8

/* Finds the walked thread's state: the cached one if it still belongs to
 * the thread, else a search of every interpreter's thread list matching
 * tstate->thread_id (pthread_self(), the x86-64 fs base, in w->st->key).
 * On success s->tstate holds the thread state's bytes. */
static __always_inline __u64 find_tstate(struct walk *w, const bool remote)
{
	const struct py_offsets *off = &w->proc->off;
	struct thread_key key = {.pid = w->st->pid, .pthread = w->st->key};
	struct thread_val *tv, nv = {};
	__u32 size = off->tstate_size_read;
	__u64 now = w->st->now;

	if (size > TSTATE_BUF)
		size = TSTATE_BUF;
	tv = bpf_map_lookup_elem(&threads, &key);
	if (tv && tv->cookie != w->proc->cookie)
		tv = NULL;
	if (tv) {
		if (!tv->tstate && now < tv->retry_ns) {
			w->st->reason = tv->reason ? tv->reason : PH_R_NO_THREAD_STATE;
			return 0;
		}
		if (tv->tstate && !ph_read(w, w->s->tstate, size, tv->tstate, remote) &&
		    buf_u64(w->s->tstate, off->tstate_thread_id, TSTATE_BUF - 1) == w->st->key) {
			w->st->fresh = !tv->announced;
			return tv->tstate;
		}
	}

	stat_inc(PH_STAT_SEARCHES);
	w->st->fresh = 1;
	w->st->found = 0;
	w->st->reason = 0;
	if (tv && !tv->tstate && tv->resume && tv->resume_interps) {
		/* Where the last search of this thread ran out of steps. */
		w->st->cur = tv->resume;
		w->st->interp = tv->resume_interp;
		w->st->interps = tv->resume_interps;
	} else {
		if (ph_read(w, &w->st->interp, sizeof(w->st->interp),
			    w->proc->runtime + off->runtime_interpreters_head, remote)) {
			w->st->reason = PH_R_READ_RUNTIME;
			return 0;
		}
		if (!w->st->interp) {
			w->st->reason = PH_R_NO_RUNTIME;
			return 0;
		}
		w->st->cur = 0;
		w->st->interps = 0;
	}
	bpf_loop(PH_MAX_THREADS, remote ? search_step_remote : search_step_local, w, 0);
	nv.cookie = w->proc->cookie;
	nv.tstate = w->st->found;
	if (!w->st->found)
		nv.misses = tv ? tv->misses + 1 : 1;
	if (!w->st->found && w->st->cur && !w->st->reason && nv.misses <= MAX_RESUMES) {
		/* Out of steps, not out of threads: the next sample goes on. */
		w->st->reason = PH_R_THREAD_SEARCH;
		nv.resume = w->st->cur;
		nv.resume_interp = w->st->interp;
		nv.resume_interps = w->st->interps;
		nv.retry_ns = now;
	} else if (!w->st->found) {
		__u64 wait = 1000 * 1000;

		if (!w->st->reason)
			w->st->reason = w->st->cur ? PH_R_THREAD_SEARCH : PH_R_NO_THREAD_STATE;
		nv.reason = w->st->reason;
		if (nv.misses < 16)
			wait <<= nv.misses;
		nv.retry_ns = now + (wait < no_tstate_retry_max_ns ? wait : no_tstate_retry_max_ns);
	}
	if (bpf_map_update_elem(&threads, &key, &nv, BPF_ANY))
		stat_inc(PH_R_MAP_FULL);
	return w->st->found;
}

/* The innermost frame of the thread state whose bytes are in s->tstate:
 * tstate->frame (<=3.10), tstate->cframe->current_frame (3.11, 3.12) or
 * tstate->current_frame. 0 with w->st->reason set when there is none. */
static __always_inline __u64 top_frame(struct walk *w, const bool remote)
{
	const struct py_offsets *off = &w->proc->off;
	__u64 top = buf_u64(w->s->tstate, off->tstate_frame, TSTATE_BUF - 1);

	if (off->cframe_current_frame != PH_NO_OFFSET && top &&
	    ph_read(w, &top, sizeof(top), top + off->cframe_current_frame, remote)) {
		w->st->reason = PH_R_READ_TSTATE;
		return 0;
	}
	if (!top)
		w->st->reason = PH_R_NO_FRAME;
	return top;
}

/* Does the thread state at tstate hold the GIL? Its GIL is the runtime's
 * (<=3.11) or its interpreter's (3.12+: interp->ceval.gil): locked, with
 * last_holder == tstate (take_gil sets last_holder; drop_gil clears
 * locked). Leaves the GIL's address in w->st->gil for task_state(). */
/* Whether the thread, holding the GIL, runs a garbage collection: its
 * interpreter's gc.collecting (the runtime's in 3.8) is set. Collections
 * run with the GIL held, so only its holder can be the collector. */
static __always_inline void read_gc(struct walk *w, const bool remote)
{
	const struct py_offsets *off = &w->proc->off;
	__u64 base;
	__s32 collecting = 0;

	w->st->in_gc = 0;
	if (!w->st->holds_gil || off->gc_collecting == PH_NO_OFFSET)
		return;
	base = off->version_hex < 0x03090000
		   ? w->proc->runtime
		   : buf_u64(w->s->tstate, off->tstate_interp, TSTATE_BUF - 1);
	if (base && !ph_read(w, &collecting, sizeof(collecting), base + off->gc_collecting, remote))
		w->st->in_gc = collecting != 0;
}

static __always_inline void read_gil(struct walk *w, __u64 tstate, const bool remote)
{
	const struct py_offsets *off = &w->proc->off;
	__u8 *g = w->s->strhdr; /* free until code objects are described */
	__u64 gil = 0, interp;

	w->st->holds_gil = 0;
	w->st->in_gc = 0;
	w->st->gil = 0;
	if (off->runtime_gil != PH_NO_OFFSET) {
		gil = w->proc->runtime + off->runtime_gil;
	} else if (off->interp_gil_ptr != PH_NO_OFFSET) {
		interp = buf_u64(w->s->tstate, off->tstate_interp, TSTATE_BUF - 1);
		if (!interp || ph_read(w, &gil, sizeof(gil), interp + off->interp_gil_ptr, remote))
			return;
	}
	if (!gil || ph_read(w, g, PH_GIL_READ_MAX, gil, remote))
		return;
	w->st->gil = gil;
	w->st->holds_gil = buf_u32(g, off->gil_locked, PH_GIL_READ_MAX - 1) == 1 &&
			   buf_u64(g, off->gil_last_holder, PH_GIL_READ_MAX - 1) == tstate;
	read_gc(w, remote);
}

/* Walks the stack of the thread whose fs base is in w->st->key (w->st->pid,
 * w->st->now set) into s->sample.frames. Returns the number of frames; 0
 * when nothing was taken, with the drop reason in w->st->reason. */
static __always_inline __u32 walk_thread(struct walk *w, const bool remote)
{
	const struct py_offsets *off = &w->proc->off;
	struct scratch *s = w->s;
	__u64 tstate, top;

	w->st->seq = ++s->seq;
	s->ndescribe = 0;
	tstate = find_tstate(w, remote);
	if (!tstate) {
		if (!w->st->reason)
			w->st->reason = PH_R_NO_THREAD_STATE;
		return 0;
	}
	s->sample.tstate = tstate;
	/* A remote walk reads the GIL after the stack (remote_finish()). */
	if (!remote)
		read_gil(w, tstate, remote);
	w->st->chunk = 0;
	w->st->chunk_end = 0;
	if (off->tstate_datastack_chunk != PH_NO_OFFSET) {
		__u64 hdr[2]; /* _PyStackChunk: previous, size */

		w->st->chunk = buf_u64(s->tstate, off->tstate_datastack_chunk, TSTATE_BUF - 1);
		/* A remote walk needs only the chunk's start (no read). */
		if (!remote && w->st->chunk &&
		    !bpf_probe_read_user(hdr, sizeof(hdr), (void *)w->st->chunk))
			w->st->chunk_end = w->st->chunk + hdr[1];
	}
	w->st->reason = 0;
	top = top_frame(w, remote);
	if (!top)
		return 0;

	w->st->cur = top;
	w->st->top = top;
	w->st->top_code = 0;
	s->sbase = 0;
	s->slen = 0;
	w->st->nframes = 0;
	w->st->truncated = 0;
	w->st->reason = 0;
	/* Shim frames take iterations without adding frames: allow some. */
	bpf_loop(PH_MAX_FRAMES + PH_MAX_FRAMES / 4, remote ? frame_step_remote : frame_step_local,
		 w, 0);
	if (!w->st->nframes) {
		/* Nothing to show: a drop, under exactly one reason. Only
		 * shim frames (3.15: the thread's base frame) = no frame. */
		w->st->reason = w->st->reason ? PH_R_EMPTY_STACK : PH_R_NO_FRAME;
		return 0;
	}
	return w->st->nframes;
}

/* The rest of a remote walk, once its stack is known to be whole: the
 * GIL, and the code objects' checks. Returns the number of frames left. */
static __always_inline __u32 remote_finish(struct walk *w)
{
	read_gil(w, w->s->sample.tstate, true);
	bpf_loop(PH_MAX_FRAMES, check_step_remote, w, 0);
	return w->st->nframes;
}

/* Sends the walked stack (descriptions of new code objects first, so user
 * space has them before the sample that needs them). The header's comm,
 * state and prior are the caller's. Returns 0, or -1 when the ring buffer
 * was full (counted). */
static __always_inline int send_sample(struct walk *w, __u32 tid, __u16 flags, const bool remote)
{
	struct scratch *s = w->s;
	__u32 n = w->st->nframes;
	__u64 size;

	s->sample.type = PH_EV_SAMPLE;
	s->sample.pid = w->st->pid;
	s->sample.tid = tid;
	s->sample.cookie = w->proc->cookie;
	s->sample.time_ns = w->st->now;
	s->sample.nframes = n;
	s->sample.reason = w->st->reason;
	if (w->st->holds_gil)
		flags |= PH_SF_GIL;
	if (w->st->in_gc)
		flags |= PH_SF_GC;
	if (w->st->reason)
		flags |= PH_SF_PARTIAL;
	else if (w->st->truncated || w->st->cur) /* the loop budget ran out too */
		flags |= PH_SF_TRUNCATED;
	s->sample.flags = flags;
	if (s->ndescribe)
		bpf_loop(DESCRIBE_MAX, remote ? describe_step_remote : describe_step_local, w, 0);

	/* n <= PH_MAX_FRAMES by construction; say so to the verifier. */
	size = (__u64)n * sizeof(struct ph_frame);
	if (size > PH_MAX_FRAMES * sizeof(struct ph_frame))
		return -1;
	/* A new thread's first sample wakes user space (once per thread, not
	 * per sample): threading's name is read while the thread lives. */
	if (bpf_ringbuf_output(&events, &s->sample, PH_SAMPLE_HDR_SIZE + size,
			       w->st->fresh ? BPF_RB_FORCE_WAKEUP : rb_flags())) {
		stat_inc(PH_R_RINGBUF_FULL);
		return -1;
	}
	if (w->st->fresh) {
		struct thread_key key = {.pid = w->st->pid, .pthread = w->st->key};
		struct thread_val *tv = bpf_map_lookup_elem(&threads, &key);

		if (tv)
			tv->announced = 1;
	}
	stat_inc(PH_STAT_SAMPLES);
	stat_add(PH_STAT_FRAMES, n);
	/* Marks on a sample that was sent (not drops). */
	if (w->st->reason)
		stat_inc(w->st->reason);
	else if (w->st->truncated || w->st->cur)
		stat_inc(PH_R_TRUNCATED);
	return 0;
}

#endif /* WALKER_BPF_H */
