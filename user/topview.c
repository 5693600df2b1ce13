/* topview.c: top's header and rows as text. */
#include <stdio.h>
#include "topview.h"

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static const char *const sort_names[] = {"%Own", "%Total", "OwnTime", "TotalTime"};

void topview__header(const struct top_header *h, int i, char *buf, size_t len)
{
	const struct top_counts *c = h->counts;
	const struct top_view *v = h->view;
	int n;

	switch (i) {
	case 0:
		/* The state first: a long command line is cut at the width. */
		snprintf(buf, len, "pyhawk top: %.0f s%s%s%s — %s", h->elapsed,
			 h->ended ? ", " : "", h->ended ? h->ended : "",
			 h->paused ? " [paused]" : "", h->target);
		for (char *c = buf; *c; c++) /* a command line's newlines, tabs */
			if ((unsigned char)*c < 0x20)
				*c = ' ';
		break;
	case 1:
		n = snprintf(buf, len, "Samples: %.0f/s, %llu in all; GIL held: %.1f%%", h->per_s,
			     (unsigned long long)c->samples, pct(c->gil, c->samples));
		if (h->idle && n >= 0 && (size_t)n < len)
			n += snprintf(buf + n, len - n, "; active: %.1f%%",
				      pct(c->active, c->samples));
		if (n >= 0 && (size_t)n < len)
			snprintf(buf + n, len - n, "; threads: %llu; lost: %llu",
				 (unsigned long long)h->threads, (unsigned long long)h->lost);
		break;
	default:
		snprintf(buf, len, "View: %s, by %s%s, sorted by %s",
			 v->period == TOP_ALL ? "since start" : "last interval",
			 v->lines ? "line" : "function", v->by_process ? ", by process" : "",
			 sort_names[v->sort & 3]);
		break;
	}
}

void topview__columns(bool pid, bool lines, char *buf, size_t len)
{
	snprintf(buf, len, "  %%Own  %%Total  OwnTime  TotalTime  %s%s", pid ? "     PID  " : "",
		 lines ? "Function (file:line)" : "Function (file)");
}

void topview__row(const struct top_row *r, uint64_t samples, double rate, bool pid, char *buf,
		  size_t len)
{
	int n = snprintf(buf, len, "%5.1f%%  %5.1f%%  %6.2fs  %8.2fs  ", pct(r->own, samples),
			 pct(r->total, samples), (double)r->own / rate, (double)r->total / rate);

	if (n < 0 || (size_t)n >= len)
		return;
	if (pid)
		n += snprintf(buf + n, len - n, "%8u  ", r->pid);
	if (n < 0 || (size_t)n >= len)
		return;
	if (r->file && r->line)
		snprintf(buf + n, len - n, "%s (%s:%d)", r->name, r->file, r->line);
	else if (r->file)
		snprintf(buf + n, len - n, "%s (%s)", r->name, r->file);
	else
		snprintf(buf + n, len - n, "%s", r->name);
}

void topview__process(uint32_t pid, const char *cmdline, uint64_t samples, uint64_t all,
		      char *buf, size_t len)
{
	snprintf(buf, len, "PID %u: %s  (%.1f%%)", pid, cmdline && *cmdline ? cmdline : "?",
		 pct(samples, all));
}
