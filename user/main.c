/* main.c: pyhawk's entry point: parse the command line, run the command. */
#include <stdio.h>
#include "cli.h"
#include "diff.h"
#include "dump.h"
#include "exitcodes.h"
#include "record.h"
#include "session.h"
#include "top.h"

#define PYHAWK_VERSION "0.1.0"

int main(int argc, char **argv)
{
	struct config cfg;
	char err[256];

	if (cli__parse(argc, argv, &cfg, err, sizeof(err))) {
		fprintf(stderr, "Error: %s\n", err);
		return PH_EXIT_USAGE;
	}
	/* A signal while pyhawk starts (loading BPF takes a while) ends the
	 * capture once it can, not pyhawk with its command left behind. */
	if (cfg.command == CMD_RECORD || cfg.command == CMD_TOP || cfg.command == CMD_DUMP)
		session__hold_signals();
	switch (cfg.command) {
	case CMD_HELP:
		cli__help(cfg.help_command, stdout);
		break;
	case CMD_VERSION:
		printf("pyhawk %s\n", PYHAWK_VERSION);
		break;
	case CMD_RECORD:
		return record__run(&cfg);
	case CMD_DUMP:
		return dump__run(&cfg);
	case CMD_TOP:
		return top__run(&cfg);
	case CMD_DIFF:
		return diff__run(&cfg);
	default:
		cli__help(CMD_NONE, stderr);
		return PH_EXIT_USAGE;
	}
	/* Help or version lost to a full disk or a closed pipe is a failure. */
	if (fflush(stdout) || ferror(stdout)) {
		perror("Error: cannot write to stdout");
		return PH_EXIT_OUTPUT;
	}
	return PH_EXIT_OK;
}
