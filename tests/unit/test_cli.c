/* test_cli.c: the command line: flags, values, their checks and messages,
 * and --help generated from the same table the parser uses. */
#include <errno.h>
#include <stdlib.h>
#include "check.h"
#include "cli.h"
#include "output.h"

static int parse(struct config *cfg, char *err, const char **args)
{
	char *argv[64];
	int argc = 0;

	while (args[argc]) {
		argv[argc] = (char *)args[argc];
		argc++;
	}
	argv[argc] = NULL;
	err[0] = '\0';
	return cli__parse(argc, argv, cfg, err, 256);
}

#define ARGS(...) ((const char *[]){"pyhawk", __VA_ARGS__, NULL})

/* A usage error whose message holds every word given. */
#define CHECK_USAGE(args, ...)                                                                     \
	do {                                                                                       \
		const char *words_[] = {__VA_ARGS__};                                              \
		CHECK_INT(parse(&cfg, err, args), -EINVAL);                                        \
		for (size_t w_ = 0; w_ < sizeof(words_) / sizeof(words_[0]); w_++) {               \
			if (!strstr(err, words_[w_]))                                              \
				fprintf(stderr, "message '%s' lacks '%s'\n", err, words_[w_]);     \
			CHECK(strstr(err, words_[w_]) != NULL);                                    \
		}                                                                                  \
		CHECK(strchr(err, '\n') == NULL);                                                  \
	} while (0)

/* Every long option `pyhawk record` has: py-spy 0.4's record options, then
 * pyhawk's own. The help test below fails if the table adds or loses one. */
static const char *const record_longs[] = {
    "pid",	   "output",	     "format",	"duration",	"rate",	 "subprocesses", "function",
    "nolineno",	   "threads",	     "gil",	"idle",		"nogc",	 "calls",	 "native",
    "nonblocking", "full-filenames", "capture", "hideprogress", "quiet", "all",		 "title",
    "stats",	   "verbose",	     "help",
    "lines-threshold",
};
#define NRECORD_LONGS (sizeof(record_longs) / sizeof(record_longs[0]))

