/* main.c: pyhawk's entry point: parse the command line, run the command. */
#include <stdio.h>
#include "cli.h"
#include "exitcodes.h"
#include "record.h"

#define PYHAWK_VERSION "0.1.0"

int main(int argc, char **argv)
{
	struct config cfg;
	char err[256];

	if (cli__parse(argc, argv, &cfg, err, sizeof(err))) {
		fprintf(stderr, "Error: %s\n", err);
		return PH_EXIT_USAGE;
	}
	switch (cfg.command) {
	case CMD_HELP:
		fputs(argc > 1 && cfg.npids == 0 && argv[1][0] == 'r' ? cli__record_help()
								      : cli__usage(),
		      stdout);
		return PH_EXIT_OK;
	case CMD_VERSION:
		printf("pyhawk %s\n", PYHAWK_VERSION);
		return PH_EXIT_OK;
	case CMD_RECORD:
		return record__run(&cfg);
	default:
		fputs(cli__usage(), stderr);
		return PH_EXIT_USAGE;
	}
}
