/* profile_internal.h: the profile's storage, shared by profile.c and profile_view.c only. */
#ifndef PROFILE_INTERNAL_H
#define PROFILE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "grow.h"
#include "profile.h"

/*
 * Open-addressing hash index over the entries of a growable array. A slot
 * keeps 32 bits of the entry's hash next to its index, so growing never
 * needs the entries, and most probes that miss never touch them.
 */
struct slot {
	uint32_t hash;
	uint32_t idx1; /* entry index + 1; 0 = empty */
};

struct index {
	struct slot *slots;
	size_t mask; /* capacity - 1, capacity a power of two */
	size_t used;
};

/* Frames live in fixed blocks so that profile__frame() pointers stay valid
 * while more frames are interned. */
#define FRAME_BLOCK_SHIFT 10
#define FRAME_BLOCK	  (1u << FRAME_BLOCK_SHIFT)

struct frame_ent {
	struct profile_frame f;
	uint32_t hash;
};

struct stack_ent {
	uint64_t count;
	size_t off; /* into profile.ids */
	uint32_t pid, tid, n, hash;
};

struct thread_ent {
	uint32_t pid, tid;
	char *name;
};

struct process_ent {
	uint32_t pid;
	char *cmdline;
};

struct profile {
	struct frame_ent **fblocks;
	size_t nfblocks;
	uint32_t nframes;
	struct index frame_ix;

	struct stack_ent *stacks;
	size_t nstacks, capstacks;
	uint32_t *ids;
	size_t nids, capids;
	struct index stack_ix;

	struct thread_ent *threads;
	size_t nthreads, capthreads;
	struct index thread_ix;

	struct process_ent *procs;
	size_t nprocs, capprocs;
	struct index proc_ix;

	uint32_t *pids; /* pids that have samples */
	size_t npids, cappids;
	struct index pid_ix;

	struct profile_meta meta;
	uint64_t total;
};

/* The entries profile__set_thread_name and profile__set_process made, or NULL. */
struct thread_ent *profile_find_thread(const struct profile *p, uint32_t pid, uint32_t tid);
struct process_ent *profile_find_proc(const struct profile *p, uint32_t pid);

#endif /* PROFILE_INTERNAL_H */
