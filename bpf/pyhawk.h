/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* pyhawk.h: the types and constants shared by the BPF programs and user space.
 *
 * Words used throughout: pid = tgid = a process; tid = a thread (kernel task
 * id). Fields are fixed-width only (no bool, long, pointers or enums as field
 * types) and padding is explicit, so both compilers agree on every layout;
 * user/layout.c asserts the sizes. */
#ifndef PYHAWK_H
#define PYHAWK_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Deepest Python stack recorded. Deeper stacks keep their innermost frames
 * and carry PH_SF_TRUNCATED. */
#define PH_MAX_FRAMES 4096
/* Interpreters and thread states searched to find a thread's state. */
#define PH_MAX_INTERPS 16
#define PH_MAX_THREADS 8192
/* Bytes of a str (after kind decoding: length * kind) and of a line table
 * copied by the kernel when it describes a new code object. */
#define PH_STR_MAX 512
#define PH_LINETABLE_MAX 8192
#define PH_COMM_LEN 16

/* Reasons a sample is lost or marked; see errors.def. */
enum ph_reason {
	PH_R_NONE = 0,
#define X(name, num, kind, msg) PH_R_##name = num,
#include "errors.def"
#undef X
	PH_R_MAX,
};

/* Counters besides the loss reasons, in the same per-CPU array after them. */
enum ph_stat {
	PH_STAT_RUNS = PH_R_MAX, /* program runs on a tracked process */
	PH_STAT_SAMPLES,	 /* sample records sent to user space */
	PH_STAT_CODES,		 /* code object descriptions sent */
	PH_STAT_FRAMES,		 /* frames recorded */
	PH_STAT_WALK_NS,	 /* BPF time spent on tracked processes' samples */
	PH_STAT_SEARCHES,	 /* thread-list searches (cache misses) */
	PH_STAT_REPEATS,	 /* iterator: samples of a thread that had not run
				  * since its last one, counted against that
				  * stack without a walk */
	PH_STAT_ITER_WALKS,	 /* iterator: threads walked */
	PH_STAT_ITER_NS,	 /* iterator: BPF time spent on tracked threads */
	PH_STAT_ITER_WALK_NS,	 /* iterator: ... of which walking them */
	PH_STAT_DISPLACED,	 /* perf_event samples that fell on pyhawk's own
				  * thread while it kept a target's thread
				  * from that CPU */
	PH_STAT_MAX,
};

/* How a version finds its frames and instruction position. */
enum ph_frame_kind {
	PH_FRAME_OBJECT_BYTES = 1, /* 3.8, 3.9: PyFrameObject, f_lasti in bytes */
	PH_FRAME_OBJECT_UNITS = 2, /* 3.10: PyFrameObject, f_lasti in code units */
	PH_IFRAME_PREV_INSTR = 3,  /* 3.11, 3.12: _PyInterpreterFrame.prev_instr */
	PH_IFRAME_INSTR_PTR = 4,   /* 3.13+: _PyInterpreterFrame.instr_ptr */
};

#define PH_NO_OFFSET 0xffff

/* The most the walker reads at once from a thread state, a frame, a code
 * object and a str header (its scratch buffers): every field it reads
 * there must end within these (user/offsets.c checks). */
#define PH_TSTATE_READ_MAX  512
#define PH_FRAME_READ_MAX   128
#define PH_CODE_READ_MAX    256
#define PH_STR_HDR_READ_MAX 128
#define PH_GIL_READ_MAX	    32 /* of the GIL's struct */

/* _PyInterpreterFrame.owner (3.11+), the values every version shares. */
#define PH_OWNER_THREAD	   0
#define PH_OWNER_GENERATOR 1

/* Everything the walker needs to know about one CPython build. Filled by
 * user space (user/offsets.c, from tables generated out of each version's
 * own headers, cross-checked with _Py_DebugOffsets on 3.13+). The BPF code
 * never knows Python versions, only these numbers. A field that does not
 * exist in a version is PH_NO_OFFSET. */
struct py_offsets {
	__u32 version_hex;   /* PY_VERSION_HEX of the tables' minor version */
	__u8 frame_kind;     /* enum ph_frame_kind */
	__u8 owner_skip_min; /* skip frames with owner >= this (3.12+: 3); 0: none */
	__u8 exec_tag_bits;  /* low bits tagging f_executable (3.14+: 3) */
	__u8 _pad0;