static void test_values(void)
{
	struct config cfg;
	char err[256];

	CHECK_INT(parse(&cfg, err, ARGS("record", "-p", "42")), 0);
	CHECK_INT(cfg.command, CMD_RECORD);
	CHECK_INT(cfg.npids, 1);
	CHECK_INT(cfg.pids[0], 42);
	CHECK_INT(cfg.rate, 100);
	CHECK_INT(cfg.format, -1);
	CHECK(cfg.duration == 0);
	CHECK(cfg.argv == NULL && cfg.output == NULL && cfg.title == NULL);
	CHECK(!cfg.all && !cfg.subprocesses && !cfg.capture && !cfg.function && !cfg.nolineno);
	CHECK(!cfg.full_filenames && !cfg.threads && !cfg.stats && !cfg.verbose);

	CHECK_INT(parse(&cfg, err,
			ARGS("record", "-o", "x.json", "-f", "speedscope", "-r", "1000", "-d",
			     "2.5", "-F", "-t", "--full-filenames", "--stats", "--title", "T", "-v",
			     "-s", "--", "python3", "-u", "app.py", "--flag")),
		  0);
	CHECK_STR(cfg.output, "x.json");
	CHECK_INT(cfg.format, OUT_SPEEDSCOPE);
	CHECK_INT(cfg.rate, 1000);
	CHECK(cfg.duration == 2.5);
	CHECK(cfg.function && cfg.threads && cfg.full_filenames && cfg.stats && cfg.verbose);
	CHECK(cfg.subprocesses);
	CHECK_STR(cfg.title, "T");
	CHECK_INT(cfg.npids, 0);
	/* The command's own flags stay its own. */
	CHECK_STR(cfg.argv[0], "python3");
	CHECK_STR(cfg.argv[1], "-u");
	CHECK_STR(cfg.argv[3], "--flag");
	CHECK(cfg.argv[4] == NULL);

	/* py-spy's long spellings, each to the same field. */
	CHECK_INT(parse(&cfg, err,
			ARGS("record", "--output", "o.txt", "--format", "raw", "--rate", "7",
			     "--duration", "3", "--function", "--threads", "--subprocesses",
			     "--verbose", "--capture", "--pid", "9")),
		  0);
	CHECK_STR(cfg.output, "o.txt");
	CHECK_INT(cfg.format, OUT_RAW);
	CHECK_INT(cfg.rate, 7);
	CHECK(cfg.duration == 3);
	CHECK(cfg.function && cfg.threads && cfg.subprocesses && cfg.verbose && cfg.capture);
	CHECK_INT(cfg.pids[0], 9);
	CHECK_INT(parse(&cfg, err, ARGS("record", "-f", "flamegraph", "--nolineno", "-p", "1")), 0);
	CHECK_INT(cfg.format, OUT_FLAMEGRAPH);
	CHECK(cfg.nolineno && !cfg.function);
	CHECK_INT(parse(&cfg, err, ARGS("record", "-f", "pprof", "-p", "1")), 0);
	CHECK_INT(cfg.format, OUT_PPROF);

	CHECK_INT(parse(&cfg, err, ARGS("record", "--rate=250", "--pid=0x10")), 0);
	CHECK_INT(cfg.rate, 250);
	CHECK_INT(cfg.pids[0], 16);
	CHECK_INT(parse(&cfg, err, ARGS("record", "-p", "010")), 0);
	CHECK_INT(cfg.pids[0], 10); /* decimal, not octal */
	/* py-spy's default duration, spelled out. */
	CHECK_INT(parse(&cfg, err, ARGS("record", "-d", "unlimited", "-p", "1")), 0);
	CHECK(cfg.duration == 0);
	/* "--" with nothing after it is no command. */
	CHECK_INT(parse(&cfg, err, ARGS("record", "-p", "1", "--")), 0);
	CHECK(cfg.argv == NULL);
	CHECK_INT(parse(&cfg, err, ARGS("record", "--", "python3", "--", "-p")), 0);
	CHECK_STR(cfg.argv[1], "--");
	CHECK_STR(cfg.argv[2], "-p");
	CHECK_INT(cfg.npids, 0);
}

/* Accepted so that py-spy command lines run, and nothing else. */
static void test_noops(void)
{
	struct config base, cfg;
	char err[256];

	CHECK_INT(parse(&base, err, ARGS("record", "-p", "1")), 0);
	CHECK_INT(parse(&cfg, err, ARGS("record", "--nonblocking", "-p", "1")), 0);
	CHECK(memcmp(&base, &cfg, sizeof(cfg)) == 0);
	/* Progress is shown now: --hideprogress and --quiet hide it. */
	CHECK_INT(parse(&cfg, err, ARGS("record", "--hideprogress", "-p", "1")), 0);
	CHECK(cfg.hideprogress && !cfg.quiet);
	CHECK_INT(parse(&cfg, err, ARGS("record", "-q", "-p", "1")), 0);
	CHECK(cfg.quiet && !cfg.hideprogress);
	CHECK_INT(parse(&cfg, err, ARGS("record", "-p", "1", "--nonblocking")), 0);
	CHECK(memcmp(&base, &cfg, sizeof(cfg)) == 0);
	/* --capture is not one: it has a field. */
	CHECK_INT(parse(&cfg, err, ARGS("record", "--capture", "-p", "1")), 0);
	CHECK(cfg.capture);
	CHECK(memcmp(&base, &cfg, sizeof(cfg)) != 0);
}

