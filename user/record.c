/* record.c: the record command: a session over the targets of the command
 * line, whose samples go into a profile written at the end, with a summary
 * of what was taken and what was lost. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "callcounts.h"
#include "command.h"
#include "errors.h"
#include "exitcodes.h"
#include "outfile.h"
#include "profile.h"
#include "progress.h"
#include "record.h"
#include "session.h"
#include "sources.h"
#include "summary.h"
#include "threadstate.h"

struct recorder {
	struct profile *prof;
	struct tally *tally;
	struct session *session;
	struct progress *progress; /* NULL: no status line */
	bool verbose, idle, gil;
	/* The output tells threads apart (-t's roots, pprof's labels,
	 * speedscope's profile per thread): else every thread's samples are
	 * kept as one, so that a program that starts threads without end
	 * does not grow pyhawk without end. */
	bool by_thread;
	double start; /* when pyhawk started, for -v's first-sample latency */
	uint64_t samples;
	int64_t idle_ids[PH_TS_MAX]; /* "[idle: ...]" frame ids, -1 until interned */
	uint32_t stack[PH_MAX_FRAMES + 2];
	struct sources *sources; /* -f lines: the frames' files */
	struct callcounts
	    *calls;		 /* --calls, for pstats, speedscope, flamegraph: the exact counts */
	uint32_t nframes_read;	 /* frames whose file was read: ids below */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* -f lines: the files of the frames interned since the last sample (the
 * session interned them for this one), read now: once the process is gone,
 * so is its view of the file system (a container's files). A file that
 * cannot be read is said so in the report. */
static void read_sources(struct recorder *r, pid_t pid)
{
	const struct profile_frame *f;

	for (; (f = profile__frame(r->prof, r->nframes_read)); r->nframes_read++) {
		if (f->path)
			sources__load(r->sources, pid, f->path);
	}
}

static int add_call(void *ctx, pid_t pid, const char *file, int line, const char *func,
		    uint64_t count)
{
	return callcounts__add(ctx, file, line, func, count);
}

static int on_sample(void *ctx, const struct session_sample *s)
{
	struct recorder *r = ctx;

	const char *leaf = r->idle ? threadstate__idle_frame(s->state) : NULL;
	const uint32_t *frames = s->frames;
	uint32_t n = s->nframes;

	if (!r->samples++ && r->verbose) {
		progress__clear(r->progress);
		fprintf(stderr, "pyhawk: first sample %.0f ms after start (process %u)\n",
			(now_s() - r->start) * 1e3, s->pid);
	}
	if (tally__add(r->tally, s->pid, s->tid, s->state, s->flags & PH_SF_GIL, s->weight))
		return -ENOMEM;
	if (r->sources)
		read_sources(r, (pid_t)s->pid);
	if (r->gil && !(s->flags & PH_SF_GIL))
		return 0;
	if (leaf && n < PH_MAX_FRAMES + 1) {
		/* Why the thread was off the CPU, as its innermost frame. */
		int64_t *id = &r->idle_ids[s->state];

		if (*id < 0)
			*id = profile__frame_id(r->prof, leaf, NULL, 0, PF_OTHER);
		if (*id < 0)
			return (int)*id;
		memcpy(r->stack, s->frames, n * sizeof(*frames));
		r->stack[n++] = (uint32_t)*id;
		frames = r->stack;
	}
	return profile__add(r->prof, s->pid, r->by_thread ? s->tid : 0, frames, n, s->weight)
		   ? -ENOMEM
		   : 0;
}

static void on_process(void *ctx, pid_t pid, const char *cmdline)
{
	struct recorder *r = ctx;

	if (cmdline && *cmdline)
		profile__set_process(r->prof, (uint32_t)pid, cmdline);
}

static void on_thread_name(void *ctx, pid_t pid, uint32_t tid, const char *name)
{
	struct recorder *r = ctx;

	if (r->by_thread)
		profile__set_thread_name(r->prof, (uint32_t)pid, tid, name);
	tally__thread_name(r->tally, (uint32_t)pid, tid, name);
}

/* The status line, when due: the figures so far. */
static int on_tick(void *ctx)
{
	struct recorder *r = ctx;
	uint64_t counters[PH_STAT_MAX];
	struct session_stats st;
	double now = now_s();

	if (!progress__due(r->progress, now))
		return 0;
	session__stats(r->session, &st, counters);
	progress__update(r->progress, &st, summary__dropped(counters), now);
	return 0;
}

static void print_summary(const struct config *cfg, const struct session_stats *st,
			  const uint64_t *counters, const char *outname)
{
	struct summary sum = {
	    .samples = st->samples,
	    .unknown_frames = st->unknown_frames,
	    .processes = st->processes,
	    .threads = st->threads,
	    .elapsed_s = st->elapsed_s,
	    .rate = cfg->rate,
	    .output = outname,
	    .stats = cfg->stats,
	    .prog_run_ns = st->prog_run_ns,
	    .prog_runs = st->prog_runs,
	    .counters = counters,
	    .parked = st->parked_samples,
	};

	summary__print(stderr, &sum);
}

/* What the threads were doing, with --idle; who held the GIL, with --gil
 * or --idle. The instants are the capture's sampling periods: a holder on
 * a CPU is sampled by the perf event at the rate, one off a CPU (--idle) by
 * the iterator's ticks. Without --idle a holder waiting for a CPU is not
 * seen: its share is of the time it held the GIL and ran. */
static void print_states(const struct config *cfg, const struct recorder *rec,
			 const struct session_stats *st)
{
	double instants = st->elapsed_s * cfg->rate;

	tally__print(rec->tally, stderr, cfg->idle, cfg->gil || cfg->idle, instants, cfg->idle,
		     cfg->rate);
	if (st->late_ticks)
		fprintf(stderr,
			"pyhawk: %llu of %llu sampling instants were missed: pyhawk was late\n",
			(unsigned long long)st->late_ticks,
			(unsigned long long)(st->late_ticks + st->ticks));
}

/* What the targets cost, like time(1): the command's wall and CPU time and
 * how it ended; each -p target's CPU time over the capture. */
static void print_usage(const struct config *cfg, struct session *s)
{
	struct session_usage u;
	int wstatus = 0;

	if (cfg->argv && !session__command_usage(s, &u)) {
		session__child_status(s, &wstatus);
		summary__command_usage(stderr, wstatus, &u);
	}
	for (int i = 0; i < cfg->npids; i++)
		if (!session__target_usage(s, cfg->pids[i], &u))
			summary__target_usage(stderr, &u);
}

int record__run(const struct config *cfg)
{
	struct recorder rec = {
	    .verbose = cfg->verbose, .idle = cfg->idle, .gil = cfg->gil, .start = now_s()};
	struct session_sink sink = {.ctx = &rec,
				    .sample = on_sample,
				    .process = on_process,
				    .thread_name = on_thread_name,
				    .tick = on_tick};
	struct session_opts so;
	/* A root per process wherever there can be several. */
	struct output_opts oo = { .threads = cfg->threads,
				  .processes = cfg->all || cfg->subprocesses || cfg->npids > 1,
				  .title = cfg->title,
				  .lines_threshold = cfg->lines_threshold >= 0 ? cfg->lines_threshold
									       : OUTPUT_LINES_THRESHOLD };
	struct session_error e = {0};
	struct session_stats st;
	struct profile_meta meta = {
	    .rate_hz = cfg->rate, .wall = cfg->idle, .first_lines = cfg->function};
	uint64_t counters[PH_STAT_MAX] = {};
	const char *outname = cfg->output;
	char outbuf[512], command[1024];
	int format = cfg->format, rc = PH_EXIT_ERROR, err, wstatus;
	struct outfile of = {.fd = -1};
	struct session *s = NULL;

	if (format < 0 && outname && strcmp(outname, "-"))
		format = output__format_for_path(outname);
	if (format < 0)
		format = OUT_FLAMEGRAPH;
	rec.by_thread = cfg->threads || format == OUT_PPROF || format == OUT_SPEEDSCOPE;
	if (!outname) {
		outfile__default_name(outbuf, sizeof(outbuf), cfg->npids == 1 ? cfg->pids[0] : 0,
				      cfg->argv, format);
		outname = outbuf;
	}
	command__session_opts(cfg, &so);
	if (session__check(&e)) {
		rc = errors__report(&e);
		goto cleanup;
	}
	err = outfile__open(outname, &of);
	if (err) {
		fprintf(stderr, "Error: cannot write the profile to '%s': %s\n", outname,
			err == -EISDIR ? "not a regular file" : strerror(-err));
		rc = PH_EXIT_OUTPUT;
		goto cleanup;
	}
	for (int k = 0; k < PH_TS_MAX; k++)
		rec.idle_ids[k] = -1;
	rec.prof = profile__new();
	rec.tally = tally__new();
	if (format == OUT_LINES)
		oo.sources = rec.sources = sources__new();
	if (!rec.prof || !rec.tally || (format == OUT_LINES && !rec.sources)) {
		fprintf(stderr, "Error: out of memory\n");
		goto cleanup;
	}
	rec.progress = progress__new(STDERR_FILENO, !cfg->quiet && !cfg->hideprogress);
	so.frames = rec.prof;
	if (session__new(&so, &sink, &s, &e)) {
		rc = errors__report(&e);
		goto cleanup;
	}
	rec.session = s;
	err = session__run(s, &e);
	/* The command lives as long as the capture, as py-spy's does: -d or
	 * an error stops it with SIGTERM (a signal that stopped pyhawk was
	 * passed on already, or the terminal sent it to both); SIGKILL if it
	 * is still there 2 s later. */
	session__end_child(s, session__stop_signal() ? 0 : SIGTERM);
	/* Whatever is printed next starts on a clean line. */
	progress__clear(rec.progress);
	if (err) {
		rc = errors__report(&e);
		goto cleanup;
	}
	session__stats(s, &st, counters);
	command__describe(cfg, s, command, sizeof(command));
	meta.command = command;
	meta.duration_s = st.elapsed_s;
	profile__set_meta(rec.prof, &meta);
	if ((format == OUT_PSTATS || format == OUT_SPEEDSCOPE || format == OUT_FLAMEGRAPH) &&
	    cfg->calls) {
		/* The formats that carry calls: the exact ones where the probes
		 * counted (pstats's call columns, speedscope's frames, the
		 * flame graph's tooltip). */
		rec.calls = callcounts__new(PH_CALL_FILE_MAX, PH_CALL_NAME_MAX);
		if (!rec.calls || session__foreach_call(s, add_call, rec.calls)) {
			fprintf(stderr, "Error: out of memory\n");
			goto cleanup;
		}
		oo.calls = rec.calls;
	}
	err = outfile__write(&of, rec.prof, format, &oo);
	if (err) {
		fprintf(stderr, "Error: writing the profile to '%s': %s\n", outname, strerror(-err));
		rc = PH_EXIT_OUTPUT;
		goto cleanup;
	}
	/* --quiet: only errors and warnings, unless --stats asks for the
	 * counters. */
	if (!cfg->quiet || cfg->stats) {
		print_summary(cfg, &st, counters, strcmp(outname, "-") ? outname : "stdout");
		print_states(cfg, &rec, &st);
		session__print_probes(s, stderr);
		print_usage(cfg, s);
	}
	/* The command's own exit code, as time(1) passes it on, when it
	 * ended by itself: not when -d or a signal to pyhawk ended the
	 * capture (and pyhawk stopped it). pyhawk's own failures come first. */
	rc = PH_EXIT_OK;
	if (!session__child_status(s, &wstatus) && !session__stop_signal() &&
	    !session__child_stopped(s))
		rc = command__exit_code(wstatus);
	if (!st.samples && summary__failed(counters)) {
		/* Python ran on a CPU and nothing could be sampled: an empty
		 * profile must not look like a quiet program. */
		char top[160];

		summary__top_failures(counters, top, sizeof(top));
		fprintf(stderr,
			"Error: the target ran Python on a CPU but none of its samples could be "
			"taken (%s); the profile is empty\n",
			top);
		rc = PH_EXIT_NO_SAMPLES;
	}

cleanup:
	outfile__abandon(&of); /* (after outfile__write: nothing left) */
	progress__free(rec.progress);
	session__free(s);
	profile__free(rec.prof);
	tally__free(rec.tally);
	sources__free(rec.sources);
	callcounts__free(rec.calls);
	return rc;
}
