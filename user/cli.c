/* cli.c: parsing and checking pyhawk's command line (flags follow py-spy). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "output.h"

static const char usage[] =
	"pyhawk: a sampling profiler for Python programs, on eBPF\n"
	"\n"
	"USAGE:\n"
	"    pyhawk record [OPTIONS] (-p PID | -- COMMAND [ARGS...])\n"
	"    pyhawk --help | --version\n"
	"\n"
	"COMMANDS:\n"
	"    record    sample a Python program and write a profile\n"
	"\n"
	"Run 'pyhawk record --help' for the record options.\n";

static const char record_help[] =
	"pyhawk record: sample a Python program and write a profile\n"
	"\n"
	"USAGE:\n"
	"    pyhawk record [OPTIONS] -p PID\n"
	"    pyhawk record [OPTIONS] -- COMMAND [ARGS...]\n"
	"\n"
	"OPTIONS:\n"
	"    -p, --pid PID          profile a running process\n"
	"    -o, --output FILE      where to write the profile ('-' = stdout)\n"
	"                           (default: pyhawk-PID-TIMESTAMP.EXT)\n"
	"    -f, --format FORMAT    flamegraph (SVG), speedscope (JSON) or raw\n"
	"                           (collapsed stacks); default: from the -o\n"
	"                           extension, else flamegraph\n"
	"    -r, --rate HZ          samples per second of CPU time (1-100000,\n"
	"                           default 100)\n"
	"    -d, --duration SECS    stop after SECS seconds (default: until the\n"
	"                           command exits, or Ctrl-C)\n"
	"    -F, --function         aggregate by function (its first line), not\n"
	"                           by the line running\n"
	"        --nolineno         no line numbers in frame labels\n"
	"        --full-filenames   full paths, not module paths\n"
	"    -t, --threads          a root frame per thread\n"
	"        --title TITLE      title of the flame graph\n"
	"        --stats            print every counter (samples, losses by\n"
	"                           reason, BPF time) at the end\n"
	"    -v, --verbose          say more (libbpf messages, discovery)\n"
	"    -h, --help             this help\n"
	"\n"
	"EXAMPLES:\n"
	"    pyhawk record -o profile.svg -- python3 app.py\n"
	"    pyhawk record -p 1234 -d 30 -f speedscope -o app.json\n"
	"    pyhawk record -r 1000 -F -f raw -o - -p 1234 | flamegraph.pl\n";

const char *cli__usage(void)
{
	return usage;
}

const char *cli__record_help(void)
{
	return record_help;
}

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

enum {
	OPT_NOLINENO = 1000,
	OPT_FULL_FILENAMES,
	OPT_TITLE,
	OPT_STATS,
};

static const struct option record_opts[] = {
    {"pid", required_argument, NULL, 'p'},
    {"output", required_argument, NULL, 'o'},
    {"format", required_argument, NULL, 'f'},
    {"rate", required_argument, NULL, 'r'},
    {"duration", required_argument, NULL, 'd'},
    {"function", no_argument, NULL, 'F'},
    {"nolineno", no_argument, NULL, OPT_NOLINENO},
    {"full-filenames", no_argument, NULL, OPT_FULL_FILENAMES},
    {"threads", no_argument, NULL, 't'},
    {"title", required_argument, NULL, OPT_TITLE},
    {"stats", no_argument, NULL, OPT_STATS},
    {"verbose", no_argument, NULL, 'v'},
    {"all", no_argument, NULL, 'a'},
    {"subprocesses", no_argument, NULL, 's'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int parse_record(int argc, char **argv, struct config *cfg, char *err, size_t errlen)
{
	long v;
	int c;

	optind = 1;
	opterr = 0;
	/* '+': stop at the first non-option, so COMMAND's own flags are its own. */
	while ((c = getopt_long(argc, argv, "+:p:o:f:r:d:Fthvas", record_opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (parse_long(optarg, 1, 0x3fffffff, &v))
				return fail(err, errlen, "invalid PID '%s': expected a positive number",
					    optarg);
			if (cfg->npids < PH_MAX_PIDS)
				cfg->pids[cfg->npids++] = (pid_t)v;
			break;
		case 'o':
			if (!*optarg)
				return fail(err, errlen, "empty output file name");
			cfg->output = optarg;
			break;
		case 'f':
			cfg->format = output__parse_format(optarg);
			if (cfg->format < 0)
				return fail(err, errlen,
					    "unknown format '%s' (use flamegraph, speedscope or raw)",
					    optarg);
			break;
		case 'r':
			if (parse_long(optarg, 1, PH_RATE_MAX, &v))
				return fail(err, errlen,
					    "invalid rate '%s': expected 1 to %d samples per second",
					    optarg, PH_RATE_MAX);
			cfg->rate = (int)v;
			break;
		case 'd': {
			char *end;
			double d;

			errno = 0;
			d = strtod(optarg, &end);
			if (errno || end == optarg || *end || !isfinite(d) || d <= 0 ||
			    d > PH_DURATION_MAX)
				return fail(err, errlen,
					    "invalid duration '%s': expected a number of seconds > 0",
					    optarg);
			cfg->duration = d;
			break;
		}
		case 'F':
			cfg->function = true;
			break;
		case OPT_NOLINENO:
			cfg->nolineno = true;
			break;
		case OPT_FULL_FILENAMES:
			cfg->full_filenames = true;
			break;
		case 't':
			cfg->threads = true;
			break;
		case OPT_TITLE:
			cfg->title = optarg;
			break;
		case OPT_STATS:
			cfg->stats = true;
			break;
		case 'v':
			cfg->verbose = true;
			break;
		case 'a':
			cfg->all = true;
			break;
		case 's':
			cfg->subprocesses = true;
			break;
		case 'h':
			cfg->command = CMD_HELP;
			return 0;
		case ':':
			return fail(err, errlen, "option '%s' needs a value", argv[optind - 1]);
		default:
			return fail(err, errlen, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc) {
		/* getopt keeps "--" out of argv[optind..] only when it saw it. */
		if (strcmp(argv[optind - 1], "--") != 0)
			return fail(err, errlen,
				    "unexpected argument '%s' (put the command after --)",
				    argv[optind]);
		cfg->argv = &argv[optind];
	}
	if (cfg->function && cfg->nolineno)
		return fail(err, errlen, "--function and --nolineno cannot be combined");
	if (cfg->npids && cfg->argv)
		return fail(err, errlen, "give either -p PID or a command after --, not both");
	if (!cfg->npids && !cfg->argv && !cfg->all)
		return fail(err, errlen, "nothing to profile: give -p PID or -- COMMAND");
	return 0;
}

int cli__parse(int argc, char **argv, struct config *cfg, char *err, size_t errlen)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->format = -1;
	cfg->rate = 100;
	if (argc < 2)
		return fail(err, errlen, "no command given (try 'pyhawk --help')");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		cfg->command = CMD_HELP;
		return 0;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		cfg->command = CMD_VERSION;
		return 0;
	}
	if (!strcmp(argv[1], "record")) {
		cfg->command = CMD_RECORD;
		return parse_record(argc - 1, argv + 1, cfg, err, errlen);
	}
	return fail(err, errlen, "unknown command '%s' (try 'pyhawk --help')", argv[1]);
}
