/* test_cli.c: the command line: flags, values, their checks and messages. */
#include <errno.h>
#include "check.h"
#include "cli.h"
#include "output.h"

static int parse(struct config *cfg, char *err, const char **args)
{
	char *argv[32];
	int argc = 0;

	while (args[argc]) {
		argv[argc] = (char *)args[argc];
		argc++;
	}
	argv[argc] = NULL;
	return cli__parse(argc, argv, cfg, err, 256);
}

#define ARGS(...) ((const char *[]){ "pyhawk", __VA_ARGS__, NULL })

int main(void)
{
	struct config cfg;
	char err[256];

	CHECK_INT(parse(&cfg, err, ARGS("record", "-p", "42")), 0);
	CHECK_INT(cfg.command, CMD_RECORD);
	CHECK_INT(cfg.pid, 42);
	CHECK_INT(cfg.rate, 100);
	CHECK_INT(cfg.format, -1);
	CHECK(cfg.duration == 0);

	CHECK_INT(parse(&cfg, err,
			ARGS("record", "-o", "x.json", "-f", "speedscope", "-r", "1000", "-d",
			     "2.5", "-F", "-t", "--full-filenames", "--stats", "--title", "T", "--",
			     "python3", "-u", "app.py", "--flag")),
		  0);
	CHECK_STR(cfg.output, "x.json");
	CHECK_INT(cfg.format, OUT_SPEEDSCOPE);
	CHECK_INT(cfg.rate, 1000);
	CHECK(cfg.duration == 2.5);
	CHECK(cfg.function && cfg.threads && cfg.full_filenames && cfg.stats);
	CHECK_STR(cfg.title, "T");
	/* The command's own flags stay its own. */
	CHECK_STR(cfg.argv[0], "python3");
	CHECK_STR(cfg.argv[1], "-u");
	CHECK_STR(cfg.argv[3], "--flag");
	CHECK(cfg.argv[4] == NULL);

	CHECK_INT(parse(&cfg, err, ARGS("record", "--rate=250", "--pid=0x10")), 0);
	CHECK_INT(cfg.rate, 250);
	CHECK_INT(cfg.pid, 16);
	CHECK_INT(parse(&cfg, err, ARGS("record", "-p", "010")), 0);
	CHECK_INT(cfg.pid, 10); /* decimal, not octal */

	/* Each bad input: -EINVAL and a message naming the problem. */
	CHECK_INT(parse(&cfg, err, ARGS("record", "-p", "1", "-r", "0")), -EINVAL);
	CHECK(strstr(err, "rate") != NULL);
	CHECK_INT(parse(&cfg, err, ARGS("record", "-p", "1", "-r", "100001")), -EINVAL);
	CHECK_INT(parse(&cfg, err, ARGS("record", "-p", "1", "-r", "10x")), -EINVAL);
	CHECK_INT(parse(&cfg, err, ARGS("record", "-p", "1", "-d", "0")), -EINVAL);
	CHECK(strstr(err, "duration") != NULL);
	CHECK_INT(parse(&cfg, err, ARGS("record", "-p", "1", "-d", "nan")), -EINVAL);
	CHECK_INT(parse(&cfg, err, ARGS("record", "-p", "1", "-d", "-3")), -EINVAL);
	CHECK_INT(parse(&cfg, err, ARGS("record", "-p", "1", "-f", "pdf")), -EINVAL);
	CHECK(strstr(err, "pdf") != NULL);
	CHECK_INT(parse(&cfg, err, ARGS("record", "-p", "-4")), -EINVAL);
	CHECK_INT(parse(&cfg, err, ARGS("record", "-p", "1", "--", "python3")), -EINVAL);
	CHECK(strstr(err, "not both") != NULL);
	CHECK_INT(parse(&cfg, err, ARGS("record")), -EINVAL);
	CHECK(strstr(err, "nothing to profile") != NULL);
	CHECK_INT(parse(&cfg, err, ARGS("record", "-p", "1", "-F", "--nolineno")), -EINVAL);
	CHECK_INT(parse(&cfg, err, ARGS("record", "-p", "1", "--what")), -EINVAL);
	CHECK(strstr(err, "--what") != NULL);
	CHECK_INT(parse(&cfg, err, ARGS("record", "-p")), -EINVAL);
	CHECK(strstr(err, "needs a value") != NULL);
	CHECK_INT(parse(&cfg, err, ARGS("record", "-p", "1", "stray")), -EINVAL);
	CHECK_INT(parse(&cfg, err, ARGS("frobnicate")), -EINVAL);
	CHECK(strstr(err, "frobnicate") != NULL);

	CHECK_INT(parse(&cfg, err, ARGS("--help")), 0);
	CHECK_INT(cfg.command, CMD_HELP);
	CHECK_INT(parse(&cfg, err, ARGS("record", "--help")), 0);
	CHECK_INT(cfg.command, CMD_HELP);
	CHECK_INT(parse(&cfg, err, ARGS("--version")), 0);
	CHECK_INT(cfg.command, CMD_VERSION);
	return check_report("cli");
}