static void test_pids(void)
{
	struct config cfg;
	char err[256], list[PH_MAX_PIDS * 8 + 16];
	size_t len = 0;

	CHECK_INT(parse(&cfg, err, ARGS("record", "-p", "12", "-p", "34")), 0);
	CHECK_INT(cfg.npids, 2);
	CHECK_INT(cfg.pids[0], 12);
	CHECK_INT(cfg.pids[1], 34);
	CHECK_INT(parse(&cfg, err, ARGS("record", "-p", "12,34", "--pid", "56,0x10")), 0);
	CHECK_INT(cfg.npids, 4);
	CHECK_INT(cfg.pids[2], 56);
	CHECK_INT(cfg.pids[3], 16);
	/* Duplicates once, in the order first given. */
	CHECK_INT(parse(&cfg, err, ARGS("record", "-p", "34,12,34", "-p", "12", "-p", "0x22")), 0);
	CHECK_INT(cfg.npids, 2);
	CHECK_INT(cfg.pids[0], 34);
	CHECK_INT(cfg.pids[1], 12);

	CHECK_USAGE(ARGS("record", "-p", "0"), "invalid PID '0'");
	CHECK_USAGE(ARGS("record", "-p", "-4"), "invalid PID '-4'");
	CHECK_USAGE(ARGS("record", "-p", "12,-4"), "invalid PID '-4'");
	CHECK_USAGE(ARGS("record", "-p", "12,0"), "invalid PID '0'");
	CHECK_USAGE(ARGS("record", "-p", "12,,34"), "invalid PID ''");
	CHECK_USAGE(ARGS("record", "-p", "12,"), "invalid PID ''");
	CHECK_USAGE(ARGS("record", "-p", ",12"), "invalid PID ''");
	CHECK_USAGE(ARGS("record", "-p", "12 34"), "invalid PID '12 34'");
	CHECK_USAGE(ARGS("record", "-p", "abc"), "invalid PID 'abc'");
	CHECK_USAGE(ARGS("record", "-p", "99999999999999999999999999999999999999"), "invalid PID");
	CHECK_USAGE(ARGS("record", "-p", "2147483648"), "invalid PID");

	/* PH_MAX_PIDS distinct PIDs fit; one more does not. */
	for (int i = 1; i <= PH_MAX_PIDS; i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%d", i > 1 ? "," : "",
					1000 + i);
	CHECK_INT(parse(&cfg, err, ARGS("record", "-p", list)), 0);
	CHECK_INT(cfg.npids, PH_MAX_PIDS);
	CHECK_INT(cfg.pids[PH_MAX_PIDS - 1], 1000 + PH_MAX_PIDS);
	/* A duplicate of one already there costs no room. */
	CHECK_INT(parse(&cfg, err, ARGS("record", "-p", list, "-p", "1001")), 0);
	CHECK_INT(cfg.npids, PH_MAX_PIDS);
	CHECK_USAGE(ARGS("record", "-p", list, "-p", "7"), "too many PIDs", "256");
	snprintf(list + len, sizeof(list) - len, ",7");
	CHECK_USAGE(ARGS("record", "-p", list), "too many PIDs");
}

static void test_bad_values(void)
{
	struct config cfg;
	char err[256];

	CHECK_USAGE(ARGS("record", "-p", "1", "-r", "0"), "rate");
	CHECK_USAGE(ARGS("record", "-p", "1", "-r", "100001"), "rate", "100000");
	CHECK_USAGE(ARGS("record", "-p", "1", "-r", "10x"), "rate");
	CHECK_USAGE(ARGS("record", "-p", "1", "--rate", "010x"), "rate");
	CHECK_USAGE(ARGS("record", "-p", "1", "-d", "0"), "duration");
	CHECK_USAGE(ARGS("record", "-p", "1", "-d", "nan"), "duration");
	CHECK_USAGE(ARGS("record", "-p", "1", "-d", "inf"), "duration");
	CHECK_USAGE(ARGS("record", "-p", "1", "-d", "-3"), "duration");
	CHECK_USAGE(ARGS("record", "-p", "1", "-d", "Unlimited"), "duration");
	CHECK_USAGE(ARGS("record", "-p", "1", "-f", "pdf"), "unknown format 'pdf'", "raw, pprof");
	CHECK_USAGE(ARGS("record", "-p", "1", "-o", ""), "empty output");
	/* py-spy's fourth format. */
	CHECK_USAGE(ARGS("record", "-p", "1", "--format", "chrometrace"),
		    "format 'chrometrace' is not supported yet");
	CHECK_USAGE(ARGS("record", "-p", "1", "--what"), "unknown option '--what'");
	CHECK_USAGE(ARGS("record", "-p", "1", "-Fz"), "unknown option '-z'");
	CHECK_USAGE(ARGS("record", "-p"), "option '-p' needs a value");
	CHECK_USAGE(ARGS("record", "--pid"), "option '--pid' needs a value");
	CHECK_USAGE(ARGS("record", "-p", "1", "--function=yes"), "'--function' takes no value");
	CHECK_USAGE(ARGS("record", "-p", "1", "stray"), "unexpected argument 'stray'", "--");
	/* Options of commands not built yet are not record's. */
	CHECK_USAGE(ARGS("record", "-p", "1", "--delay", "2"), "unknown option '--delay'");
	CHECK_USAGE(ARGS("record", "-p", "1", "-l"), "unknown option '-l'");
	CHECK_USAGE(ARGS("record", "-p", "1", "--json"), "unknown option '--json'");
}

