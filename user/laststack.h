/* laststack.h: the last sample of each thread the task iterator walked.
 * A thread that has not run since is not walked again: the kernel counts
 * its samples, and they are added to this stack (session.c). */
#ifndef LASTSTACK_H
#define LASTSTACK_H

#include <stdint.h>
#include "session.h"

struct laststack;

struct laststack *laststack__new(void);
void laststack__free(struct laststack *ls);
/* Keeps a copy of s (its frames; not its addresses) as its thread's last
 * sample. Returns 0 or -ENOMEM. */
int laststack__set(struct laststack *ls, const struct session_sample *s);
/* The thread's last sample (weight 1), or NULL. Valid until the next set
 * or del of that thread. */
const struct session_sample *laststack__get(struct laststack *ls, uint32_t pid, uint32_t tid);
void laststack__del(struct laststack *ls, uint32_t pid, uint32_t tid);

#endif /* LASTSTACK_H */
