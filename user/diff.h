/* diff.h: pyhawk diff: a differential flame graph of two raw profiles. */
#ifndef DIFF_H
#define DIFF_H

#include "cli.h"

/* Reads cfg->before and cfg->after and writes the flame graph; prints its
 * errors. Returns an exit code (PH_EXIT_*). */
int diff__run(const struct config *cfg);

#endif /* DIFF_H */