/* -f pstats and -f lines, and what lines needs. */
static void test_report_formats(void)
{
	struct config cfg;
	char err[256];

	CHECK_INT(parse(&cfg, err, ARGS("record", "-f", "pstats", "-p", "1")), 0);
	CHECK_INT(cfg.format, OUT_PSTATS);
	CHECK_INT(parse(&cfg, err, ARGS("record", "-f", "lines", "-p", "1")), 0);
	CHECK_INT(cfg.format, OUT_LINES);
	CHECK(cfg.lines_threshold < 0); /* not given: the writer's default */
	CHECK_INT(
	    parse(&cfg, err, ARGS("record", "-f", "lines", "--lines-threshold", "0.5", "-p", "1")),
	    0);
	CHECK(cfg.lines_threshold == 0.5);
	CHECK_INT(parse(&cfg, err, ARGS("record", "--lines-threshold=0", "-f", "lines", "-p", "1")),
		  0);
	CHECK(cfg.lines_threshold == 0);
	CHECK_USAGE(ARGS("record", "-f", "lines", "--lines-threshold", "101", "-p", "1"),
		    "invalid threshold '101'");
	CHECK_USAGE(ARGS("record", "-f", "lines", "--lines-threshold", "-1", "-p", "1"),
		    "threshold");
	CHECK_USAGE(ARGS("record", "-f", "lines", "--lines-threshold", "nan", "-p", "1"),
		    "threshold");
	CHECK_USAGE(ARGS("record", "--lines-threshold", "5", "-p", "1"), "--lines-threshold",
		    "-f lines");
	CHECK_USAGE(ARGS("record", "--lines-threshold", "5", "-o", "x.txt", "-p", "1"), "-f lines");
	CHECK_USAGE(ARGS("record", "-f", "lines", "-F", "-p", "1"), "-f lines", "--function");
	CHECK_USAGE(ARGS("record", "-f", "lines", "--nolineno", "-p", "1"), "-f lines",
		    "--nolineno");
	/* The formats, named in the refusal. */
	CHECK_USAGE(ARGS("record", "-p", "1", "-f", "pdf"),
		    "(use flamegraph, speedscope, raw, pprof, pstats or lines)");
}

/* py-spy options pyhawk has not built: one message naming each. */
static void test_not_supported(void)
{
	struct config cfg;
	char err[256];

	CHECK_USAGE(ARGS("record", "-p", "1", "-n"), "--native is not supported yet",
		    "Python frames only");
	CHECK_USAGE(ARGS("record", "-p", "1", "--native"), "--native is not supported yet");
	/* py-spy refuses --native with --nonblocking; here --native alone is. */
	CHECK_USAGE(ARGS("record", "-p", "1", "--nonblocking", "--native"), "--native");
	/* In a cluster too, before any later check. */
	CHECK_USAGE(ARGS("record", "-Fn", "--nolineno"), "--native is not supported yet");
}

