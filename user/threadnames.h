/* threadnames.h: names of sampled threads: the kernel's at first, the
 * target's threading module's as soon as it can be read. */
#ifndef THREADNAMES_H
#define THREADNAMES_H

#include <stdint.h>
#include <sys/types.h>

struct threadnames;

typedef void (*threadnames_cb)(void *ctx, pid_t pid, uint32_t tid, const char *name);

struct threadnames *threadnames__new(threadnames_cb cb, void *ctx);
void threadnames__free(struct threadnames *tn);
/* A walkable process: where its threading module can be read. */
int threadnames__set_proc(struct threadnames *tn, pid_t pid, uint32_t version_hex,
			  uint64_t runtime);
/* Forgets a process (exit or exec) and its threads. */
void threadnames__forget_proc(struct threadnames *tn, pid_t pid);
/* A sample of thread tid of pid arrived; comm is the kernel's name in it
 * (PH_COMM_LEN bytes, maybe without a NUL). Names a new thread at once. */
void threadnames__sampled(struct threadnames *tn, pid_t pid, uint32_t tid, const uint8_t *comm);
/* Takes the looks at threading that are due (new threads whose look
 * waited for the gap after the last), and returns when the next is due
 * (CLOCK_MONOTONIC seconds; 0: none). */
double threadnames__due(struct threadnames *tn);
/* Last look at threading for threads still without its name. */
void threadnames__at_end(struct threadnames *tn);
/* Distinct threads sampled so far. */
uint64_t threadnames__count(const struct threadnames *tn);

#endif /* THREADNAMES_H */