	/* _PyRuntimeState, PyInterpreterState */
	__u32 runtime_interpreters_head;
	__u32 interp_next;
	__u32 interp_threads_head;
	__u32 interp_gil_ptr; /* 3.12+: interp->ceval.gil (a pointer) */
	__u32 gil_locked;     /* in the GIL struct (<=3.11: from _PyRuntime) */
	__u32 gil_last_holder;
	__u32 runtime_gil;    /* <=3.11: offset of ceval.gil in _PyRuntime */
	__u32 gc_collecting;  /* int gc.collecting: in _PyRuntime (3.8), else the interpreter */

	/* PyThreadState */
	__u16 tstate_size_read; /* bytes read at once from a thread state */
	__u16 tstate_next;
	__u16 tstate_interp;
	__u16 tstate_frame;           /* frame (<=3.10), cframe (3.11, 3.12), current_frame */
	__u16 cframe_current_frame;   /* 3.11, 3.12 only */
	__u16 tstate_thread_id;       /* pthread_self() */
	__u16 tstate_native_thread_id; /* 3.11+: gettid() in the target's pid ns */
	__u16 tstate_holds_gil;       /* 3.14+: int */
	__u16 tstate_status;          /* 3.12+: _status bit field word */
	__u16 _pad2;
	__u32 tstate_status_holds_gil_mask; /* 3.13 only */

	/* frames: PyFrameObject (<=3.10) or _PyInterpreterFrame */
	__u16 frame_size_read; /* bytes read at once from a frame */
	__u16 frame_previous;  /* f_back or previous */
	__u16 frame_code;      /* f_code or f_executable */
	__u16 frame_lasti;     /* f_lasti (int), <=3.10 */
	__u16 frame_instr;     /* prev_instr or instr_ptr, 3.11+ */
	__u16 frame_owner;     /* 3.11+ (char) */
	__u16 tstate_datastack_chunk; /* 3.11+: the thread's current frame data stack chunk */
	__u16 _pad5;

	/* PyCodeObject */
	__u16 code_size_read; /* bytes read at once from a code object */
	__u16 code_filename;
	__u16 code_name;
	__u16 code_qualname; /* 3.11+ */
	__u16 code_linetable; /* co_lnotab (<=3.9) or co_linetable */
	__u16 code_firstlineno;
	__u16 code_adaptive; /* 3.11+: offsetof(PyCodeObject, co_code_adaptive) */
	__u16 code_check;    /* start of the 8 bytes hashed into a frame's check */

	/* str (PyASCIIObject / PyCompactUnicodeObject) and bytes */
	__u16 str_length;
	__u16 str_state;
	__u16 str_ascii_size;   /* sizeof(PyASCIIObject): data of compact ASCII */
	__u16 str_compact_size; /* sizeof(PyCompactUnicodeObject) */
	__u32 str_kind_mask;    /* in the 32-bit state word */
	__u32 str_compact_mask;
	__u32 str_ascii_mask;
	__u8 str_kind_shift;
	__u8 _pad3[3];
	__u16 bytes_size; /* ob_size */
	__u16 bytes_sval; /* ob_sval */
	__u32 _pad4;
};

/* What the kernel knows of a process (struct ph_proc.state). */
#define PH_PROC_PROBING 0 /* seen, not classified yet: samples count as PROC_NOT_READY */
#define PH_PROC_READY	1 /* a Python process, walkable with off */
#define PH_PROC_IGNORED 2 /* not Python (or pyhawk itself): its samples cost one lookup */

/* ph_proc.reports from which a PROBING process is reported once a second */
#define PH_REPORTS_SLOW 250

/* ph_proc.flags */
#define PH_PF_FOLLOW (1u << 0) /* -s: its children are targets too (fork) */
#define PH_PF_TARGET                                                                               \
	(1u << 1) /* asked for (-p, the command, their followed                                    \
		   * children): samples count while PROBING */

/* One process the BPF programs know: key = pid (tgid). Filled by user space
 * when it classifies a process, and by the fork and exec tracepoints
 * (discover.bpf.h); read by every program. */
struct ph_proc {
	__u64 runtime;	 /* address of _PyRuntime in the process */
	__u32 cookie;	 /* user-space id of this process incarnation (exec) */
	__u32 state;	 /* PH_PROC_* */
	__u32 flags;	 /* PH_PF_* */
	__u32 reports;	 /* PROBING: reports sent (each waits twice as long) */
	__u64 report_ns; /* PROBING: no report to user space before this time */
	struct py_offsets off;
};

/* What a thread was doing at its sample (struct ph_sample.state), decided
 * in the kernel from the task's scheduler state and, when it is blocked,
 * the system call it is blocked in (x86-64 numbers). */
