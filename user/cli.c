/* cli.c: pyhawk's command line: one table of options that both parses argv
 * and prints --help, so the two cannot drift (flags follow py-spy 0.4). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "output.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Where an option belongs, as bits: MAIN is before any command. */
enum {
	IN_MAIN = 1 << 0,
	IN_RECORD = 1 << 1,
	IN_TOP = 1 << 2,
	IN_DUMP = 1 << 3,
	IN_DIFF = 1 << 4,
};

enum opt_kind {
	OPT_FLAG,	 /* sets the bool at .field */
	OPT_VALUE,	 /* .parse checks the value and sets its field */
	OPT_NOOP,	 /* accepted so that py-spy command lines run; nothing to do here */
	OPT_UNSUPPORTED, /* a py-spy option pyhawk has not built: a usage error */
	OPT_HELP,
	OPT_VERSION,
};

struct cli_opt {
	char letter;	  /* short option, or 0 */
	const char *name; /* long option, without "--" */
	const char *arg;  /* the value's name in --help; NULL: takes none */
	unsigned in;	  /* the commands it belongs to: IN_* bits */
	enum opt_kind kind;
	size_t field; /* OPT_FLAG: offsetof(struct config, the bool) */
	int (*parse)(struct config *cfg, const char *arg, char *err, size_t errlen);
	const char *help;
	const char *why; /* OPT_UNSUPPORTED: said with the refusal */
};

#define FLAG(f)	  .kind = OPT_FLAG, .field = offsetof(struct config, f)
#define VALUE(fn) .kind = OPT_VALUE, .parse = fn

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Strict integer: all of s, in [min, max]; decimal, or hex with 0x (as
 * py-spy takes PIDs), never octal. */
static int parse_long(const char *s, long min, long max, long *out)
{
	int base = (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? 16 : 10;
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, base);
	if (errno || end == s || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* -p 12 -p 34, or -p 12,34: each once, in the order given. */
static int parse_pids(struct config *cfg, const char *arg, char *err, size_t errlen)
{
	const char *p = arg;

	for (;;) {
		size_t n = strcspn(p, ",");
		char one[32];
		long v;
		int i;

		if (n >= sizeof(one))
			return fail(err, errlen, "invalid PID '%.*s': expected a positive number",
				    (int)n, p);
		memcpy(one, p, n);
		one[n] = '\0';
		if (parse_long(one, 1, 0x3fffffff, &v))
			return fail(err, errlen, "invalid PID '%s': expected a positive number",
				    one);
		for (i = 0; i < cfg->npids && cfg->pids[i] != (pid_t)v; i++)
			;
		if (i == cfg->npids) {
			if (cfg->npids == PH_MAX_PIDS)
				return fail(err, errlen, "too many PIDs: at most %d", PH_MAX_PIDS);
			cfg->pids[cfg->npids++] = (pid_t)v;
		}
		p += n;
		if (*p != ',')
			return 0;
		p++;
	}
}

static int parse_output(struct config *cfg, const char *arg, char *err, size_t errlen)
{
	if (!*arg)
		return fail(err, errlen, "empty output file name");
	/* "-o -- python app.py": the file name was forgotten. */
	if (!strcmp(arg, "--"))
		return fail(err, errlen,
			    "-o needs a file name before '--' (use ./-- for that file)");
	cfg->output = arg;
	return 0;
}

static int parse_format(struct config *cfg, const char *arg, char *err, size_t errlen)
{
	char names[128];

	cfg->format = output__parse_format(arg);
	if (cfg->format >= 0)
		return 0;
	output__format_list(names, sizeof(names));
	if (!strcmp(arg, "chrometrace"))
		return fail(err, errlen, "format 'chrometrace' is not supported yet (use %s)",
			    names);
	return fail(err, errlen, "unknown format '%s' (use %s)", arg, names);
}

static int parse_rate(struct config *cfg, const char *arg, char *err, size_t errlen)
{
	long v;

	if (parse_long(arg, 1, PH_RATE_MAX, &v))
		return fail(err, errlen, "invalid rate '%s': expected 1 to %d samples per second",
			    arg, PH_RATE_MAX);
	cfg->rate = (int)v;
	return 0;
}

/* Seconds > 0, or py-spy's "unlimited" (its default, spelled out). */
static int parse_duration(struct config *cfg, const char *arg, char *err, size_t errlen)
{
	char *end;
	double d;

	if (!strcmp(arg, "unlimited")) {
		cfg->duration = 0;
		return 0;
	}
	errno = 0;
	d = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(d) || d <= 0 || d > PH_DURATION_MAX)
		return fail(err, errlen, "invalid duration '%s': expected a number of seconds > 0",
			    arg);
	cfg->duration = d;
	return 0;
}

static int parse_interval(struct config *cfg, const char *arg, char *err, size_t errlen)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(d) || d < PH_INTERVAL_MIN ||
	    d > PH_INTERVAL_MAX)
		return fail(err, errlen,
			    "invalid interval '%s': expected %g to %g seconds between refreshes",
			    arg, PH_INTERVAL_MIN, PH_INTERVAL_MAX);
	cfg->interval = d;
	return 0;
}

