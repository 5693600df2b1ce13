/* jsonout.h: JSON text pieces shared by the writers (speedscope, dump). */
#ifndef JSONOUT_H
#define JSONOUT_H

#include <stdio.h>

/* A JSON string: quotes, backslashes and control characters escaped, other
 * UTF-8 passed through (JSON text is UTF-8), invalid bytes as U+FFFD. */
void json__str(FILE *f, const char *s);

#endif /* JSONOUT_H */