enum ph_thread_state {
	PH_TS_UNKNOWN = 0,
	PH_TS_ONCPU = 1,    /* running on a CPU */
	PH_TS_RUNNABLE = 2, /* ready, waiting for a CPU */
	PH_TS_GIL_WAIT = 3, /* blocked on the GIL's mutex or condition */
	PH_TS_LOCK = 4,	    /* blocked on another futex: a lock, a condition */
	PH_TS_IO = 5,	    /* blocked in read/recv/poll/select/epoll and the like */
	PH_TS_SLEEP = 6,    /* nanosleep, clock_nanosleep, select with no fds */
	PH_TS_OTHER = 7,    /* blocked anywhere else (wait4, a page fault...) */
	PH_TS_MAX,
};

/* Sample flags */
#define PH_SF_TRUNCATED (1u << 0) /* more frames existed beyond PH_MAX_FRAMES */
#define PH_SF_GIL (1u << 1)       /* the thread held the GIL */
#define PH_SF_ONCPU (1u << 2)     /* taken by the on-CPU (perf_event) sampler */
#define PH_SF_PARTIAL (1u << 3)   /* a read failed mid-walk: outer frames missing */
#define PH_SF_MOVED (1u << 4)     /* dump: a running thread's stack kept moving
				   * while it was read; it may mix two moments */
#define PH_SF_GC                                                                                   \
	(1u << 5) /* the thread held the GIL while its interpreter                                 \
		   * was collecting garbage: it runs the collection */

/* Event types on the ring buffer */
#define PH_EV_SAMPLE 1
#define PH_EV_CODE 2
#define PH_EV_EXIT 3
#define PH_EV_PROC   4
#define PH_EV_THREAD	  5
#define PH_EV_FRAME_ADDRS 6
#define PH_EV_IMPORT	  7
#define PH_EV_CALL_SITE	  8

/* One Python frame: the code object, the instruction position and a check
 * value of the code object (so user space notices a freed-and-reused
 * address). lasti is raw: f_lasti (<=3.10) or the byte offset of
 * prev_instr/instr_ptr from the code's first instruction (3.11+). */
struct ph_frame {
	__u64 code;
	__s32 lasti;
	__u32 check;
};

/* A sampled stack, innermost frame first; only the first nframes frames are
 * sent. */
struct ph_sample {
	__u32 type; /* PH_EV_SAMPLE */
	__u32 pid;
	__u32 tid;
	__u32 cookie;
	__u64 time_ns;
	__u64 tstate;
	__u32 nframes;
	__u16 flags;  /* PH_SF_* */
	__u16 reason; /* why the stack is partial, if it is */
	__u8 comm[PH_COMM_LEN];
	__u8 state; /* enum ph_thread_state */
	__u8 _pad[3];
	/* Task iterator: samples of this thread since its last one, taken
	 * while it did not run: they count against that earlier stack. */
	__u32 prior;
	struct ph_frame frames[PH_MAX_FRAMES];
};
#define PH_SAMPLE_HDR_SIZE 64

/* The task iterator's threads (PH_EV_THREAD): user space keeps an iterator
 * per thread it visits every tick, and drops it while the thread is
 * parked. */
#define PH_THREAD_NEW	 1 /* a target process made a thread */
#define PH_THREAD_PARKED 2 /* unchanged for PH_PARK_AFTER ticks: not visited
			    * until it runs again (tick: when parked) */
#define PH_THREAD_WOKE	 3 /* a parked thread was switched in */
#define PH_THREAD_EXIT	 4 /* count: its samples not sent yet (taken while
			    * it did not run), against its last stack */
#define PH_PARK_AFTER	 32
struct ph_thread_event {
	__u32 type; /* PH_EV_THREAD */
	__u32 pid;
	__u32 tid;
	__u32 kind; /* PH_THREAD_* */
	__u64 tick;
	__u32 count;
	__u32 _pad;
};

/* What the task iterator remembers of a thread (key: its id), and user
 * space reads at the end of a capture for the samples still pending. */
struct ph_idle_thread {
	__u64 runtime;	/* se.sum_exec_runtime at the last walk */
	__u64 switches; /* nvcsw + nivcsw at the last walk */
	__u32 pid;
	__u32 cookie;  /* of the process incarnation walked */
	__u32 pending; /* samples since the last one sent, not walked */
	__u16 last;    /* 0: the last walk sent a sample; else its drop reason */
	__u16 streak;  /* visits in a row that found it unchanged */
};