static int parse_lines_threshold(struct config *cfg, const char *arg, char *err, size_t errlen)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(d) || d < 0 || d > 100)
		return fail(err, errlen, "invalid threshold '%s': expected a percentage, 0 to 100",
			    arg);
	cfg->lines_threshold = d;
	return 0;
}

static int parse_title(struct config *cfg, const char *arg, char *err, size_t errlen)
{
	cfg->title = arg;
	return 0;
}

/* Every option of every command, in --help order. */
static const struct cli_opt options[] = {
    {'p', "pid", "PID[,...]", IN_RECORD | IN_TOP | IN_DUMP, VALUE(parse_pids),
     .help = "profile running processes: repeat -p, or give a comma list (12,34)"},
    {'o', "output", "FILE", IN_RECORD, VALUE(parse_output),
     .help = "where to write the profile ('-' = stdout; default: pyhawk-PID-TIMESTAMP.EXT)"},
    {'o', "output", "FILE", IN_DIFF, VALUE(parse_output),
     .help = "where to write the flame graph ('-' = stdout; default: diff.svg)"},
    {'f', "format", "FORMAT", IN_RECORD, VALUE(parse_format),
     .help = "flamegraph (SVG), speedscope (JSON), raw (collapsed stacks), pprof (profile.proto, "
	     "gzipped), pstats (cProfile's stats, for pstats and snakeviz) or lines (each hot "
	     "function's source lines with their samples); default: from the -o extension, else "
	     "flamegraph"},
    {0, "lines-threshold", "PCT", IN_RECORD, VALUE(parse_lines_threshold),
     .help = "-f lines: the functions in at least PCT % of the samples (default 1)"},
    {'d', "duration", "SECS", IN_RECORD | IN_TOP, VALUE(parse_duration),
     .help = "stop after SECS seconds (default: 'unlimited', until the command exits or Ctrl-C)"},
    {'r', "rate", "HZ", IN_RECORD | IN_TOP, VALUE(parse_rate),
     .help = "samples per second of CPU time (1-100000, default 100)"},
    {'s', "subprocesses", NULL, IN_RECORD | IN_TOP | IN_DUMP, FLAG(subprocesses),
     .help = "follow the child processes of the -p targets or of the command too"},
    {'F', "function", NULL, IN_RECORD, FLAG(function),
     .help = "aggregate by function (its first line), not by the line running"},
    {0, "nolineno", NULL, IN_RECORD, FLAG(nolineno), .help = "no line numbers in frame labels"},
    {'t', "threads", NULL, IN_RECORD, FLAG(threads), .help = "a root frame per thread"},
    {'g', "gil", NULL, IN_RECORD | IN_TOP, FLAG(gil),
     .help = "only the samples of threads holding the GIL; the summary says which threads held "
	     "it for how long"},
    {'i', "idle", NULL, IN_RECORD | IN_TOP, FLAG(idle),
     .help = "every thread at the rate, running or not (wall-clock time); an off-CPU sample "
	     "ends in a frame saying why: [idle: sleep], [idle: lock], [idle: I/O], [idle: GIL "
	     "wait], [idle: runnable] or [idle: other]"},
    {0, "nogc", NULL, IN_RECORD | IN_TOP, FLAG(nogc),
     .help = "no <GC> frame under the frame that set off a garbage collection"},
    {0, "calls", NULL, IN_RECORD, FLAG(calls),
     .help = "count every call of every function exactly (the interpreter's function__entry "
	     "probe: 3.15, or 3.8-3.10 built with dtrace; a few µs per call)"},
    {'n', "native", NULL, IN_RECORD | IN_TOP | IN_DUMP, .kind = OPT_UNSUPPORTED,
     .help = "native (C, C++, Cython) frames too", .why = "(pyhawk samples Python frames only)"},
    {0, "nonblocking", NULL, IN_RECORD | IN_TOP | IN_DUMP, .kind = OPT_NOOP,
     .help = "accepted, does nothing: pyhawk never pauses the target anyway"},
    {0, "full-filenames", NULL, IN_RECORD | IN_TOP | IN_DUMP, FLAG(full_filenames),
     .help = "full paths, not module paths"},
    {0, "capture", NULL, IN_RECORD, FLAG(capture),
     .help = "do not show the command's output (stdout and stderr)"},
    {0, "hideprogress", NULL, IN_RECORD, FLAG(hideprogress),
     .help = "no progress line on a terminal (the summary stays)"},
    {'q', "quiet", NULL, IN_RECORD, FLAG(quiet),
     .help = "no progress line and no summary of losses: only the profile and errors"},
    {0, "interval", "SECS", IN_TOP, VALUE(parse_interval),
     .help = "seconds between refreshes (default 1)"},
    {0, "delay", "SECS", IN_TOP, VALUE(parse_interval), .help = "the same as --interval"},
    {0, "once", NULL, IN_TOP, FLAG(once),
     .help = "print the table once, after the first interval, and exit"},
    {'l', "locals", NULL, IN_DUMP, FLAG(locals),
     .help = "each frame's arguments and local variables"},
    {'j', "json", NULL, IN_DUMP, FLAG(json), .help = "the stacks as one JSON document"},
    {'a', "all", NULL, IN_RECORD | IN_TOP | IN_DUMP, FLAG(all),
     .help = "every Python process on the host"},
    {0, "title", "TITLE", IN_RECORD | IN_DIFF, VALUE(parse_title),
     .help = "title of the flame graph"},
    {0, "stats", NULL, IN_RECORD, FLAG(stats),
     .help = "print every counter (samples, losses by reason, BPF time) at the end"},
    {'v', "verbose", NULL, IN_RECORD | IN_TOP | IN_DUMP, FLAG(verbose),
     .help = "say more (libbpf messages, discovery)"},
    {'h', "help", NULL, IN_MAIN | IN_RECORD | IN_TOP | IN_DUMP | IN_DIFF, .kind = OPT_HELP,
     .help = "this help"},
    {'V', "version", NULL, IN_MAIN, .kind = OPT_VERSION, .help = "pyhawk's version"},
};

