/* launch.c: starting the command to profile, held until its PID is known. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "fdlimit.h"
#include "launch.h"

int launch__start(char **argv, bool capture, struct launch *l)
{
	int go[2], status[2], child_err = 0;
	pid_t pid, parent;
	sigset_t none;
	char c;

	l->pid = 0;
	l->go_fd = l->status_fd = -1;
	if (pipe2(go, O_CLOEXEC))
		return -errno;
	if (pipe2(status, O_CLOEXEC)) {
		child_err = -errno;
		close(go[0]);
		close(go[1]);
		return child_err;
	}
	parent = getpid();
	pid = fork();
	if (pid < 0) {
		child_err = -errno;
		close(go[0]);
		close(go[1]);
		close(status[0]);
		close(status[1]);
		return child_err;
	}
	if (pid == 0) {
		/* The command never outlives pyhawk: if pyhawk dies without
		 * ending it (SIGKILL, a crash), the kernel kills it. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
			_exit(127);
		close(go[1]);
		close(status[0]);
		while (read(go[0], &c, 1) < 0 && errno == EINTR)
			;
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		/* pyhawk holds its stop signals while it starts: not the command. */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		fdlimit__restore(); /* the limit it was given, not pyhawk's */
		if (capture) {
			int null = open("/dev/null", O_WRONLY);

			if (null >= 0) {
				dup2(null, STDOUT_FILENO);
				dup2(null, STDERR_FILENO);
				if (null > STDERR_FILENO)
					close(null);
			}
		}
		execvp(argv[0], argv);
		child_err = errno;
		if (write(status[1], &child_err, sizeof(child_err)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(status[1]);
	l->pid = pid;
	l->go_fd = go[1];
	l->status_fd = status[0];
	return 0;
}

int launch__release(struct launch *l)
{
	int child_err = 0;
	ssize_t n;

	close(l->go_fd); /* the child execs */
	l->go_fd = -1;
	do
		n = read(l->status_fd, &child_err, sizeof(child_err));
	while (n < 0 && errno == EINTR);
	close(l->status_fd);
	l->status_fd = -1;
	if (n != sizeof(child_err))
		return 0;
	waitpid(l->pid, NULL, 0);
	return child_err ? child_err : ENOEXEC;
}

void launch__abort(struct launch *l)
{
	/* Killed before the pipe closes: EOF on it would let the child exec. */
	if (l->pid > 0 && l->go_fd >= 0)
		kill(l->pid, SIGKILL);
	if (l->go_fd >= 0)
		close(l->go_fd);
	if (l->status_fd >= 0)
		close(l->status_fd);
	if (l->pid > 0 && l->go_fd >= 0)
		waitpid(l->pid, NULL, 0);
	l->go_fd = l->status_fd = -1;
	l->pid = 0;
}
