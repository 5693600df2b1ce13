/* taskclock.c: the cpu-clock perf events that drive on-CPU sampling.
 *
 * --all samples every CPU. A targeted capture samples only its targets'
 * threads: a cpu-clock event opened on a thread counts that thread's own
 * CPU time, so its timer runs (and interrupts) only while the thread runs,
 * and with `inherit` every thread and process the thread starts later gets
 * a copy of the event with the same BPF program. Threads that already run
 * when pyhawk attaches each get an event of their own, with their id as
 * the BPF cookie and an entry in the kernel's `watched` map; a thread
 * started by a watched thread while the others are being opened has the
 * inherited event too, and the kernel side ignores that one's samples. */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "hashmap.h"
#include "procfs.h"
#include "taskclock.h"

struct event {
	int fd;
	struct bpf_link *link;
};

struct taskclock {
	struct bpf_program *prog;
	int watched_fd;
	int rate;
	struct event *ev;
	int nev, cap;
	struct hashmap *threads; /* tid -> 1: has an event of its own */
};

/* A process whose threads keep appearing faster than they are opened is
 * left to inheritance after this many passes over its list. */
#define PROCESS_PASSES 8

struct taskclock *taskclock__new(struct bpf_program *prog, int watched_fd, int rate)
{
	struct taskclock *tc = calloc(1, sizeof(*tc));

	if (!tc)
		return NULL;
	tc->prog = prog;
	tc->watched_fd = watched_fd;
	tc->rate = rate;
	tc->threads = hashmap__new(sizeof(uint32_t));
	if (!tc->threads) {
		free(tc);
		return NULL;
	}
	return tc;
}

void taskclock__free(struct taskclock *tc)
{
	if (!tc)
		return;
	for (int i = 0; i < tc->nev; i++) {
		bpf_link__destroy(tc->ev[i].link);
		close(tc->ev[i].fd);
	}
	free(tc->ev);
	hashmap__free(tc->threads);
	free(tc);
}

int taskclock__count(const struct taskclock *tc)
{
	return tc ? tc->nev : 0;
}

/* pid -1 and a cpu: that CPU's event; a tid and cpu -1: that thread's,
 * inherited by what it starts. */
static int open_clock(struct taskclock *tc, pid_t tid, int cpu)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.sample_freq = (unsigned long long)tc->rate,
		.freq = 1,
		.inherit = tid > 0,
	};
	int fd = (int)syscall(__NR_perf_event_open, &attr, tid > 0 ? tid : -1, cpu, -1,
			      PERF_FLAG_FD_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static int attach(struct taskclock *tc, int fd, uint32_t cookie)
{
	DECLARE_LIBBPF_OPTS(bpf_perf_event_opts, opts, .bpf_cookie = cookie);
	struct bpf_link *link;
	struct event *ev;

	if (tc->nev == tc->cap) {
		int cap = tc->cap ? 2 * tc->cap : 8;

		ev = realloc(tc->ev, (size_t)cap * sizeof(*ev));
		if (!ev) {
			close(fd);
			return -ENOMEM;
		}
		tc->ev = ev;
		tc->cap = cap;
	}
	link = bpf_program__attach_perf_event_opts(tc->prog, fd, &opts);
	if (!link) {
		int err = -errno;

		close(fd);
		return err;
	}
	tc->ev[tc->nev].fd = fd;
	tc->ev[tc->nev].link = link;
	tc->nev++;
	return 0;
}

int taskclock__cpus(struct taskclock *tc)
{
	int ncpus = libbpf_num_possible_cpus(), fd, err;

	if (ncpus <= 0)
		return ncpus < 0 ? ncpus : -ENODEV;
	for (int cpu = 0; cpu < ncpus; cpu++) {
		fd = open_clock(tc, -1, cpu);
		if (fd == -ENODEV)
			continue; /* possible but offline CPU */
		if (fd < 0)
			return fd;
		err = attach(tc, fd, 0);
		if (err)
			return err;
	}
	return 0;
}

int taskclock__thread(struct taskclock *tc, pid_t tid)
{
	uint32_t key = (uint32_t)tid;
	uint64_t seen;
	uint8_t one = 1;
	int fd, err;

	if (!hashmap__get(tc->threads, &key, &seen))
		return 0;
	/* In the map before its event runs: a sample of the inherited event
	 * in between is dropped (and counted), never taken twice. */
	if (bpf_map_update_elem(tc->watched_fd, &key, &one, BPF_ANY))
		return errno == E2BIG ? -E2BIG : -errno;
	fd = open_clock(tc, tid, -1);
	if (fd < 0) {
		bpf_map_delete_elem(tc->watched_fd, &key);
		return fd;
	}
	err = attach(tc, fd, key);
	if (err) {
		bpf_map_delete_elem(tc->watched_fd, &key);
		return err;
	}
	return hashmap__set(tc->threads, &key, 1);
}

struct pass {
	struct taskclock *tc;
	int added, err;
};

static int watch_one(pid_t tid, void *ctx)
{
	struct pass *p = ctx;
	uint32_t key = (uint32_t)tid;
	uint64_t seen;
	int err;

	if (!hashmap__get(p->tc->threads, &key, &seen))
		return 0;
	err = taskclock__thread(p->tc, tid);
	if (err == -ESRCH)
		return 0; /* it ended since the list was read */
	if (err) {
		p->err = err;
		return 1;
	}
	p->added++;
	return 0;
}

int taskclock__process(struct taskclock *tc, pid_t pid)
{
	for (int i = 0; i < PROCESS_PASSES; i++) {
		struct pass p = {.tc = tc};
		int err = procfs__foreach_thread(pid, watch_one, &p);

		if (p.err)
			return p.err;
		if (err)
			return err;
		if (!p.added)
			return 0;
	}
	return 0;
}
