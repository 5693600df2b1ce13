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
/* procfs__cmdline's text from the n bytes it read into buf (room for n + 1); returns its length. */
size_t procfs__cmdline_text(char *buf, size_t n);
/* A thread's kernel name (comm). Returns its length or -errno. */
int procfs__comm(pid_t pid, uint32_t tid, char *buf, size_t len);
/* procfs__comm's name from the n bytes it read into buf (room for n + 1); returns its length. */
size_t procfs__comm_text(char *buf, size_t n);
/* The process a thread id belongs to (Tgid), or -errno. */
pid_t procfs__tgid(pid_t tid);
/* The parent process (PPid), or -errno. */
pid_t procfs__ppid(pid_t pid);
/* One /proc/PID/status line: 0 and *out (in base) for "field:\tN", else -ENOENT or -EINVAL. */
int procfs__parse_status_line(const char *line, const char *field, int base,
			      unsigned long long *out);
/* A status line's NSpid ids (outermost first): their count, the first and last; else -ENOENT. */
int procfs__parse_nspid(const char *line, uint32_t *first, uint32_t *last);
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
/* Fields 3 and 9 (state, PF_* flags) of a /proc/PID/stat line (comm may hold ") "): 0, -EINVAL. */
int procfs__parse_state(const char *stat, char *state, unsigned int *flags);
/* One line of /proc/PID/maps, without its '\n'. */
struct procfs_mapping {
	uint64_t start, end, offset;
	unsigned long long inode;
	unsigned int major, minor;
	const char *path; /* in the line: "" for an anonymous mapping */
};
/* Parses a /proc/PID/maps line into m: 0, or -EINVAL when it is not one. */
int procfs__parse_maps_line(const char *line, struct procfs_mapping *m);
/* Calls fn for every process in /proc (ascending order not promised);
 * stops when fn returns non-zero and returns that. */
int procfs__foreach_pid(int (*fn)(pid_t pid, void *ctx), void *ctx);
/* Calls fn for every thread of pid (/proc/PID/task); -ESRCH if it is gone. */
int procfs__foreach_thread(pid_t pid, int (*fn)(pid_t tid, void *ctx), void *ctx);

#endif /* PROCFS_H */
