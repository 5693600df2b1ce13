/* top.h: the top command: a live table of the functions taking the time. */
#ifndef TOP_H
#define TOP_H

#include "cli.h"

/* Runs top as cfg says; returns the exit code (exitcodes.h), or with a
 * command that exited by itself, the command's. */
int top__run(const struct config *cfg);

#endif /* TOP_H */
