/* childio.h: reading a spawned interpreter's lines, shared by unit tests. */
#ifndef CHILDIO_H
#define CHILDIO_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* A cold interpreter start, generously. */
#define CHILD_LINE_TIMEOUT_MS 30000

/* Reads one line (without its newline) from fd into buf, waiting at most
 * CHILD_LINE_TIMEOUT_MS for each byte. Returns its length, -ETIMEDOUT, or
 * -EIO at end of file. */
static inline int child_read_line(int fd, char *buf, size_t len)
{
	size_t n = 0;

	while (n < len - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&p, 1, CHILD_LINE_TIMEOUT_MS) <= 0)
			return -ETIMEDOUT;
		r = read(fd, buf + n, 1);
		if (r <= 0)
			return -EIO;
		if (buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
	return (int)n;
}

/* Starts file with argv in its own process group with stdout on a pipe (*out, -1 if
 * out is NULL); returns once exec has happened, so the caller never sees the
 * forked copy of this test. */
static inline pid_t child_spawn(const char *file, char *const argv[], int *out)
{
	int outp[2] = { -1, -1 }, sync[2];
	char c;
	pid_t pid;

	if (out && pipe2(outp, O_CLOEXEC))
		return -1;
	if (pipe2(sync, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* do not outlive a crashed test */
		if (out)
			dup2(outp[1], STDOUT_FILENO);
		execvp(file, argv);
		c = 1;
		if (write(sync[1], &c, 1) < 0)
			_exit(127);
		_exit(127);
	}
	close(sync[1]);
	if (out)
		close(outp[1]);
	/* EOF: the close-on-exec end went away with a successful exec. */
	if (read(sync[0], &c, 1) == 1) {
		close(sync[0]);
		waitpid(pid, NULL, 0);
		if (out)
			close(outp[0]);
		return -1;
	}
	close(sync[0]);
	if (out)
		*out = outp[0];
	return pid;
}

/* Decodes the hex text a child printed (names and reprs travel as hex so
 * any byte survives the line protocol) into NUL-terminated out. */
static inline bool child_unhex(const char *hex, char *out, size_t len)
{
	size_t n = strlen(hex) / 2, i;

	if (strlen(hex) % 2 || n >= len)
		return false;
	for (i = 0; i < n; i++) {
		unsigned int b;

		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			return false;
		out[i] = (char)b;
	}
	out[n] = '\0';
	return true;
}

/* Calls fn(label, path, ctx) for each interpreter of the matrix, as
 * tools/pythons.py lists them. Returns how many, or -1 when the list
 * could not be had (pythons.py did not run, or failed). */
static inline int child_each_python(void (*fn)(const char *label, const char *path, void *ctx),
				    void *ctx)
{
	FILE *p = popen("python3 tools/pythons.py", "r");
	char line[PATH_MAX + 128], label[64], version[32], path[PATH_MAX];
	int n = 0;

	if (!p)
		return -1;
	printf("interpreters (tools/pythons.py):\n");
	while (fgets(line, sizeof(line), p)) {
		if (sscanf(line, "%63s %31s %4095s", label, version, path) != 3)
			continue;
		fn(label, path, ctx);
		n++;
	}
	return pclose(p) ? -1 : n;
}

#endif /* CHILDIO_H */
