/* progress.c: record's status line on a terminal, redrawn in place. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "progress.h"

#define PROGRESS_PERIOD_S 0.25 /* at most 4 redraws a second */
#define ERASE_EOL	  "\033[K"

struct progress {
	int fd;
	bool shown;  /* the line is on the screen: erase it before other output */
	double next; /* when the next redraw may be */
};

struct progress *progress__new(int fd, bool wanted)
{
	struct progress *p;

	if (!wanted || !isatty(fd))
		return NULL;
	p = calloc(1, sizeof(*p));
	if (p)
		p->fd = fd;
	return p;
}

void progress__free(struct progress *p)
{
	progress__clear(p);
	free(p);
}

/* A status line is not worth a retry loop beyond EINTR: a terminal that
 * went away loses it, and the summary's own write will say so. */
static void put(const struct progress *p, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(p->fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

bool progress__due(const struct progress *p, double now)
{
	return p && now >= p->next;
}

/* The columns the line may take: one less than the terminal's, so that
 * the cursor never reaches the last column (where a terminal wraps on
 * the next character); SIZE_MAX when the width is not known. Asked at
 * every redraw: the window may have been resized. */
static size_t columns(const struct progress *p)
{
	struct winsize ws;

	if (ioctl(p->fd, TIOCGWINSZ, &ws) || !ws.ws_col)
		return SIZE_MAX;
	return ws.ws_col - 1;
}

void progress__update(struct progress *p, const struct session_stats *st, uint64_t lost, double now)
{
	char text[160], line[sizeof(text) + 8];
	size_t width, len;
	int n;

	if (!progress__due(p, now))
		return;
	p->next = now + PROGRESS_PERIOD_S;
	snprintf(text, sizeof(text),
		 "pyhawk: %llu sample%s, %d process%s, %llu thread%s, %llu lost, %.1f s",
		 (unsigned long long)st->samples, st->samples == 1 ? "" : "s", st->processes,
		 st->processes == 1 ? "" : "es", (unsigned long long)st->threads,
		 st->threads == 1 ? "" : "s", (unsigned long long)lost, st->elapsed_s);
	len = strlen(text);
	width = columns(p);
	if (len > width)
		len = width;
	/* Over the last line, then erase what a longer one left. */
	n = snprintf(line, sizeof(line), "\r%.*s" ERASE_EOL, (int)len, text);
	put(p, line, (size_t)n);
	p->shown = true;
}

void progress__clear(struct progress *p)
{
	if (!p || !p->shown)
		return;
	put(p, "\r" ERASE_EOL, 1 + strlen(ERASE_EOL));
	p->shown = false;
	p->next = 0; /* shown again at the next update */
}
