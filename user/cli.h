/* cli.h: the command line: commands, flags, their checks, and --help. */
#ifndef CLI_H
#define CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#define PH_MAX_PIDS 256

enum ph_command { CMD_NONE = 0, CMD_RECORD, CMD_HELP, CMD_VERSION, CMD_DUMP, CMD_TOP, CMD_DIFF };

#define PH_RATE_MAX	100000 /* Hz; beyond this a sample costs more than its period */
#define PH_DURATION_MAX (366.0 * 24 * 3600)
#define PH_INTERVAL_MIN 0.05 /* s: top's refresh */
#define PH_INTERVAL_MAX 3600.0

struct config {
	int command;	  /* enum ph_command */
	int help_command; /* with CMD_HELP: the command whose help to print (CMD_NONE: general
			     usage) */
	pid_t pids[PH_MAX_PIDS]; /* -p, repeatable and comma lists: -p 12 -p 34 or -p 12,34 */
	int npids;
	bool all;	   /* -a/--all: every Python process on the host */
	bool subprocesses; /* -s/--subprocesses: follow descendants of the -p targets or the command
			    */
	char **argv;	   /* -- COMMAND ARGS... (NULL-terminated); NULL = none */
	const char *output;  /* -o; NULL = default name */
	int format;	     /* -f: enum output_format, or -1 = from -o or default */
	int rate;	     /* -r, Hz (default 100) */
	double duration;     /* -d, seconds; 0 = until the command exits / Ctrl-C */
	bool function;	     /* -F */
	bool nolineno;	     /* --nolineno */
	bool full_filenames; /* --full-filenames */
	bool threads;	     /* -t */
	bool stats;	     /* --stats */
	bool verbose;	     /* -v */
	bool capture; /* --capture (py-spy's hidden flag): the command's stdout/stderr are not shown
		       */
	const char *title; /* --title */
	bool idle;	   /* -i/--idle: every thread, running or not (wall-clock) */
	bool gil;	   /* -g/--gil: only samples of threads holding the GIL */
	bool locals;	   /* dump -l/--locals */
	bool json;	   /* dump -j/--json */
	double interval;   /* top --interval, seconds between refreshes (default 1) */
	bool once;	   /* top --once: one table after the first interval, then exit */
	bool quiet;	   /* -q/--quiet: no progress line, no loss lines (errors stay) */
	bool hideprogress; /* --hideprogress: no progress line */
	bool nogc;	   /* --nogc: no <GC> frames */
	bool calls;	   /* --calls: every call counted (USDT function__entry) */
	const char *before, *after; /* diff: the two profiles' files ("-": stdin) */
	double lines_threshold; /* --lines-threshold, %; -1: not given */
};

/* Parses argv into *cfg. On a usage error returns -EINVAL and writes a
 * one-line message (without "Error: ") to err. Prints nothing. */
int cli__parse(int argc, char **argv, struct config *cfg, char *err, size_t errlen);

/* Writes the help of a command (CMD_NONE: the general usage) to f. */
void cli__help(int command, FILE *f);

#endif /* CLI_H */
