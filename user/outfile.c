/* outfile.c: the file a profile goes to: checked before the capture, named
 * by default after what was profiled, written at the end into a temporary
 * file renamed over it, so that a failed write never leaves a partial
 * profile or spoils an old one. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "outfile.h"

/* A descriptor above stderr: with stdout closed, a new file would get fd
 * 1, and whatever writes to stdout would write into the profile. */
static int above_stderr(int fd)
{
	int moved;

	if (fd > STDERR_FILENO)
		return fd;
	moved = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
	close(fd);
	return moved < 0 ? -errno : moved;
}

int outfile__open(const char *path, struct outfile *of)
{
	char dir[PATH_MAX];
	const char *slash, *base;
	struct stat st;
	mode_t mask, mode;
	int fd;

	memset(of, 0, sizeof(*of));
	of->fd = -1;
	if (strlen(path) >= sizeof(of->path))
		return -ENAMETOOLONG;
	snprintf(of->path, sizeof(of->path), "%s", path);
	if (!strcmp(path, "-")) {
		of->fd = STDOUT_FILENO;
		return 0;
	}
	if (stat(path, &st) == 0 && (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
		/* /dev/null, a pipe: no file to replace. A FIFO nobody reads
		 * fails (ENXIO) instead of blocking the start. */
		fd = open(path, O_WRONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0)
			return -errno;
		if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)) {
			close(fd);
			return -errno;
		}
		fd = above_stderr(fd);
		if (fd < 0)
			return fd;
		of->fd = fd;
		return 0;
	}
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return -EISDIR;
	mask = umask(0);
	umask(mask);
	mode = stat(path, &st) == 0 ? st.st_mode & 07777 : 0666 & ~mask;
	slash = strrchr(path, '/');
	base = slash ? slash + 1 : path;
	if (slash)
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path + 1), path);
	else
		dir[0] = '\0';
	if (!*base)
		return -EISDIR;
	if ((size_t)snprintf(of->tmp, sizeof(of->tmp), "%s.%s.XXXXXX", dir, base) >=
	    sizeof(of->tmp))
		return -ENAMETOOLONG;
	fd = mkostemp(of->tmp, O_CLOEXEC);
	if (fd < 0) {
		of->tmp[0] = '\0';
		return -errno;
	}
	fd = above_stderr(fd);
	if (fd < 0 || fchmod(fd, mode)) {
		int err = fd < 0 ? fd : -errno;

		if (fd >= 0)
			close(fd);
		unlink(of->tmp);
		of->tmp[0] = '\0';
		return err;
	}
	of->fd = fd;
	return 0;
}

void outfile__abandon(struct outfile *of)
{
	if (of->fd >= 0 && of->fd != STDOUT_FILENO)
		close(of->fd);
	of->fd = -1;
	if (of->tmp[0])
		unlink(of->tmp);
	of->tmp[0] = '\0';
}

/* Files written as root through sudo belong to the user who ran sudo. */
static void give_to_sudo_user(int fd)
{
	const char *u = getenv("SUDO_UID"), *g = getenv("SUDO_GID");

	/* Best effort: the profile is written either way. */
	if (geteuid() == 0 && u && g && fchown(fd, (uid_t)atoi(u), (gid_t)atoi(g))) {
	}
}

void outfile__default_name(char *buf, size_t len, pid_t pid, char **argv, int format)
{
	const char *what = NULL, *slash;
	char ts[32], who[64];
	time_t t = time(NULL);
	struct tm tm;
	int i;

	localtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y%m%dT%H%M%S", &tm);
	if (pid) {
		snprintf(who, sizeof(who), "%d", (int)pid);
	} else if (!argv) {
		snprintf(who, sizeof(who), "all");
	} else {
		what = argv[0];
		for (i = 1; argv[i]; i++) {
			if (strstr(argv[i], ".py")) {
				what = argv[i];
				break;
			}
		}
		slash = strrchr(what, '/');
		snprintf(who, sizeof(who), "%s", slash ? slash + 1 : what);
		for (i = 0; who[i]; i++)
			if (who[i] == '.' || who[i] == ' ' || who[i] == '/')
				who[i] = who[i] == '.' && strcmp(who + i, ".py") == 0 ? '\0' : '_';
	}
	snprintf(buf, len, "pyhawk-%s-%s.%s", who, ts, output__default_extension(format));
}

/*
 * For the tests only: PYHAWK_TEST_RAW_COPY=PATH writes the same capture in
 * the raw format too, so that a test can hold a format against the raw
 * output of the very same samples (two captures never sample alike). The
 * file must not exist yet: the variable can create a file, never replace
 * one.
 */
static int raw_copy(const struct profile *p, const struct output_opts *oo)
{
	const char *path = getenv("PYHAWK_TEST_RAW_COPY");
	FILE *f;
	int fd, err;

	if (!path || !*path)
		return 0;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		return err;
	}
	err = output__write(p, OUT_RAW, oo, f);
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

/* The profile's stream: write() itself, keeping the first error's errno
 * (stdio would leave only ferror(): "Input/output error" for a full disk). */
struct sink {
	int fd;
	int err;
};

static ssize_t sink_write(void *cookie, const char *buf, size_t len)
{
	struct sink *k = cookie;
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(k->fd, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!k->err)
				k->err = n < 0 ? errno : ENOSPC;
			return done ? (ssize_t)done : -1;
		}
		done += (size_t)n;
	}
	return (ssize_t)done;
}

int outfile__write(struct outfile *of, const struct profile *p, int format,
		   const struct output_opts *oo)
{
	struct sink k = {.fd = of->fd};
	cookie_io_functions_t io = {.write = sink_write};
	FILE *f;
	int err;

	f = fopencookie(&k, "w", io);
	if (!f) {
		outfile__abandon(of);
		return -ENOMEM;
	}
	err = output__write(p, format, oo, f);
	if (fflush(f) && !err)
		err = -EIO;
	fclose(f);
	if (k.err)
		err = -k.err; /* the real cause, not stdio's EIO */
	if (!err && of->tmp[0]) {
		give_to_sudo_user(of->fd);
		if (fsync(of->fd) || rename(of->tmp, of->path))
			err = -errno;
		else
			of->tmp[0] = '\0';
	}
	outfile__abandon(of); /* closes; removes the temporary file unless renamed */
	if (!err && format != OUT_RAW)
		err = raw_copy(p, oo);
	return err;
}
