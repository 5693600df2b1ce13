/* dump.h: the dump command: every thread's Python stack, now. */
#ifndef DUMP_H
#define DUMP_H

#include "cli.h"

/* Prints the stacks as cfg says (text or --json, --locals) on stdout, its
 * errors on stderr, and returns an enum ph_exit_code. */
int dump__run(const struct config *cfg);

#endif /* DUMP_H */
