/* launch.h: starting the command to profile, held until its PID is known. */
#ifndef LAUNCH_H
#define LAUNCH_H

#include <stdbool.h>
#include <sys/types.h>

struct launch {
	pid_t pid;     /* the child, stopped before exec until launch__release */
	int go_fd;     /* closing it lets the child exec */
	int status_fd; /* the child's exec errno, or EOF once exec succeeded */
};

/* Forks argv's command; the child waits on a pipe so that the caller can
 * register its PID with the kernel first: no sample of it is missed. With
 * capture, the child's stdout and stderr go to /dev/null. Returns 0 or
 * -errno. */
int launch__start(char **argv, bool capture, struct launch *l);
/* Lets the child exec; returns 0, or the positive errno execvp failed with
 * (the child has then exited and been reaped). */
int launch__release(struct launch *l);
/* Closes what is still open (after a failure before release). */
void launch__abort(struct launch *l);

#endif /* LAUNCH_H */