/* dump --locals: the address of each frame of the sample just sent (same
 * order), so user space can read the frames' variables. */
struct ph_frame_addrs {
	__u32 type; /* PH_EV_FRAME_ADDRS */
	__u32 pid;
	__u32 tid;
	__u32 nframes;
	__u64 addrs[PH_MAX_FRAMES];
};
#define PH_FRAME_ADDRS_HDR_SIZE 16

/* A code object's names and line table, sent by the kernel the first time a
 * sampled stack holds it, so a process that exits before user space reads
 * its memory still gets names and lines. Strings are copied raw: `kind`
 * bytes per character (1: latin-1, 2: UCS-2, 4: UCS-4), lengths in bytes.
 * Each part has a fixed slot in data[] (PH_CODE_SLOT()), so the kernel can
 * write them at constant offsets; only the bytes up to the end of the line
 * table are sent. */
struct ph_code {
	__u32 type; /* PH_EV_CODE */
	__u32 pid;
	__u32 cookie;
	__u32 check;
	__u64 code;
	__s32 firstlineno;
	__u16 len[4];  /* filename, name, qualname, line table */
	__u8 kind[4];  /* per string; 0 = not read */
	__u8 trunc[4]; /* 1 if the kernel copied only a prefix */
	__u8 _pad[4];
	__u8 data[3 * PH_STR_MAX + PH_LINETABLE_MAX];
};
#define PH_CODE_HDR_SIZE 48
/* Where an object's ob_type is, and a type's tp_name (PyObject_HEAD and
 * PyObject_VAR_HEAD of non-debug builds): a code object's type is named
 * "code". */
#define PH_OBJ_TYPE  8
#define PH_TYPE_NAME 24

/* A frame's check: a hash of its code object's co_filename and co_name
 * pointers (two different live code objects at one address over time
 * rarely share both). Never 0: 0 means "unknown". The kernel computes it
 * at the sample; user space compares it with what it reads later. */
static inline __u32 ph_code_check(__u64 filename, __u64 name)
{
	__u64 h = (filename ^ (name * 0x9E3779B97F4A7C15ull)) * 0xBF58476D1CE4E5B9ull;

	return (__u32)(h >> 32) | 1;
}
#define PH_CODE_SLOT(i) ((i) * PH_STR_MAX)
#define PH_CODE_FILENAME 0
#define PH_CODE_NAME 1
#define PH_CODE_QUALNAME 2
#define PH_CODE_LINETABLE 3

/* Sent when a tracked process exits (its last thread). */
/* The interpreter's USDT probes (usdt.bpf.h). */
#define PH_MODNAME_MAX	 128
#define PH_CALL_FILE_MAX 192
#define PH_CALL_NAME_MAX 96

/* import__find__load__start / __done, in the order the thread ran them. */
struct ph_import_event {
	__u32 type; /* PH_EV_IMPORT */
	__u32 pid;
	__u32 tid;
	__u32 done; /* 0: start, 1: done */
	__u64 time_ns;
	char name[PH_MODNAME_MAX];
};

/* Per process: collections by generation, their pauses (gc__start to
 * gc__done of the same thread). */
struct ph_gc_stats {
	__u64 collections[3];
	__u64 pause_ns;
	__u64 max_pause_ns;
	__u64 collected; /* objects the collections freed */
};

/* --calls: a function as function__entry names it (the strings' addresses
 * in the process: stable while its code object lives). */
struct ph_call_key {
	__u32 pid;
	__u32 line;
	__u64 file;
	__u64 func;
};

/* The first call of a ph_call_key: its strings, read once. */
struct ph_call_site {
	__u32 type; /* PH_EV_CALL_SITE */
	__u32 _pad;
	struct ph_call_key key;
	char file[PH_CALL_FILE_MAX];
	char func[PH_CALL_NAME_MAX];
};

struct ph_exit {
	__u32 type; /* PH_EV_EXIT */
	__u32 pid;
	__u32 cookie;
	__u32 _pad;
};

/* A process user space should classify (again): a new process of --all or
 * a child of a followed one (fork), a known one that ran exec, or one the
 * sampler saw running that it has no classification for (rate-limited). */
#define PH_PROC_EV_FORK 1
#define PH_PROC_EV_EXEC 2
#define PH_PROC_EV_SEEN 3
struct ph_proc_event {
	__u32 type; /* PH_EV_PROC */
	__u32 pid;
	__u32 ppid; /* FORK: the parent */
	__u32 kind; /* PH_PROC_EV_* */
};

#endif /* PYHAWK_H */
