/* record.h: the record command: capture, aggregate, write, summarise. */
#ifndef RECORD_H
#define RECORD_H

#include "cli.h"

/* Runs a capture as cfg says. Prints its own error messages (this is the
 * command layer) and returns an enum ph_exit_code. */
int record__run(const struct config *cfg);

#endif /* RECORD_H */
