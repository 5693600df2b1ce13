/* summary.c: what a capture took and what it lost, by reason (errors.def),
 * and what the targets cost. */
#include <string.h>
#include <sys/wait.h>
#include "reasons.h"
#include "summary.h"

uint64_t summary__dropped(const uint64_t *counters)
{
	uint64_t dropped = 0;
	unsigned int k;

	for (k = 1; k < PH_R_MAX; k++)
		if (reason__kind(k) == REASON_DROP)
			dropped += counters[k];
	return dropped;
}

/* Drops that say no Python code was running at the sample: the process
 * was still starting (not located yet; its runtime's page not touched yet,
 * so unreadable; no interpreter yet), or the thread had no frame. A
 * capture of only these is empty, not failed. */
static bool nothing_to_walk(unsigned int k)
{
	return k == PH_R_PROC_NOT_READY || k == PH_R_READ_RUNTIME || k == PH_R_NO_RUNTIME ||
	       k == PH_R_NO_FRAME;
}

uint64_t summary__failed(const uint64_t *counters)
{
	uint64_t failed = 0;
	unsigned int k;

	for (k = 1; k < PH_R_MAX; k++)
		if (reason__kind(k) == REASON_DROP && !nothing_to_walk(k))
			failed += counters[k];
	return failed;
}

void summary__top_failures(const uint64_t *counters, char *buf, size_t len)
{
	bool used[PH_R_MAX] = {};
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < 3; i++) {
		unsigned int k, best = 0;

		for (k = 1; k < PH_R_MAX; k++)
			if (reason__kind(k) == REASON_DROP && !nothing_to_walk(k) && !used[k] &&
			    counters[k] && (!best || counters[k] > counters[best]))
				best = k;
		if (!best)
			break;
		used[best] = true;
		n += snprintf(buf + n, n < len ? len - n : 0, "%s%s %llu", i ? ", " : "",
			      reason__name(best), (unsigned long long)counters[best]);
		if (n >= len)
			break;
	}
}

static void counter(FILE *f, const char *name, uint64_t v, const char *what)
{
	fprintf(f, "  %-18s %10llu  %s\n", name, (unsigned long long)v, what);
}

void summary__print(FILE *f, const struct summary *s)
{
	const uint64_t *st = s->counters;
	uint64_t dropped = summary__dropped(st), runs = st[PH_STAT_RUNS];
	unsigned int k;

	fprintf(f, "pyhawk: %llu samples from %d process%s, %llu thread%s in %.2f s at %d Hz; wrote %s\n",
		(unsigned long long)s->samples, s->processes, s->processes == 1 ? "" : "es",
		(unsigned long long)s->threads, s->threads == 1 ? "" : "s", s->elapsed_s, s->rate,
		s->output);
	if (dropped || s->stats)
		fprintf(f, "pyhawk: %llu of %llu samples of the target were not taken:\n",
			(unsigned long long)dropped, (unsigned long long)runs);
	for (k = 1; k < PH_R_MAX; k++) {
		uint64_t v = k == PH_R_UNKNOWN_CODE ? s->unknown_frames : st[k];
		int kind = reason__kind(k);

		if (!reason__name(k) || (!v && !s->stats))
			continue;
		fprintf(f, "  %-18s %10llu  %s%s\n", reason__name(k), (unsigned long long)v,
			kind == REASON_DROP ? "" : kind == REASON_MARK ? "(sample kept) " : "(not a sample) ",
			reason__msg(k));
	}
	if (!s->stats)
		return;
	counter(f, "RUNS", runs, "program runs on a tracked thread (= SAMPLES + REPEATS + drops)");
	counter(f, "SAMPLES", st[PH_STAT_SAMPLES], "samples sent to user space");
	counter(f, "REPEATS", st[PH_STAT_REPEATS],
		"samples of threads that had not run since their last one (not walked again)");
	if (s->parked)
		counter(f, "PARKED", s->parked,
			"samples of parked threads (blocked, not visited): counted by pyhawk");
	counter(f, "CODES", st[PH_STAT_CODES], "code objects described by the kernel");
	counter(f, "FRAMES", st[PH_STAT_FRAMES], "frames recorded");
	counter(f, "SEARCHES", st[PH_STAT_SEARCHES], "thread-list searches (thread state cache misses)");
	if (runs && st[PH_STAT_WALK_NS])
		fprintf(f, "  %-18s %10.0f  ns of BPF time per sample of a tracked thread\n",
			"BPF_NS_PER_SAMPLE", (double)st[PH_STAT_WALK_NS] / runs);
	if (st[PH_STAT_ITER_WALKS]) {
		counter(f, "ITER_WALKS", st[PH_STAT_ITER_WALKS],
			"threads walked by the task iterator");
		fprintf(f, "  %-18s %10.0f  ns of BPF time per thread walked by the iterator\n",
			"BPF_NS_PER_WALK",
			(double)st[PH_STAT_ITER_WALK_NS] / st[PH_STAT_ITER_WALKS]);
	}
	if (runs > st[PH_STAT_ITER_WALKS] && st[PH_STAT_ITER_NS])
		fprintf(f, "  %-18s %10.0f  ns of BPF time per thread not walked again\n",
			"BPF_NS_PER_REPEAT",
			(double)(st[PH_STAT_ITER_NS] - st[PH_STAT_ITER_WALK_NS]) /
			    (runs - st[PH_STAT_ITER_WALKS]));
	counter(f, "DISPLACED", st[PH_STAT_DISPLACED],
		"samples that fell on pyhawk while it kept a thread of the targets from the CPU");
	if (s->prog_runs)
		fprintf(f, "  %-18s %10.0f  ns per program run (%llu runs: every task it saw)\n",
			"BPF_NS_PER_RUN", (double)s->prog_run_ns / s->prog_runs,
			(unsigned long long)s->prog_runs);
}

static void cpu(FILE *f, const struct session_usage *u)
{
	fprintf(f, "user %.2f s, sys %.2f s%s\n", u->user_s, u->sys_s,
		u->children ? ", children included" : "");
}

void summary__command_usage(FILE *f, int wstatus, const struct session_usage *u)
{
	fprintf(f, "pyhawk: command ");
	if (u->stopped)
		fprintf(f, "(PID %d) stopped with the capture: ", (int)u->pid);
	if (!u->exited) {
		/* Left to run: which one it is. */
		fprintf(f, "(PID %d) still running", (int)u->pid);
	} else if (WIFEXITED(wstatus)) {
		fprintf(f, "exited with status %d", WEXITSTATUS(wstatus));
	} else if (WIFSIGNALED(wstatus)) {
		const char *name = sigabbrev_np(WTERMSIG(wstatus));

		fprintf(f, "killed by signal %d", WTERMSIG(wstatus));
		if (name || WCOREDUMP(wstatus))
			fprintf(f, " (%s%s%s%s)", name ? "SIG" : "", name ? name : "",
				name && WCOREDUMP(wstatus) ? ", " : "",
				WCOREDUMP(wstatus) ? "core dumped" : "");
	} else {
		fprintf(f, "ended (wait status 0x%x)", (unsigned int)wstatus);
	}
	fprintf(f, " after %.2f s: ", u->wall_s);
	cpu(f, u);
}

void summary__target_usage(FILE *f, const struct session_usage *u)
{
	if (u->exited)
		fprintf(f, "pyhawk: PID %d exited %.2f s into the capture: ", (int)u->pid,
			u->wall_s);
	else
		fprintf(f, "pyhawk: PID %d over the capture (%.2f s): ", (int)u->pid, u->wall_s);
	cpu(f, u);
}
