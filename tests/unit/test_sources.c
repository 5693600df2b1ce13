/* test_sources.c: source files: Python's line ends, files that are not, and the target's own mount
 * namespace. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "sources.h"

#define FIXTURE "tests/unit/fixtures/lines_src.py"

/* Line n of path as a string ("(none)" for NULL). */
static const char *line_of(struct sources *s, const char *path, int n)
{
	static char buf[256];
	size_t len = 0;
	const char *t = sources__line(s, path, n, &len);

	if (!t)
		return "(none)";
	snprintf(buf, sizeof(buf), "%.*s", (int)len, t);
	return buf;
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) ? -EIO : 0;
}

static void test_lines(void)
{
	struct sources *s = sources__new();
	char dir[] = "/tmp/pyhawk-sources-XXXXXX", path[512];

	CHECK(s && mkdtemp(dir));
	/* \n, \r\n and a lone \r end lines, as Python reads source. */
	CHECK_INT(sources__load(s, 0, FIXTURE), 0);
	CHECK_STR(line_of(s, FIXTURE, 1), "import sys");
	CHECK_STR(line_of(s, FIXTURE, 2), "");
	CHECK_STR(line_of(s, FIXTURE, 6), "    for i in range(n):");
	CHECK_STR(line_of(s, FIXTURE, 7), "        total += i * i  # hot");
	CHECK_STR(line_of(s, FIXTURE, 8), "\ttotal -= 1  # a tab");
	CHECK_STR(line_of(s, FIXTURE, 9), "    s = 'caf\xe9'"); /* bytes as they are */
	CHECK_STR(line_of(s, FIXTURE, 25), "    return total  # last");
	CHECK_STR(line_of(s, FIXTURE, 28), "work(10)"); /* no final line end */
	CHECK_STR(line_of(s, FIXTURE, 29), "(none)");
	CHECK_STR(line_of(s, FIXTURE, 0), "(none)");

	/* Read once: a later change is not seen (nor a file's removal). */
	snprintf(path, sizeof(path), "%s/a.py", dir);
	CHECK_INT(write_file(path, "one\ntwo\n"), 0);
	CHECK_STR(line_of(s, path, 2), "two"); /* loaded on first use */
	CHECK_INT(write_file(path, "changed\n"), 0);
	CHECK_STR(line_of(s, path, 1), "one");
	CHECK_STR(line_of(s, path, 3), "(none)"); /* a final \n starts no line */
	unlink(path);
	CHECK_INT(sources__load(s, 0, path), 0);
	snprintf(path, sizeof(path), "%s/empty.py", dir);
	CHECK_INT(write_file(path, ""), 0);
	CHECK_STR(line_of(s, path, 1), "(none)");
	unlink(path);

	/* Not files: names Python gives code without one, directories, a
	 * FIFO (that must not hang the capture), a missing file, a huge one. */
	CHECK_INT(sources__load(s, 0, "<string>"), -ENOENT);
	CHECK_INT(sources__load(s, 0, "<frozen importlib._bootstrap>"), -ENOENT);
	CHECK_INT(sources__load(s, 0, ""), -ENOENT);
	CHECK_INT(sources__load(s, 0, dir), -EINVAL);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	CHECK_INT(mkfifo(path, 0600), 0);
	CHECK_INT(sources__load(s, 0, path), -EINVAL);
	unlink(path);
	snprintf(path, sizeof(path), "%s/missing.py", dir);
	CHECK_INT(sources__load(s, 0, path), -ENOENT);
	CHECK_INT(write_file(path, "x\n"), 0);
	CHECK_INT(sources__load(s, 0, path), -ENOENT); /* the first answer stays */
	unlink(path);
	snprintf(path, sizeof(path), "%s/huge.py", dir);
	{
		int fd = open(path, O_WRONLY | O_CREAT, 0600);

		CHECK(fd >= 0 && ftruncate(fd, SOURCES_MAX_FILE + 1) == 0);
		close(fd);
	}
	CHECK_INT(sources__load(s, 0, path), -EFBIG);
	unlink(path);
	rmdir(dir);

	/* Many files: each found again. */
	for (int i = 0; i < 300; i++) {
		snprintf(path, sizeof(path), "/nonexistent/%d.py", i);
		CHECK_INT(sources__load(s, 0, path), -ENOENT);
	}
	CHECK_STR(line_of(s, FIXTURE, 7), "        total += i * i  # hot");
	sources__free(s);
}

/*
 * A process with its own mount namespace and a tmpfs the test does not
 * see: its file (absolute, or relative to its working directory) is read
 * through /proc/PID while it lives; once it is gone the path is read here.
 */
static void test_namespace(void)
{
	char dir[] = "/tmp/pyhawk-mntns-XXXXXX", abs_path[256], outside[256];
	int ready[2], done[2];
	struct sources *s = sources__new();
	pid_t pid;
	char c = 0;

	CHECK(s && mkdtemp(dir) && pipe(ready) == 0 && pipe(done) == 0);
	snprintf(abs_path, sizeof(abs_path), "%s/inside.py", dir);
	pid = fork();
	if (pid == 0) {
		close(ready[0]);
		close(done[1]);
		/* Private mounts, then a tmpfs over dir that only this process sees. */
		if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    mount("pyhawk-test", dir, "tmpfs", 0, NULL) ||
		    write_file(abs_path, "def inside():\n    pass  # only in here\n") || chdir(dir))
			c = 'x';
		else
			c = 'r';
		if (write(ready[1], &c, 1) != 1 || read(done[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(ready[1]);
	close(done[0]);
	CHECK(pid > 0 && read(ready[0], &c, 1) == 1);
	if (c != 'r') {
		/* Not root: nothing to test here, and the unit tests say so. */
		fprintf(stderr, "  sources: no mount namespace (not root?): not tested\n");
		CHECK(getuid() != 0);
	} else {
		CHECK(access(abs_path, F_OK) != 0); /* not visible here */
		CHECK_INT(sources__load(s, pid, abs_path), 0);
		CHECK_STR(line_of(s, abs_path, 2), "    pass  # only in here");
		CHECK_INT(sources__load(s, pid, "inside.py"), 0); /* its working directory */
		CHECK_STR(line_of(s, "inside.py", 1), "def inside():");
		/* Inside, the answer stands: no fallback to the host's file. */
		CHECK_INT(sources__load(s, pid, FIXTURE), -ENOENT);
	}
	CHECK(write(done[1], "x", 1) == 1);
	waitpid(pid, NULL, 0);
	/* The process is gone: the path as it is here. */
	snprintf(outside, sizeof(outside), "%s/outside.py", dir);
	CHECK_INT(write_file(outside, "here\n"), 0);
	CHECK_INT(sources__load(s, pid, outside), 0);
	CHECK_STR(line_of(s, outside, 1), "here");
	unlink(outside);
	rmdir(dir);
	close(ready[0]);
	close(done[1]);
	sources__free(s);
}

int main(void)
{
	test_lines();
	test_namespace();
	return check_report("sources");
}
