/* errors.h: one place that turns a failure into its message and exit code,
 * for every command. */
#ifndef ERRORS_H
#define ERRORS_H

#include "session.h"

/* Prints one "Error: ..." line to stderr for e and returns its exit code
 * (enum ph_exit_code). */
int errors__report(const struct session_error *e);

#endif /* ERRORS_H */