struct cli_cmd {
	const char *name;
	unsigned bit;
	int command; /* enum ph_command; CMD_NONE (0): not built yet */
	const char *summary;
	const char *usage[3];	 /* after "pyhawk NAME " */
	const char *examples[4]; /* after "pyhawk NAME " */
};

static const struct cli_cmd commands[] = {
    {.name = "record",
     .bit = IN_RECORD,
     .command = CMD_RECORD,
     .summary = "sample a Python program and write a profile",
     .usage = {"[OPTIONS] -p PID[,...]", "[OPTIONS] -- COMMAND [ARGS...]", "[OPTIONS] --all"},
     .examples = {"-o profile.svg -- python3 app.py", "-p 1234 -d 30 -f speedscope -o app.json",
		  "-r 1000 -F -f raw -o - -p 1234 | flamegraph.pl",
		  "--duration 300 -p 1234 --output app.svg --nonblocking"}},
    {.name = "top",
     .bit = IN_TOP,
     .command = CMD_TOP,
     .summary = "a live view of the functions taking the most time",
     .usage = {"[OPTIONS] -p PID[,...]", "[OPTIONS] -- COMMAND [ARGS...]", "[OPTIONS] --all"},
     .examples = {"-p 1234", "--all --idle", "--once -p 1234 > top.txt"}},
    {.name = "dump",
     .bit = IN_DUMP,
     .command = CMD_DUMP,
     .summary = "print the Python stack of every thread, without pausing the process",
     .usage = {"[OPTIONS] -p PID[,...]", "[OPTIONS] --all"},
     .examples = {"-p 1234", "--locals -p 1234", "--json -p 1234,5678"}},
    {.name = "diff",
     .bit = IN_DIFF,
     .command = CMD_DIFF,
     .summary = "a flame graph of how a raw profile changed since another",
     .usage = {"[OPTIONS] BEFORE AFTER"},
     .examples = {"before.txt after.txt -o diff.svg", "--title 'cache on' old.txt new.txt"}},
};