/* --idle and --gil (record), dump's own flags and targets. */
static void test_idle_gil_dump(void)
{
	struct config cfg;
	char err[256];

	CHECK_INT(parse(&cfg, err, ARGS("record", "-p", "1", "--idle", "--gil")), 0);
	CHECK(cfg.idle && cfg.gil);
	CHECK_INT(parse(&cfg, err, ARGS("record", "-ig", "-p", "1")), 0);
	CHECK(cfg.idle && cfg.gil);
	CHECK_INT(parse(&cfg, err, ARGS("record", "-p", "1")), 0);
	CHECK(!cfg.idle && !cfg.gil);

	CHECK_INT(parse(&cfg, err, ARGS("dump", "-p", "12,34", "--locals", "--json")), 0);
	CHECK_INT(cfg.command, CMD_DUMP);
	CHECK(cfg.locals && cfg.json && cfg.npids == 2);
	CHECK_INT(parse(&cfg, err, ARGS("dump", "-lj", "--all")), 0);
	CHECK(cfg.locals && cfg.json && cfg.all);
	CHECK_USAGE(ARGS("dump"), "nothing to dump: give -p PID or --all");
	CHECK_USAGE(ARGS("dump", "--all", "-p", "1"), "--all dumps every Python process");
	CHECK_USAGE(ARGS("dump", "-p", "1", "--", "python3"), "unexpected argument 'python3'");
	CHECK_USAGE(ARGS("dump", "-p", "1", "--idle"), "unknown option '--idle'");
	CHECK_USAGE(ARGS("dump", "-p", "1", "-o", "x"), "unknown option '-o'");
	CHECK_INT(parse(&cfg, err, ARGS("dump", "--help")), 0);
	CHECK_INT(cfg.command, CMD_HELP);
	CHECK_INT(cfg.help_command, CMD_DUMP);
}

static void test_combinations(void)
{
	struct config cfg;
	char err[256];

	CHECK_USAGE(ARGS("record", "-p", "1", "-F", "--nolineno"), "--function", "--nolineno",
		    "cannot be combined");
	CHECK_USAGE(ARGS("record", "-p", "1", "--", "python3"), "not both");
	CHECK_USAGE(ARGS("record"), "nothing to profile", "-p", "-- COMMAND", "--all");
	CHECK_USAGE(ARGS("record", "-o", "x.svg", "--"), "nothing to profile");

	/* --all: alone, never with targets of its own. */
	CHECK_INT(parse(&cfg, err, ARGS("record", "--all", "-o", "all.svg")), 0);
	CHECK(cfg.all && cfg.npids == 0 && cfg.argv == NULL);
	CHECK_INT(parse(&cfg, err, ARGS("record", "-a")), 0);
	CHECK(cfg.all);
	CHECK_USAGE(ARGS("record", "--all", "-p", "1"),
		    "--all profiles every Python process: give no -p and no command");
	CHECK_USAGE(ARGS("record", "-p", "1", "-a"), "--all profiles every Python process");
	CHECK_USAGE(ARGS("record", "-a", "--", "python3"), "--all profiles every Python process");

	/* -s follows something: -p or the command, not --all or nothing. */
	CHECK_INT(parse(&cfg, err, ARGS("record", "-s", "-p", "1,2")), 0);
	CHECK(cfg.subprocesses && cfg.npids == 2);
	CHECK_INT(parse(&cfg, err, ARGS("record", "--subprocesses", "--", "python3", "x.py")), 0);
	CHECK(cfg.subprocesses && cfg.argv != NULL);
	CHECK_USAGE(ARGS("record", "-s"), "--subprocesses needs -p PID or a command to follow");
	CHECK_USAGE(ARGS("record", "-s", "-o", "x.svg"), "--subprocesses needs");
	CHECK_USAGE(ARGS("record", "-s", "--all"), "--subprocesses needs");
}

