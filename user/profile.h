/* profile.h: aggregated samples: stacks of interned frames with counts. */
#ifndef PROFILE_H
#define PROFILE_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

enum profile_frame_kind {
	PF_PYTHON = 0,	  /* a Python function: name (file:line) */
	PF_THREAD = 1,	  /* synthetic root: thread (tid): name */
	PF_PROCESS = 2,	  /* synthetic root: process PID: command line */
	PF_TRUNCATED = 3, /* synthetic root: [truncated] or [partial] */
	PF_OTHER = 4,	  /* anything else shown as its name alone */
};

struct profile_frame {
	const char *name; /* qualname, or the synthetic root's text */
	const char *file; /* short or full filename; NULL for synthetic frames */
	int line;         /* 0 = no line (--nolineno) */
	int kind;         /* enum profile_frame_kind */
	/* Where the function comes from, when known (profile__set_frame_source);
	 * not part of the frame's identity. */
	const char *path; /* its file's full path, as the target saw it; NULL: unknown */
	int first_line;	  /* its first line (co_firstlineno); 0: unknown */
};

struct profile_meta {
	const char *command; /* what was profiled, for titles */
	double rate_hz;      /* requested sampling rate */
	double duration_s;   /* wall time of the capture */
	bool wall;	     /* --idle: samples are wall-clock time, off-CPU threads included */
	bool first_lines;    /* -F: a frame's line is its function's first line */
};

struct profile;

struct profile *profile__new(void);
void profile__free(struct profile *p);

/* Interns a frame (strings are copied) and returns its id (>= 0), or
 * -ENOMEM. The same (name, file, line, kind) always gives the same id.
 * Invalid UTF-8 is stored as U+FFFD, so every writer emits valid UTF-8;
 * a NULL name is stored as "", a NULL or empty file as NULL. Ids are dense,
 * from 0 in the order frames were first interned. */
int64_t profile__frame_id(struct profile *p, const char *name, const char *file, int line, int kind);
const struct profile_frame *profile__frame(const struct profile *p, uint32_t id);
/* Records where frame id's function comes from: the full path of its file
 * as the target saw it (NULL: unknown) and its first line (0: unknown).
 * What a frame already has stays (frames with one label from two files keep
 * the first file's). Returns 0, -EINVAL (no such frame) or -ENOMEM. */
int profile__set_frame_source(struct profile *p, uint32_t id, const char *path, int first_line);

/* Adds count samples of a stack of frame ids, root (outermost) first, taken
 * from thread tid of process pid. Returns 0, -EINVAL (an id that
 * profile__frame_id did not return) or -ENOMEM. count 0 adds nothing. An
 * empty stack (n == 0, frames may be NULL) still counts: outputs show it as
 * a "[no Python frames]" frame. */
int profile__add(struct profile *p, uint32_t pid, uint32_t tid, const uint32_t *frames, uint32_t n,
		 uint64_t count);

/* Set (or replace) a thread's name and a process's command line, shown in
 * the synthetic roots; strings are copied. Return 0 or -ENOMEM. */
int profile__set_thread_name(struct profile *p, uint32_t pid, uint32_t tid, const char *name);
int profile__set_process(struct profile *p, uint32_t pid, const char *cmdline);
/* A thread's name and a process's command line as last set, or NULL
 * (strings owned by p). */
const char *profile__thread_name(const struct profile *p, uint32_t pid, uint32_t tid);
const char *profile__process_cmdline(const struct profile *p, uint32_t pid);
/* Copies meta (and its command string); a NULL meta clears it. */
void profile__set_meta(struct profile *p, const struct profile_meta *meta);

uint64_t profile__total(const struct profile *p);

/* Decodes the UTF-8 sequence at s into *cp and returns its length (1-4), or
 * 0 for an invalid one (overlong, surrogate, past U+10FFFF; *cp is then
 * U+FFFD: skip one byte). The profile's strings are always valid; the
 * writers use it to walk them and to check strings from elsewhere. */
size_t profile__utf8_next(const char *s, uint32_t *cp);

/* Meta as last set (strings owned by p; command may be NULL). */
const struct profile_meta *profile__meta(const struct profile *p);
/* Number of distinct processes (pids) that have samples. */
uint32_t profile__npids(const struct profile *p);

/* Writes the label of f (what every output shows for it) to buf like
 * snprintf: "name (file:line)", "name (file)" when line is 0, or the name
 * alone for synthetic frames. Returns the full length. */
size_t profile__frame_label(const struct profile_frame *f, char *buf, size_t size);

/*
 * A view: the final stacks as the writers show them. Synthetic roots are
 * prepended to every stack ("process PID: CMDLINE" above "thread (TID):
 * NAME"), then stacks with the same frame sequence are merged. Stacks come
 * sorted by group, then frame by frame by label (ties by frame id), so that
 * every writer's output is stable and siblings come in label order.
 */
enum profile_group_by {
	PROFILE_GROUP_NONE = 0,    /* one group holding every stack */
	PROFILE_GROUP_THREAD = 1,  /* a group per (pid, tid) */
	PROFILE_GROUP_PROCESS = 2, /* a group per pid */
};

struct profile_view_opts {
	bool threads; /* a thread root per stack, unless grouped by thread */
	bool processes; /* a process root even when there is one pid */
	int group_by; /* enum profile_group_by */
	/* A process root is added when the profile has more than one pid,
	 * unless grouped by process. */
};

struct profile_stack {
	const uint32_t *frames; /* view frame ids, root first */
	uint32_t n;
	uint32_t group; /* index of its group */
	uint64_t count;
};

struct profile_group {
	const char *name; /* "thread (TID): NAME", "process PID: CMDLINE" or "all" */
	uint32_t pid, tid; /* tid is 0 for a process group; both 0 for "all" */
	uint64_t total;
};

struct profile_view;

/* Builds a view of p. Returns 0 or -ENOMEM / -EINVAL. p must outlive it. */
int profile__view(const struct profile *p, const struct profile_view_opts *opts,
		  struct profile_view **out);
void profile_view__free(struct profile_view *v);

uint64_t profile_view__total(const struct profile_view *v);
size_t profile_view__nstacks(const struct profile_view *v);
const struct profile_stack *profile_view__stack(const struct profile_view *v, size_t i);
uint32_t profile_view__ngroups(const struct profile_view *v);
const struct profile_group *profile_view__group(const struct profile_view *v, uint32_t i);
/* Frames of the view: the profile's plus the synthetic roots it added. */
uint32_t profile_view__nframes(const struct profile_view *v);
const struct profile_frame *profile_view__frame(const struct profile_view *v, uint32_t id);
const char *profile_view__label(const struct profile_view *v, uint32_t id);

#endif /* PROFILE_H */