/* getopt_long returns OPT_BASE + the option's index, short or long. */
#define OPT_BASE 256

static const struct cli_opt *by_letter(int c, unsigned in)
{
	for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
		if (options[i].letter == c && (options[i].in & in))
			return &options[i];
	}
	return NULL;
}

static int apply(const struct cli_opt *o, const char *arg, struct config *cfg, char *err,
		 size_t errlen)
{
	switch (o->kind) {
	case OPT_FLAG:
		*(bool *)((char *)cfg + o->field) = true;
		return 0;
	case OPT_VALUE:
		return o->parse(cfg, arg, err, errlen);
	case OPT_NOOP:
		return 0;
	case OPT_UNSUPPORTED:
		return fail(err, errlen, "--%s is not supported yet%s%s", o->name,
			    o->why ? " " : "", o->why ? o->why : "");
	case OPT_HELP:
		cfg->command = CMD_HELP;
		return 0;
	case OPT_VERSION:
		cfg->command = CMD_VERSION;
		return 0;
	}
	return fail(err, errlen, "internal error: option --%s", o->name);
}

/* Applies the options of one command (an IN_* bit) from argv[1] on, up to
 * the first non-option ('+': so that a profiled command's own flags stay
 * its own) or --help/--version. Leaves optind at the first argument left.
 * diff has no command to protect: its files and options come in any
 * order (getopt moves the files to the end). */
static int parse_options(int argc, char **argv, unsigned in, struct config *cfg, char *err,
			 size_t errlen)
{
	struct option longopts[ARRAY_SIZE(options) + 1];
	char shortopts[3 + 2 * ARRAY_SIZE(options)];
	size_t nlong = 0, nshort = 0;
	int c, ret;

	if (in != IN_DIFF)
		shortopts[nshort++] = '+';
	shortopts[nshort++] = ':';
	for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
		const struct cli_opt *o = &options[i];

		if (!(o->in & in))
			continue;
		longopts[nlong++] = (struct option){
		    o->name, o->arg ? required_argument : no_argument, NULL, OPT_BASE + (int)i};
		if (o->letter) {
			shortopts[nshort++] = o->letter;
			if (o->arg)
				shortopts[nshort++] = ':';
		}
	}
	longopts[nlong] = (struct option){NULL, 0, NULL, 0};
	shortopts[nshort] = '\0';

	optind = 0; /* glibc: start afresh, whatever an earlier parse left */
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		const struct cli_opt *o;

		/* glibc: optopt is the option's val, 0 for an unknown long one. */
		if (c == ':' && optopt >= OPT_BASE)
			return fail(err, errlen, "option '--%s' needs a value",
				    options[optopt - OPT_BASE].name);
		if (c == ':')
			return fail(err, errlen, "option '-%c' needs a value", optopt);
		if (c == '?' && optopt >= OPT_BASE)
			return fail(err, errlen, "option '--%s' takes no value",
				    options[optopt - OPT_BASE].name);
		if (c == '?' && optopt)
			return fail(err, errlen, "unknown option '-%c'", optopt);
		if (c == '?')
			return fail(err, errlen, "unknown option '%s'", argv[optind - 1]);
		o = c >= OPT_BASE ? &options[c - OPT_BASE] : by_letter(c, in);
		if (!o)
			return fail(err, errlen, "unknown option '-%c'", c);
		ret = apply(o, optarg, cfg, err, errlen);
		if (ret || cfg->command == CMD_HELP || cfg->command == CMD_VERSION)
			return ret;
	}
	return 0;
}

static const struct cli_cmd *find_command(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	}
	return NULL;
}

