/* outfile.c: the file a profile goes to: checked before the capture, named
 * by default after what was profiled, written at the end. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "outfile.h"

int outfile__open(const char *path, int *fd_out)
{
	struct stat st;
	int fd;

	if (!strcmp(path, "-")) {
		*fd_out = STDOUT_FILENO;
		return 0;
	}
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return -EISDIR;
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	*fd_out = fd;
	return 0;
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

int outfile__write(int fd, const struct profile *p, int format, const struct output_opts *oo)
{
	FILE *f;
	int err;

	if (fd != STDOUT_FILENO && ftruncate(fd, 0)) {
		err = -errno;
		close(fd);
		return err;
	}
	f = fdopen(fd == STDOUT_FILENO ? dup(fd) : fd, "w");
	if (!f) {
		err = -errno;
		if (fd != STDOUT_FILENO)
			close(fd);
		return err;
	}
	err = output__write(p, format, oo, f);
	if (fflush(f) && !err)
		err = -errno;
	if (fd != STDOUT_FILENO)
		give_to_sudo_user(fileno(f));
	if (fclose(f) && !err)
		err = -errno;
	if (!err && format != OUT_RAW)
		err = raw_copy(p, oo);
	return err;
}
