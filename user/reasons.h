/* reasons.h: names and messages of the loss reasons in bpf/errors.def. */
#ifndef REASONS_H
#define REASONS_H

#include "pyhawk.h"

enum reason_kind {
	REASON_DROP = 1,  /* the sample was not taken */
	REASON_MARK = 2,  /* the sample was taken, partial or truncated */
	REASON_EVENT = 3, /* not a sample: a description or map problem */
};

/* enum reason_kind of a reason; 0 for a number that is not a reason. */
int reason__kind(unsigned int reason);
/* "READ_FRAME"-style name, or NULL for a number that is not a reason. */
const char *reason__name(unsigned int reason);
/* One-line explanation for summaries and --stats. */
const char *reason__msg(unsigned int reason);

#endif /* REASONS_H */