/* A command the table knows, and that is built. */
static const struct cli_cmd *built_command(const char *name, char *err, size_t errlen)
{
	const struct cli_cmd *c = find_command(name);

	if (!c)
		fail(err, errlen, "unknown command '%s' (try 'pyhawk --help')", name);
	else if (c->command == CMD_NONE)
		fail(err, errlen, "'%s' is not built yet", name);
	return c && c->command != CMD_NONE ? c : NULL;
}

/* What record needs besides well-formed options: one kind of target. */
static int check_record(const struct config *cfg, char *err, size_t errlen)
{
	if (cfg->function && cfg->nolineno)
		return fail(err, errlen, "--function and --nolineno cannot be combined");
	if (cfg->format == OUT_LINES && (cfg->function || cfg->nolineno))
		return fail(err, errlen, "-f lines shows the line running: give no %s",
			    cfg->function ? "--function" : "--nolineno");
	if (cfg->lines_threshold >= 0 && cfg->format != OUT_LINES)
		return fail(err, errlen, "--lines-threshold is for -f lines");
	if (cfg->all && (cfg->npids || cfg->argv))
		return fail(err, errlen,
			    "--all profiles every Python process: give no -p and no command");
	if (cfg->npids && cfg->argv)
		return fail(err, errlen, "give either -p PID or a command after --, not both");
	if (cfg->subprocesses && !cfg->npids && !cfg->argv)
		return fail(err, errlen, "--subprocesses needs -p PID or a command to follow");
	if (!cfg->npids && !cfg->argv && !cfg->all)
		return fail(err, errlen, "nothing to profile: give -p PID, -- COMMAND or --all");
	return 0;
}

/* What dump needs: processes, no command. */
static int check_dump(const struct config *cfg, char *err, size_t errlen)
{
	if (cfg->all && cfg->npids)
		return fail(err, errlen, "--all dumps every Python process: give no -p");
	if (!cfg->npids && !cfg->all)
		return fail(err, errlen, "nothing to dump: give -p PID or --all");
	return 0;
}

/* pyhawk diff [OPTIONS] BEFORE AFTER */
static int parse_diff(int argc, char **argv, struct config *cfg, char *err, size_t errlen)
{
	int ret = parse_options(argc, argv, IN_DIFF, cfg, err, errlen);

	if (ret)
		return ret;
	if (cfg->command == CMD_HELP) {
		cfg->help_command = CMD_DIFF;
		return 0;
	}
	if (argc - optind < 2)
		return fail(err, errlen,
			    "diff needs two profiles: BEFORE AFTER (of record -f raw)");
	if (argc - optind > 2)
		return fail(err, errlen, "unexpected argument '%s' (diff takes two profiles)",
			    argv[optind + 2]);
	cfg->before = argv[optind];
	cfg->after = argv[optind + 1];
	return 0;
}

static int parse_record(int argc, char **argv, struct config *cfg, char *err, size_t errlen)
{
	int cmd = cfg->command;
	int ret = parse_options(argc, argv,
				cmd == CMD_DUMP	 ? IN_DUMP
				: cmd == CMD_TOP ? IN_TOP
						 : IN_RECORD,
				cfg, err, errlen);

	if (ret)
		return ret;
	if (cfg->command == CMD_HELP) {
		cfg->help_command = cmd;
		return 0;
	}
	if (cmd == CMD_DUMP) {
		if (optind < argc)
			return fail(err, errlen, "unexpected argument '%s'", argv[optind]);
		return check_dump(cfg, err, errlen);
	}
	if (optind < argc) {
		/* getopt keeps "--" out of argv[optind..] only when it saw it. */
		if (strcmp(argv[optind - 1], "--") != 0)
			return fail(err, errlen,
				    "unexpected argument '%s' (put the command after --)",
				    argv[optind]);
		cfg->argv = &argv[optind];
	}
	return check_record(cfg, err, errlen);
}

/* pyhawk help [COMMAND] */
static int parse_help(int argc, char **argv, struct config *cfg, char *err, size_t errlen)
{
	const struct cli_cmd *c;

	cfg->command = CMD_HELP;
	if (argc < 2)
		return 0;
	if (argc > 2)
		return fail(err, errlen, "unexpected argument '%s'", argv[2]);
	c = built_command(argv[1], err, errlen);
	if (!c)
		return -EINVAL;
	cfg->help_command = c->command;
	return 0;
}

