/* procfs.c: what pyhawk reads from /proc about processes and threads. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "procfs.h"

/* /proc/PID/name, open: an fd, or -ESRCH when the process is gone. */
static int open_pid_file(pid_t pid, const char *name)
{
	char path[64];
	int fd;

	if (pid <= 0)
		return -ESRCH;
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	return fd;
}

int procfs__cmdline(pid_t pid, char *buf, size_t len)
{
	size_t n = 0;
	int fd;

	if (!buf || !len)
		return -EINVAL;
	buf[0] = '\0';
	fd = open_pid_file(pid, "cmdline");
	if (fd < 0)
		return fd;
	/* /proc hands cmdline out a page at a time: loop until full or EOF. */
	while (n < len - 1) {
		ssize_t r = read(fd, buf + n, len - 1 - n);

		if (r < 0) {
			int err = errno == ESRCH ? -ESRCH : -errno;

			if (errno == EINTR)
				continue;
			close(fd);
			buf[0] = '\0';
			return err;
		}
		if (!r)
			break;
		n += r;
	}
	close(fd);
	procfs__cmdline_text(buf, n);
	return 0;
}

size_t procfs__cmdline_text(char *buf, size_t n)
{
	/* The target chose these bytes and the command layer prints them:
	 * no control characters get through to a terminal. */
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = buf[i];

		if (!ch)
			buf[i] = ' ';
		else if (ch < 0x20 || ch == 0x7f)
			buf[i] = '?';
	}
	while (n && buf[n - 1] == ' ')
		n--;
	buf[n] = '\0';
	return n;
}

int procfs__comm(pid_t pid, uint32_t tid, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	if (!buf || !len)
		return -EINVAL;
	snprintf(path, sizeof(path), "/proc/%d/task/%u/comm", (int)pid, tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	return (int)procfs__comm_text(buf, (size_t)n);
}

size_t procfs__comm_text(char *buf, size_t n)
{
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return n;
}

/* The value of a "Name:\tvalue" line of /proc/PID/status (pid 0: pyhawk
 * itself), parsed in base; -ESRCH if the process or the line is missing. */
static int status_value(pid_t pid, const char *field, int base, unsigned long long *out)
{
	char path[64], line[256];
	int err = -ESRCH;
	FILE *f;

	if (pid < 0)
		return -ESRCH;
	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/status");
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	while (fgets(line, sizeof(line), f)) {
		int r = procfs__parse_status_line(line, field, base, out);

		if (r != -ENOENT) {
			err = r ? -ESRCH : 0;
			break;
		}
	}
	fclose(f);
	return err;
}

int procfs__parse_status_line(const char *line, const char *field, int base,
			      unsigned long long *out)
{
	size_t flen = strlen(field);
	char *end;

	if (strncmp(line, field, flen) || line[flen] != ':')
		return -ENOENT;
	errno = 0;
	*out = strtoull(line + flen + 1, &end, base);
	return !errno && end != line + flen + 1 ? 0 : -EINVAL;
}

int procfs__parse_nspid(const char *line, uint32_t *first, uint32_t *last)
{
	const char *p = line + 6;
	char *end;
	int count = 0;

	if (strncmp(line, "NSpid:", 6))
		return -ENOENT;
	for (;;) {
		unsigned long v = strtoul(p, &end, 10);

		if (end == p)
			break;
		if (!count++)
			*first = (uint32_t)v;
		*last = (uint32_t)v;
		p = end;
	}
	return count;
}

static pid_t status_field(pid_t pid, const char *field)
{
	unsigned long long v;
	int err = pid > 0 ? status_value(pid, field, 10, &v) : -ESRCH;

	if (err)
		return err;
	return v > INT32_MAX ? -ESRCH : (pid_t)v;
}

int procfs__caps(pid_t pid, const char *set, uint64_t *mask)
{
	unsigned long long v;
	int err = status_value(pid, set, 16, &v);

	if (!err)
		*mask = v;
	return err;
}

pid_t procfs__tgid(pid_t tid)
{
	return status_field(tid, "Tgid");
}

pid_t procfs__ppid(pid_t pid)
{
	return status_field(pid, "PPid");
}

int procfs__parse_cpu(const char *stat, long ticks_per_s, struct procfs_cpu *c)
{
	unsigned long long v[4];
	const char *p = strrchr(stat, ')');
	int field;

	if (!p || ticks_per_s <= 0 || p[1] != ' ' || !p[2])
		return -EINVAL;
	/* Field 3, the state: Z (zombie) or X (dead). */
	c->final = p[2] == 'Z' || p[2] == 'X';
	/* Fields 14-17 (utime stime cutime cstime); p is at the end of field
	 * 2 (the comm), and a space starts each field. */
	for (field = 3; field <= 14; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -EINVAL;
	}
	if (sscanf(p, " %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3]) != 4)
		return -EINVAL;
	c->user_ns = v[0] * (1000000000ull / ticks_per_s);
	c->sys_ns = v[1] * (1000000000ull / ticks_per_s);
	c->cuser_ns = v[2] * (1000000000ull / ticks_per_s);
	c->csys_ns = v[3] * (1000000000ull / ticks_per_s);
	return 0;
}

int procfs__parse_state(const char *stat, char *state, unsigned int *flags)
{
	/* comm may hold spaces and parentheses: fields resume after the last ')'. */
	const char *p = strrchr(stat, ')');

	if (!p || sscanf(p + 1, " %c %*d %*d %*d %*d %*d %u", state, flags) != 2)
		return -EINVAL;
	return 0;
}

int procfs__cpu(pid_t pid, struct procfs_cpu *c)
{
	char buf[1024]; /* the fields needed come early: a cut is harmless */
	int fd = open_pid_file(pid, "stat"), err;
	ssize_t n;

	if (fd < 0)
		return fd;
	n = read(fd, buf, sizeof(buf) - 1);
	err = n < 0 ? -errno : 0;
	close(fd);
	if (err)
		return err;
	buf[n] = '\0';
	return procfs__parse_cpu(buf, sysconf(_SC_CLK_TCK), c);
}

int procfs__parse_maps_line(const char *line, struct procfs_mapping *m)
{
	int n = 0;

	if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %*s %" SCNx64 " %x:%x %llu %n", &m->start,
		   &m->end, &m->offset, &m->major, &m->minor, &m->inode, &n) < 6 ||
	    n <= 0 || (size_t)n > strlen(line))
		return -EINVAL;
	m->path = line + n;
	return 0;
}

/* Calls fn with each numeric entry of the directory path. */
static int foreach_number(const char *path, int (*fn)(pid_t pid, void *ctx), void *ctx)
{
	struct dirent *de;
	int ret = 0;
	DIR *d;

	d = opendir(path);
	if (!d)
		return errno == ENOENT ? -ESRCH : -errno;
	while ((de = readdir(d))) {
		char *end;
		long pid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0 || pid > 0x3fffffff)
			continue;
		ret = fn((pid_t)pid, ctx);
		if (ret)
			break;
	}
	closedir(d);
	return ret;
}

int procfs__foreach_pid(int (*fn)(pid_t pid, void *ctx), void *ctx)
{
	return foreach_number("/proc", fn, ctx);
}

int procfs__foreach_thread(pid_t pid, int (*fn)(pid_t tid, void *ctx), void *ctx)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	return foreach_number(path, fn, ctx);
}