static void test_commands(void)
{
	struct config cfg;
	char err[256];

	CHECK_USAGE(ARGS("frobnicate"), "unknown command 'frobnicate'");
	CHECK_USAGE(((const char *[]){"pyhawk", NULL}), "no command given");
	CHECK_USAGE(ARGS("--bogus"), "unknown option '--bogus'");
	/* top: record's kinds of target, its own refresh options. */
	CHECK_INT(parse(&cfg, err, ARGS("top", "-p", "1")), 0);
	CHECK_INT(cfg.command, CMD_TOP);
	CHECK(cfg.interval == 1.0 && !cfg.once);
	CHECK_INT(parse(&cfg, err, ARGS("top", "--all", "--idle", "--gil", "-r", "250")), 0);
	CHECK(cfg.all && cfg.idle && cfg.gil && cfg.rate == 250);
	CHECK_INT(parse(&cfg, err, ARGS("top", "--interval", "0.5", "--once", "--", "python3")), 0);
	CHECK(cfg.interval == 0.5 && cfg.once && cfg.argv && !strcmp(cfg.argv[0], "python3"));
	CHECK_INT(parse(&cfg, err, ARGS("top", "--delay", "2", "-p", "1")), 0);
	CHECK(cfg.interval == 2.0);
	CHECK_USAGE(ARGS("top"), "nothing to profile");
	CHECK_USAGE(ARGS("top", "-p", "1", "--interval", "0"), "invalid interval '0'");
	CHECK_USAGE(ARGS("top", "-p", "1", "--interval", "nan"), "invalid interval");
	CHECK_USAGE(ARGS("top", "-p", "1", "-o", "x.svg"), "unknown option '-o'");
	CHECK_USAGE(ARGS("top", "-p", "1", "--locals"), "unknown option '--locals'");
	CHECK_USAGE(ARGS("top", "-a", "-p", "1"), "--all");
	CHECK_USAGE(ARGS("record", "-p", "1", "--once"), "unknown option '--once'");
	CHECK_INT(parse(&cfg, err, ARGS("top", "--help")), 0);
	CHECK_INT(cfg.help_command, CMD_TOP);

	CHECK_INT(parse(&cfg, err, ARGS("--help")), 0);
	CHECK_INT(cfg.command, CMD_HELP);
	CHECK_INT(cfg.help_command, CMD_NONE);
	CHECK_INT(parse(&cfg, err, ARGS("-h")), 0);
	CHECK_INT(cfg.command, CMD_HELP);
	CHECK_INT(parse(&cfg, err, ARGS("help")), 0);
	CHECK_INT(cfg.command, CMD_HELP);
	CHECK_INT(cfg.help_command, CMD_NONE);
	CHECK_INT(parse(&cfg, err, ARGS("help", "record")), 0);
	CHECK_INT(cfg.command, CMD_HELP);
	CHECK_INT(cfg.help_command, CMD_RECORD);
	CHECK_INT(parse(&cfg, err, ARGS("help", "dump")), 0);
	CHECK_INT(cfg.help_command, CMD_DUMP);
	CHECK_USAGE(ARGS("help", "frob"), "unknown command 'frob'");
	CHECK_USAGE(ARGS("help", "record", "more"), "unexpected argument 'more'");
	CHECK_INT(parse(&cfg, err, ARGS("record", "--help")), 0);
	CHECK_INT(cfg.command, CMD_HELP);
	CHECK_INT(cfg.help_command, CMD_RECORD);
	/* --help wins over what follows it, as py-spy's does. */
	CHECK_INT(parse(&cfg, err, ARGS("record", "-p", "1", "-h", "--bogus")), 0);
	CHECK_INT(cfg.command, CMD_HELP);
	CHECK_INT(cfg.help_command, CMD_RECORD);
	CHECK_INT(parse(&cfg, err, ARGS("--version")), 0);
	CHECK_INT(cfg.command, CMD_VERSION);
	CHECK_INT(parse(&cfg, err, ARGS("-V")), 0);
	CHECK_INT(cfg.command, CMD_VERSION);
	/* Record's options are not the top level's. */
	CHECK_USAGE(ARGS("-p", "1", "record"), "unknown option '-p'");
}