int cli__parse(int argc, char **argv, struct config *cfg, char *err, size_t errlen)
{
	const struct cli_cmd *c;
	int ret, i;

	memset(cfg, 0, sizeof(*cfg));
	cfg->format = -1;
	cfg->rate = 100;
	cfg->interval = 1.0;
	cfg->lines_threshold = -1;
	ret = parse_options(argc, argv, IN_MAIN, cfg, err, errlen);
	if (ret || cfg->command != CMD_NONE)
		return ret;
	i = optind;
	if (i >= argc)
		return fail(err, errlen, "no command given (try 'pyhawk --help')");
	if (!strcmp(argv[i], "help"))
		return parse_help(argc - i, argv + i, cfg, err, errlen);
	c = built_command(argv[i], err, errlen);
	if (!c)
		return -EINVAL;
	cfg->command = c->command;
	if (c->command == CMD_DIFF)
		return parse_diff(argc - i, argv + i, cfg, err, errlen);
	return parse_record(argc - i, argv + i, cfg, err, errlen);
}

/* --help: options in a column, their help wrapped beside them. */
#define HELP_COL   28
#define HELP_WIDTH 80

static void help_text(FILE *f, int col, const char *text, const char *suffix)
{
	char buf[512];
	const char *p = buf;
	bool first = true;

	snprintf(buf, sizeof(buf), "%s%s", text, suffix);
	if (col >= HELP_COL - 1) {
		fputc('\n', f);
		col = 0;
	}
	fprintf(f, "%*s", HELP_COL - col, "");
	col = HELP_COL;
	while (*p) {
		int n = (int)strcspn(p, " ");

		if (!first && col + 1 + n > HELP_WIDTH) {
			fprintf(f, "\n%*s", HELP_COL, "");
			col = HELP_COL;
		} else if (!first) {
			fputc(' ', f);
			col++;
		}
		fprintf(f, "%.*s", n, p);
		col += n;
		first = false;
		p += n;
		p += strspn(p, " ");
	}
	fputc('\n', f);
}

static void help_options(FILE *f, unsigned in)
{
	fputs("OPTIONS:\n", f);
	for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
		const struct cli_opt *o = &options[i];
		int col;

		if (!(o->in & in))
			continue;
		if (o->letter)
			col = fprintf(f, "    -%c, --%s", o->letter, o->name);
		else
			col = fprintf(f, "        --%s", o->name);
		if (o->arg)
			col += fprintf(f, " %s", o->arg);
		help_text(f, col, o->help,
			  o->kind == OPT_UNSUPPORTED ? " (not supported yet)" : "");
	}
}

static void help_command(const struct cli_cmd *c, FILE *f)
{
	fprintf(f, "pyhawk %s: %s\n\nUSAGE:\n", c->name, c->summary);
	for (size_t i = 0; i < ARRAY_SIZE(c->usage) && c->usage[i]; i++)
		fprintf(f, "    pyhawk %s %s\n", c->name, c->usage[i]);
	fputc('\n', f);
	help_options(f, c->bit);
	fputs("\nEXAMPLES:\n", f);
	for (size_t i = 0; i < ARRAY_SIZE(c->examples) && c->examples[i]; i++)
		fprintf(f, "    pyhawk %s %s\n", c->name, c->examples[i]);
}

static void help_general(FILE *f)
{
	fputs("pyhawk: a sampling profiler for Python programs, on eBPF\n\nUSAGE:\n", f);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		const struct cli_cmd *c = &commands[i];

		for (size_t j = 0; j < ARRAY_SIZE(c->usage) && c->usage[j]; j++)
			fprintf(f, "    pyhawk %s %s\n", c->name, c->usage[j]);
	}
	fputs("    pyhawk help [COMMAND]\n    pyhawk --help | --version\n\nCOMMANDS:\n", f);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "    %-9s %s%s\n", commands[i].name, commands[i].summary,
			commands[i].command == CMD_NONE ? " (not built yet)" : "");
	fputc('\n', f);
	help_options(f, IN_MAIN);
	fputs("\nRun 'pyhawk COMMAND --help' for the options of a command.\n", f);
}

void cli__help(int command, FILE *f)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		if (command != CMD_NONE && commands[i].command == command) {
			help_command(&commands[i], f);
			return;
		}
	}
	help_general(f);
}
