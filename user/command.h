/* command.h: what the sampling commands (record, top) take from the
 * command line the same way: the session's options and the words that
 * name what is profiled. */
#ifndef COMMAND_H
#define COMMAND_H

#include <stddef.h>
#include "cli.h"
#include "session.h"

/* The session options of cfg's targets, rate, --idle and symbols. */
void command__session_opts(const struct config *cfg, struct session_opts *so);
/* What is profiled, in words: the command line, "PID 12, PID 34" or "all
 * Python processes"; a single -p target's own command line when the
 * session knows it (s may be NULL). */
void command__describe(const struct config *cfg, struct session *s, char *buf, size_t len);
/* The exit code of a command that ended with wait status wstatus: its
 * own, or 128 + the signal that killed it (as a shell says). */
int command__exit_code(int wstatus);

#endif /* COMMAND_H */