/* diff: two files, options before, between or after them. */
static void test_diff(void)
{
	struct config cfg;
	char err[256];

	CHECK_INT(parse(&cfg, err, ARGS("diff", "before.txt", "after.txt")), 0);
	CHECK_INT(cfg.command, CMD_DIFF);
	CHECK_STR(cfg.before, "before.txt");
	CHECK_STR(cfg.after, "after.txt");
	CHECK(cfg.output == NULL && cfg.title == NULL);
	CHECK_INT(parse(&cfg, err, ARGS("diff", "a.txt", "b.txt", "-o", "d.svg", "--title", "T")),
		  0);
	CHECK_STR(cfg.before, "a.txt");
	CHECK_STR(cfg.after, "b.txt");
	CHECK_STR(cfg.output, "d.svg");
	CHECK_STR(cfg.title, "T");
	CHECK_INT(
	    parse(&cfg, err, ARGS("diff", "--output", "d.svg", "a.txt", "--title=T", "b.txt")), 0);
	CHECK(!strcmp(cfg.before, "a.txt") && !strcmp(cfg.after, "b.txt"));
	CHECK(!strcmp(cfg.output, "d.svg") && !strcmp(cfg.title, "T"));
	/* "-" is standard input; after "--" a name may start with '-'. */
	CHECK_INT(parse(&cfg, err, ARGS("diff", "-", "b.txt")), 0);
	CHECK_STR(cfg.before, "-");
	CHECK_INT(parse(&cfg, err, ARGS("diff", "-o", "-", "--", "-a.txt", "b.txt")), 0);
	CHECK_STR(cfg.before, "-a.txt");
	CHECK_STR(cfg.output, "-");
	CHECK_USAGE(ARGS("diff"), "diff needs two profiles: BEFORE AFTER");
	CHECK_USAGE(ARGS("diff", "a.txt"), "diff needs two profiles");
	CHECK_USAGE(ARGS("diff", "a.txt", "b.txt", "c.txt"), "unexpected argument 'c.txt'");
	CHECK_USAGE(ARGS("diff", "a.txt", "b.txt", "-f", "raw"), "unknown option '-f'");
	CHECK_USAGE(ARGS("diff", "-p", "1", "a.txt", "b.txt"), "unknown option '-p'");
	CHECK_USAGE(ARGS("diff", "a.txt", "b.txt", "-o", ""), "empty output file name");
	CHECK_USAGE(ARGS("diff", "a.txt", "b.txt", "-o"), "option '-o' needs a value");
	CHECK_USAGE(ARGS("diff", "a.txt", "b.txt", "--title"), "option '--title' needs a value");
	CHECK_INT(parse(&cfg, err, ARGS("diff", "a.txt", "--help")), 0);
	CHECK_INT(cfg.command, CMD_HELP);
	CHECK_INT(cfg.help_command, CMD_DIFF);
	CHECK_INT(parse(&cfg, err, ARGS("help", "diff")), 0);
	CHECK_INT(cfg.help_command, CMD_DIFF);
	/* record still stops at the command: its flags are the command's. */
	CHECK_INT(parse(&cfg, err, ARGS("record", "--", "python3", "x.py", "-o", "y")), 0);
	CHECK(cfg.output == NULL && !strcmp(cfg.argv[2], "-o"));
}

static char *help_of(int command)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	cli__help(command, f);
	fclose(f);
	return buf;
}

/* Joins the lines an option's text wrapped onto (those indented more than
 * any option) to the option's line. */
static void unwrap(char *s)
{
	char *out = s;

	while (*s) {
		if (s[0] == '\n' && strspn(s + 1, " ") >= 12) {
			*out++ = ' ';
			s += 1 + strspn(s + 1, " ");
			continue;
		}
		*out++ = *s++;
	}
	*out = '\0';
}

/* The long option an OPTIONS line of --help shows, and whether it takes a
 * value: "    -p, --pid PID[,...]   text" -> "pid", true. */
static bool option_line(const char *line, char *name, size_t size, bool *takes_value)
{
	const char *p = line, *end;

	if (strncmp(p, "    ", 4))
		return false;
	p += strspn(p, " ");
	if (p[0] == '-' && p[1] != '-' && p[2] == ',')
		p += 4;
	if (strncmp(p, "--", 2))
		return false;
	p += 2;
	end = p + strcspn(p, " ");
	snprintf(name, size, "%.*s", (int)(end - p), p);
	*takes_value = end[0] == ' ' && end[1] != ' ';
	return true;
}

/* record --help shows every option of the list above once, and nothing
 * else; the parser knows each, and refuses exactly those the help says
 * are not supported yet. */
