/* procfs.h: what pyhawk reads from /proc about processes and threads, in
 * one place. pid = tgid = a process; tid = a thread. Library code: returns
 * -errno (-ESRCH for a process that is gone) and prints nothing. */
#ifndef PROCFS_H
#define PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The command line of pid, NUL separators turned into spaces, control
 * characters into '?' (the target chose these bytes). */
int procfs__cmdline(pid_t pid, char *buf, size_t len);
/* A thread's kernel name (comm). Returns its length or -errno. */
int procfs__comm(pid_t pid, uint32_t tid, char *buf, size_t len);
/* The process a thread id belongs to (Tgid), or -errno. */
pid_t procfs__tgid(pid_t tid);
/* The parent process (PPid), or -errno. */
pid_t procfs__ppid(pid_t pid);
/* A capability set of pid (0: pyhawk itself) as /proc/PID/status shows it:
 * set is "CapPrm", "CapEff", ... Returns 0 or -errno. */
int procfs__caps(pid_t pid, const char *set, uint64_t *mask);
/* CPU time, in ns. */
struct procfs_cpu {
	uint64_t user_ns, sys_ns;   /* the process's threads, live and exited */
	uint64_t cuser_ns, csys_ns; /* its children it waited for (and theirs) */
	bool final;		    /* it has exited (a zombie, not reaped yet): they stay */
};
/* A process's CPU time from /proc/PID/stat: clock ticks (10 ms on most
 * kernels), the kernel's figures for the whole thread group. Readable
 * until the process is reaped (a zombie's are final). */
int procfs__cpu(pid_t pid, struct procfs_cpu *c);
/* The same from a /proc/PID/stat line (its comm may hold ") "), with
 * ticks_per_s clock ticks a second: 0 or -EINVAL. */
int procfs__parse_cpu(const char *stat, long ticks_per_s, struct procfs_cpu *c);
/* Calls fn for every process in /proc (ascending order not promised);
 * stops when fn returns non-zero and returns that. */
int procfs__foreach_pid(int (*fn)(pid_t pid, void *ctx), void *ctx);
/* Calls fn for every thread of pid (/proc/PID/task); -ESRCH if it is gone. */
int procfs__foreach_thread(pid_t pid, int (*fn)(pid_t tid, void *ctx), void *ctx);

#endif /* PROCFS_H */
