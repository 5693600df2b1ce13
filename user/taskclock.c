/* taskclock.c: the cpu-clock perf events that drive on-CPU sampling.
 *
 * --all samples every CPU. A targeted capture samples only its targets'
 * threads: a cpu-clock event opened on a thread counts that thread's own
 * CPU time, so its timer runs (and interrupts) only while the thread runs,
 * and with `inherit` every thread and process the thread starts later gets
 * a copy of the event with the same BPF program. A running process's
 * threads are read once and each gets an event: a thread they start while
 * that happens inherits its creator's, if its creator had one by then
 * (threads are opened in the order /proc lists them, the main thread
 * first). The list is not read again: a thread found then could already
 * hold an inherited event, and a second one would time it twice. */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
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
	int rate;
	struct event *ev;
	int nev, cap;
	struct hashmap *threads; /* tid -> 1: has an event of its own */
};

struct taskclock *taskclock__new(struct bpf_program *prog, int rate)
{
	struct taskclock *tc = calloc(1, sizeof(*tc));

	if (!tc)
		return NULL;
	tc->prog = prog;
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

static int attach(struct taskclock *tc, int fd)
{
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
	link = bpf_program__attach_perf_event(tc->prog, fd);
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
		err = attach(tc, fd);
		if (err)
			return err;
	}
	return 0;
}

int taskclock__thread(struct taskclock *tc, pid_t tid)
{
	uint32_t key = (uint32_t)tid;
	uint64_t seen;
	int fd, err;

	if (!hashmap__get(tc->threads, &key, &seen))
		return 0;
	fd = open_clock(tc, tid, -1);
	if (fd < 0)
		return fd;
	err = attach(tc, fd);
	if (err)
		return err;
	return hashmap__set(tc->threads, &key, 1);
}

struct snapshot {
	pid_t *tids;
	int n, cap;
};

static int collect(pid_t tid, void *ctx)
{
	struct snapshot *sn = ctx;

	if (sn->n == sn->cap) {
		int cap = sn->cap ? 2 * sn->cap : 64;
		pid_t *tids = realloc(sn->tids, (size_t)cap * sizeof(*tids));

		if (!tids)
			return -ENOMEM;
		sn->tids = tids;
		sn->cap = cap;
	}
	sn->tids[sn->n++] = tid;
	return 0;
}

/* For the tests only: PYHAWK_TEST_ATTACH_PAUSE_MS=N waits N ms after the
 * main thread's event is open, so that threads it starts meanwhile certainly
 * inherit one while the others are opened. */
static void test_pause(void)
{
	const char *ms = getenv("PYHAWK_TEST_ATTACH_PAUSE_MS");
	struct timespec ts;
	long n;

	if (!ms || (n = strtol(ms, NULL, 10)) <= 0 || n > 10000)
		return;
	ts.tv_sec = n / 1000;
	ts.tv_nsec = (n % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

int taskclock__process(struct taskclock *tc, pid_t pid)
{
	struct snapshot sn = {0};
	int err;

	/* The list before any event: none of these threads can have inherited
	 * one. Then the main thread first (it starts most threads), then the
	 * rest; a thread started meanwhile inherits its creator's event. */
	err = procfs__foreach_thread(pid, collect, &sn);
	if (!err)
		err = taskclock__thread(tc, pid);
	if (!err)
		test_pause();
	for (int i = 0; !err && i < sn.n; i++) {
		err = taskclock__thread(tc, sn.tids[i]);
		if (err == -ESRCH)
			err = 0; /* it ended since the list was read */
	}
	free(sn.tids);
	return err;
}
