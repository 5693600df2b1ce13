/* top.c: the top command: a session over the targets whose samples are
 * counted per function (toptable) and shown every interval, on a full
 * screen that takes keys (topscreen) or as plain text when stdout is not a
 * terminal (topview's lines either way). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "command.h"
#include "errors.h"
#include "exitcodes.h"
#include "profile.h"
#include "session.h"
#include "summary.h"
#include "top.h"
#include "toptable.h"
#include "topscreen.h"
#include "topview.h"

#define TOP_PLAIN_ROWS 50 /* rows of a plain block */
#define LINE_MAX_BYTES 2048

struct top {
	const struct config *cfg;
	struct profile *prof;
	struct toptable *tab;
	struct session *s;
	struct topscreen *scr; /* NULL: plain text on stdout */
	struct top_view view;
	bool paused, help, quit;
	double started, next, rolled;
	double per_s;	    /* samples per second in the last interval */
	uint64_t rolled_samples; /* TOP_ALL's samples at the last roll */
	uint32_t first_pid; /* of the first sample: the one process of -- or -p */
	char ended[64];	    /* why the targets are gone, "" while they run */
	uint64_t counters[PH_STAT_MAX];
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int on_sample(void *ctx, const struct session_sample *s)
{
	struct top *t = ctx;
	bool gil = s->flags & PH_SF_GIL;

	if (t->cfg->gil && !gil)
		return 0;
	if (!t->first_pid)
		t->first_pid = s->pid;
	return toptable__add(t->tab, s->pid, s->frames, s->nframes, s->weight, gil,
			     s->state == PH_TS_ONCPU || s->state == PH_TS_RUNNABLE);
}

/* More than one process can be shown: a PID column. */
static bool many(const struct top *t)
{
	const struct config *c = t->cfg;

	return c->all || c->subprocesses || c->npids > 1 ||
	       toptable__nprocesses(t->tab, TOP_ALL) > 1;
}

static void target_text(struct top *t, char *buf, size_t len)
{
	uint32_t hex;
	char what[512];

	if (t->cfg->all) {
		struct session_stats st;

		session__stats(t->s, &st, t->counters);
		snprintf(buf, len, "%d Python process%s (--all)", st.processes,
			 st.processes == 1 ? "" : "es");
		return;
	}
	command__describe(t->cfg, t->s, what, sizeof(what));
	if (!many(t) && t->first_pid && !session__python(t->s, t->first_pid, &hex, NULL))
		snprintf(buf, len, "%s (PID %u, Python %u.%u)", what, t->first_pid, hex >> 24,
			 (hex >> 16) & 0xff);
	else
		snprintf(buf, len, "%s", what);
}

/* The header's three lines, into lines[i]. */
static void header(struct top *t, char lines[TOP_HEADER_LINES][LINE_MAX_BYTES])
{
	struct session_stats st;
	struct top_header h = {.idle = t->cfg->idle, .view = &t->view, .paused = t->paused};
	char target[600];

	session__stats(t->s, &st, t->counters);
	target_text(t, target, sizeof(target));
	h.target = target;
	h.elapsed = now_s() - t->started;
	h.ended = t->ended[0] ? t->ended : NULL;
	h.per_s = t->per_s;
	h.counts = toptable__counts(t->tab, t->view.period);
	h.threads = st.threads;
	h.lost = summary__dropped(t->counters);
	for (int i = 0; i < TOP_HEADER_LINES; i++)
		topview__header(&h, i, lines[i], LINE_MAX_BYTES);
}

static void print_plain(struct top *t)
{
	char lines[TOP_HEADER_LINES][LINE_MAX_BYTES], line[LINE_MAX_BYTES];
	uint64_t samples = toptable__counts(t->tab, t->view.period)->samples;
	const struct top_row *rows;
	long n = toptable__rows(t->tab, &t->view, &rows);
	bool pid = many(t);

	header(t, lines);
	for (int i = 0; i < TOP_HEADER_LINES; i++)
		printf("%s\n", lines[i]);
	topview__columns(pid, t->view.lines, line, sizeof(line));
	printf("\n%s\n", line);
	for (long i = 0; i < n && i < TOP_PLAIN_ROWS; i++) {
		topview__row(&rows[i], samples, t->cfg->rate, pid, line, sizeof(line));
		printf("%s\n", line);
	}
	printf("\n");
	fflush(stdout);
}

static const char *const help_lines[] = {
    "pyhawk top: keys",
    "",
    "  1 2 3 4   sort by %Own, %Total, OwnTime, TotalTime",
    "  L         a row per line / per function",
    "  P         rows grouped by process",
    "  W         counts since start / of the last interval",
    "  R         reset the counts",
    "  space     pause the display (sampling goes on)",
    "  ?         this help (any key returns)",
    "  q         quit (Ctrl-C too)",
    "",
    "%Own: samples with the function innermost; %Total: with it anywhere in the stack;",
    "the times are samples / rate: CPU seconds, or wall-clock seconds with --idle.",
};

static void draw(struct top *t)
{
	char lines[TOP_HEADER_LINES][LINE_MAX_BYTES], line[LINE_MAX_BYTES];
	struct topscreen *scr = t->scr;
	int y = 0, height = topscreen__rows(scr);
	uint64_t samples = toptable__counts(t->tab, t->view.period)->samples;
	uint32_t last_pid = 0;
	const struct top_row *rows;
	long n;
	bool pid = many(t);

	topscreen__clear(scr);
	if (t->help) {
		for (size_t i = 0; i < sizeof(help_lines) / sizeof(help_lines[0]); i++)
			topscreen__line(scr, y++, help_lines[i], i == 0, false);
		topscreen__show(scr);
		return;
	}
	header(t, lines);
	for (int i = 0; i < TOP_HEADER_LINES; i++)
		topscreen__line(scr, y++, lines[i], i == 0, false);
	y++;
	topview__columns(pid, t->view.lines, line, sizeof(line));
	topscreen__line(scr, y++, line, false, true);
	n = toptable__rows(t->tab, &t->view, &rows);
	for (long i = 0; i < n && y < height - 1; i++) {
		if (t->view.by_process && rows[i].pid != last_pid) {
			last_pid = rows[i].pid;
			topview__process(last_pid, session__cmdline(t->s, (pid_t)last_pid),
					 toptable__process_samples(t->tab, last_pid,
								   t->view.period),
					 samples, line, sizeof(line));
			topscreen__line(scr, y++, line, true, false);
			if (y >= height - 1)
				break;
		}
		topview__row(&rows[i], samples, t->cfg->rate, pid, line, sizeof(line));
		topscreen__line(scr, y++, line, false, false);
	}
	topscreen__line(scr, height - 1,
			t->ended[0] ? "q quit  1-4 sort  L lines  P processes  W window  ? help"
				    : "q quit  1-4 sort  L lines  P processes  W window  R reset  "
				      "space pause  ? help",
			false, true);
	topscreen__show(scr);
}

/* A key pressed; returns true when it asks to quit. */
static bool on_key(struct top *t, int c)
{
	if (t->help && c >= 0 && c != TOPSCREEN_RESIZE) {
		t->help = false; /* any key leaves the help */
		return false;
	}
	switch (c) {
	case '1':
	case '2':
	case '3':
	case '4':
		t->view.sort = c - '1';
		break;
	case 'l':
	case 'L':
		t->view.lines = !t->view.lines;
		break;
	case 'p':
	case 'P':
		t->view.by_process = !t->view.by_process;
		break;
	case 'w':
	case 'W':
		t->view.period = t->view.period == TOP_ALL ? TOP_LAST : TOP_ALL;
		break;
	case 'r':
	case 'R':
		toptable__reset(t->tab);
		break;
	case ' ':
		t->paused = !t->paused;
		break;
	case '?':
		t->help = true;
		break;
	case 'q':
	case 'Q':
		return true;
	}
	return false;
}

/* Ends an interval at now: the rate, the window's counts. */
static void roll(struct top *t, double now)
{
	uint64_t cur = toptable__counts(t->tab, TOP_ALL)->samples;

	/* A reset (R) lowers the count: the rate starts again from there. */
	if (cur < t->rolled_samples)
		t->rolled_samples = 0;
	t->per_s = now > t->rolled ? (double)(cur - t->rolled_samples) / (now - t->rolled) : 0;
	t->rolled_samples = cur;
	t->rolled = now;
	toptable__roll(t->tab);
}

static int on_tick(void *ctx)
{
	struct top *t = ctx;
	double now = now_s();
	bool redraw = false;
	int c;

	while (t->scr && (c = topscreen__key(t->scr, 0)) != -1) {
		if (on_key(t, c)) {
			t->quit = true;
			return 1;
		}
		redraw = true;
	}
	if (now >= t->next) {
		roll(t, now);
		t->next = now + t->cfg->interval;
		if (!t->scr) {
			print_plain(t);
			return t->cfg->once ? 1 : 0;
		}
		redraw = redraw || !t->paused;
	}
	if (redraw)
		draw(t);
	return 0;
}

/* After the capture, on a terminal: the last table stays until q. */
static void keep_showing(struct top *t)
{
	draw(t);
	while (!session__stop_signal()) {
		int c = topscreen__key(t->scr, 500);

		if (c == -1)
			continue;
		if (on_key(t, c))
			break;
		draw(t);
	}
}

static void ended_text(struct top *t, int wstatus, bool child)
{
	int code = command__exit_code(wstatus);

	if (!child)
		snprintf(t->ended, sizeof(t->ended), "%s",
			 t->cfg->duration > 0 ? "duration reached" : "exited");
	else if (code > 128)
		snprintf(t->ended, sizeof(t->ended), "exited: killed by signal %d", code - 128);
	else
		snprintf(t->ended, sizeof(t->ended), "exited with status %d", code);
}

int top__run(const struct config *cfg)
{
	struct top t = {.cfg = cfg};
	struct session_sink sink = {.ctx = &t, .sample = on_sample, .tick = on_tick};
	struct session_opts so;
	struct session_error e = {0};
	int rc = PH_EXIT_ERROR, wstatus = 0;
	bool child;

	command__session_opts(cfg, &so);
	so.capture = true; /* the command's output would tear the table */
	if (session__check(&e)) {
		rc = errors__report(&e);
		goto out;
	}
	t.prof = profile__new();
	t.tab = t.prof ? toptable__new(t.prof) : NULL;
	if (!t.tab) {
		fprintf(stderr, "Error: out of memory\n");
		goto out;
	}
	so.frames = t.prof;
	if (session__new(&so, &sink, &t.s, &e)) {
		rc = errors__report(&e);
		goto out;
	}
	if (isatty(STDOUT_FILENO) && !cfg->once) {
		t.scr = topscreen__open();
		if (!t.scr) {
			fprintf(stderr, "Error: cannot use the terminal (TERM=%s)\n",
				getenv("TERM") ? getenv("TERM") : "");
			goto out;
		}
	}
	t.started = t.rolled = now_s();
	t.next = t.started + cfg->interval;
	if (t.scr)
		draw(&t);
	if (session__run(t.s, &e)) {
		topscreen__close(t.scr);
		t.scr = NULL;
		rc = errors__report(&e);
		goto out;
	}
	child = !session__child_status(t.s, &wstatus);
	if (!t.quit && !session__stop_signal() && !(cfg->once && !t.scr)) {
		/* The targets ended (or the duration): say so, show the end. */
		ended_text(&t, wstatus, child);
		roll(&t, now_s());
		if (t.scr)
			keep_showing(&t);
		else
			print_plain(&t);
	}
	topscreen__close(t.scr);
	t.scr = NULL;
	rc = PH_EXIT_OK;
	if (child && !t.quit && !session__stop_signal())
		rc = command__exit_code(wstatus);
	session__end_child(t.s, SIGTERM); /* q, Ctrl-C, --once or -d: it still runs */
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "Error: cannot write to stdout\n");
		rc = PH_EXIT_OUTPUT;
	}

out:
	topscreen__close(t.scr);
	session__free(t.s);
	toptable__free(t.tab);
	profile__free(t.prof);
	return rc;
}
