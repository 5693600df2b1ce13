/* test_progress.c: record's status line, read from the master side of a
 * pseudo-terminal: its text, the redraw limit, the cut to the terminal's
 * width, the erasing, and no line at all where there is no terminal. */
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#include "check.h"
#include "progress.h"

static int master = -1, tty = -1;

/* What the line wrote to the terminal since the last call. */
static const char *drain(void)
{
	static char buf[1024];
	struct pollfd pfd = {.fd = master, .events = POLLIN};
	size_t len = 0;
	ssize_t n;

	while (len < sizeof(buf) - 1 && poll(&pfd, 1, 50) == 1) {
		n = read(master, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return buf;
}

static void set_width(unsigned short cols)
{
	struct winsize ws = {.ws_row = 30, .ws_col = cols};

	ioctl(master, TIOCSWINSZ, &ws);
}

static void test_line(void)
{
	struct session_stats st = {
	    .samples = 1234, .processes = 2, .threads = 7, .elapsed_s = 12.34};
	struct progress *p = progress__new(tty, true);

	CHECK(p != NULL);
	set_width(120);
	CHECK(progress__due(p, 10.0));
	progress__update(p, &st, 0, 10.0);
	CHECK_STR(drain(), "\rpyhawk: 1234 samples, 2 processes, 7 threads, 0 lost, 12.3 s\033[K");
	/* At most 4 redraws a second. */
	CHECK(!progress__due(p, 10.2));
	progress__update(p, &st, 0, 10.2);
	CHECK_STR(drain(), "");
	st = (struct session_stats){.samples = 1, .processes = 1, .threads = 1, .elapsed_s = 0.04};
	progress__update(p, &st, 3, 10.25);
	CHECK_STR(drain(), "\rpyhawk: 1 sample, 1 process, 1 thread, 3 lost, 0.0 s\033[K");
	/* Cut to one column less than the terminal's, read again at each
	 * redraw (a resized window). */
	set_width(20);
	progress__update(p, &st, 3, 10.5);
	CHECK_STR(drain(), "\rpyhawk: 1 sample, 1\033[K");
	progress__clear(p);
	CHECK_STR(drain(), "\r\033[K");
	/* Nothing to erase twice; the next update draws again at once. */
	progress__clear(p);
	CHECK_STR(drain(), "");
	CHECK(progress__due(p, 10.6));
	progress__update(p, &st, 3, 10.6);
	CHECK_STR(drain(), "\rpyhawk: 1 sample, 1\033[K");
	/* Freed while shown: erased. */
	progress__free(p);
	CHECK_STR(drain(), "\r\033[K");
}

static void test_none(void)
{
	struct session_stats st = {.samples = 5};
	int fds[2];

	/* Not wanted (--quiet, --hideprogress), or not a terminal. */
	CHECK(progress__new(tty, false) == NULL);
	CHECK(pipe(fds) == 0);
	CHECK(progress__new(fds[1], true) == NULL);
	close(fds[0]);
	close(fds[1]);
	/* NULL is a line never shown. */
	CHECK(!progress__due(NULL, 1.0));
	progress__update(NULL, &st, 0, 1.0);
	progress__clear(NULL);
	progress__free(NULL);
	CHECK_STR(drain(), "");
}

int main(void)
{
	struct termios raw;

	if (openpty(&master, &tty, NULL, NULL, NULL)) {
		perror("openpty");
		return 1;
	}
	/* The bytes as written: no output processing on the way. */
	tcgetattr(tty, &raw);
	cfmakeraw(&raw);
	tcsetattr(tty, TCSANOW, &raw);
	test_line();
	test_none();
	close(tty);
	close(master);
	return check_report("progress");
}