static void test_help(void)
{
	char *help = help_of(CMD_RECORD), *general = help_of(CMD_NONE), *line, *save;
	bool seen[NRECORD_LONGS] = {false}, in_options = false;
	struct config cfg;
	char err[256], name[64], opt[80];
	int lines = 0, refused = 0;

	CHECK(help != NULL && general != NULL);
	if (!help || !general)
		goto cleanup;
	CHECK(strstr(help, "USAGE:") && strstr(help, "OPTIONS:") && strstr(help, "EXAMPLES:"));
	for (line = help; *line; line += strcspn(line, "\n") + !!line[strcspn(line, "\n")])
		CHECK(strcspn(line, "\n") <= 80);
	unwrap(help);
	for (line = strtok_r(help, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		bool takes_value, says_refused;
		size_t i;

		if (!strcmp(line, "OPTIONS:") || !strcmp(line, "EXAMPLES:"))
			in_options = !strcmp(line, "OPTIONS:");
		if (!in_options || !option_line(line, name, sizeof(name), &takes_value))
			continue;
		lines++;
		for (i = 0; i < NRECORD_LONGS && strcmp(record_longs[i], name); i++)
			;
		if (i == NRECORD_LONGS) {
			fprintf(stderr, "record --help shows --%s: add it to record_longs\n", name);
			CHECK(false);
			continue;
		}
		CHECK(!seen[i]);
		seen[i] = true;
		snprintf(opt, sizeof(opt), "--%s", name);
		if (takes_value)
			parse(&cfg, err, ARGS("record", opt, "1", "-p", "1"));
		else
			parse(&cfg, err, ARGS("record", opt, "-p", "1"));
		CHECK(strstr(err, "unknown option") == NULL);
		says_refused = strstr(line, "(not supported yet)") != NULL;
		if (says_refused != (strstr(err, "is not supported yet") != NULL))
			fprintf(stderr, "--%s: help and parser disagree: '%s'\n", name, err);
		CHECK(says_refused == (strstr(err, "is not supported yet") != NULL));
		refused += says_refused;
	}
	for (size_t i = 0; i < NRECORD_LONGS; i++) {
		if (!seen[i])
			fprintf(stderr, "record --help lacks --%s\n", record_longs[i]);
		CHECK(seen[i]);
	}
	CHECK_INT(lines, NRECORD_LONGS);
	CHECK_INT(refused, 1); /* --native */

	unwrap(general);
	CHECK(strstr(general, "pyhawk record [OPTIONS]") != NULL);
	CHECK(strstr(general, "--version") != NULL && strstr(general, "--help") != NULL);
	CHECK(strstr(general, "--pid") == NULL);
	line = strstr(general, "    top ");
	CHECK(line && strstr(line, "(not built yet)") < line + strcspn(line, "\n"));
	line = strstr(general, "    record ");
	CHECK(line && !memmem(line, strcspn(line, "\n"), "not built", 9));
	line = strstr(general, "    diff ");
	CHECK(line && !memmem(line, strcspn(line, "\n"), "not built", 9));
	CHECK(strstr(general, "pyhawk diff [OPTIONS] BEFORE AFTER") != NULL);
cleanup:
	free(help);
	free(general);
	/* diff's help: its own -o, --title, --help, nothing of record's. */
	help = help_of(CMD_DIFF);
	CHECK(help && strstr(help, "pyhawk diff [OPTIONS] BEFORE AFTER"));
	CHECK(help && strstr(help, "-o, --output FILE") && strstr(help, "default: diff.svg"));
	CHECK(help && strstr(help, "--title TITLE") && strstr(help, "-h, --help"));
	CHECK(help && !strstr(help, "--pid") && !strstr(help, "pyhawk-PID-TIMESTAMP"));
	free(help);
}

int main(void)
{
	test_values();
	test_noops();
	test_pids();
	test_bad_values();
	test_report_formats();
	test_not_supported();
	test_idle_gil_dump();
	test_combinations();
	test_commands();
	test_help();
	test_diff();
	return check_report("cli");
}
