/* childio.h: reading a spawned interpreter's lines, shared by unit tests. */
#ifndef CHILDIO_H
#define CHILDIO_H

#include <errno.h>
#include <poll.h>
#include <stddef.h>
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

#endif /* CHILDIO_H */
