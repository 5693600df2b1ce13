/* cli.h: the command line: subcommands, flags and their checks. */
#ifndef CLI_H
#define CLI_H

#include <stdbool.h>
#include <sys/types.h>

enum ph_command {
	CMD_NONE = 0,
	CMD_RECORD,
	CMD_HELP,
	CMD_VERSION,
};

#define PH_MAX_PIDS	256
#define PH_RATE_MAX 100000 /* Hz; beyond this a sample costs more than its period */
#define PH_DURATION_MAX (366.0 * 24 * 3600)

struct config {
	int command;          /* enum ph_command */
	pid_t pids[PH_MAX_PIDS]; /* -p, repeatable and comma lists */
	int npids;
	bool all;	      /* -a/--all: every Python process on the host */
	bool subprocesses;    /* -s/--subprocesses */
	bool capture;	      /* --capture: the command's output is not shown */
	char **argv;          /* -- COMMAND ARGS... (NULL-terminated); NULL = none */
	const char *output;   /* -o; NULL = default name */
	int format;           /* -f: enum output_format, or -1 = from -o or default */
	int rate;             /* -r, Hz */
	double duration;      /* -d, seconds; 0 = until the command exits / Ctrl-C */
	bool function;        /* -F: aggregate by function (first line) */
	bool nolineno;        /* --nolineno */
	bool full_filenames;  /* --full-filenames */
	bool threads;         /* -t */
	bool stats;           /* --stats */
	bool verbose;         /* -v */
	const char *title;    /* --title */
};

/* Parses argv into *cfg. On a usage error returns -EINVAL and writes a
 * one-line message (without "Error: ") to err. Prints nothing. */
int cli__parse(int argc, char **argv, struct config *cfg, char *err, size_t errlen);

/* Help texts, for stdout. */
const char *cli__usage(void);
const char *cli__record_help(void);

#endif /* CLI_H */
