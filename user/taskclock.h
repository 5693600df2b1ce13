/* taskclock.h: the cpu-clock perf events that drive on-CPU sampling: one
 * per CPU (--all), or the target threads' own (targeted captures). */
#ifndef TASKCLOCK_H
#define TASKCLOCK_H

#include <stdbool.h>
#include <sys/types.h>

struct bpf_program;
struct taskclock;

/* Events that run prog at rate Hz. */
struct taskclock *taskclock__new(struct bpf_program *prog, int rate);
void taskclock__free(struct taskclock *tc);

/* One event per online CPU: every task that runs is sampled. 0 or -errno. */
int taskclock__cpus(struct taskclock *tc);

/* An event of the thread tid's own, counting only its CPU time, inherited
 * by the threads and processes it starts from now on. 0, -ESRCH when the
 * thread is gone, or -errno. A thread already watched: 0. */
int taskclock__thread(struct taskclock *tc, pid_t tid);

/* Every thread of pid, as its list reads now; threads started later
 * inherit their creator's event. 0, -ESRCH when the process is gone, or
 * -errno. */
int taskclock__process(struct taskclock *tc, pid_t pid);

/* Events open (for --verbose and tests). */
int taskclock__count(const struct taskclock *tc);

#endif /* TASKCLOCK_H */
