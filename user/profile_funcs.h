/* profile_funcs.h: the frames of a profile view grouped into functions, (file, first line, name).
 */
#ifndef PROFILE_FUNCS_H
#define PROFILE_FUNCS_H

#include <stdbool.h>
#include <stdint.h>

#include "profile.h"

#define PROFILE_NO_FUNC UINT32_MAX

/*
 * A function is what cProfile keys its stats by: (file, first line, name).
 * With the default line mode a function's samples are spread over one frame
 * per line it was running; they are one function here. The first line is
 * the code object's co_firstlineno where the symbolizer gave it; where it
 * did not, the function is (file, name) and its first line the smallest
 * line seen in its frames. Frames that are not Python code (thread and
 * process roots, <GC>, [idle: ...], [truncated]) are functions of file
 * "~" and line 0, named by their label, as cProfile names built-ins.
 */
struct profile_func {
	const char *name; /* qualname, or the label of a frame that is not Python code */
	const char *file; /* as the frames show it (module path or full path); "~": not Python */
	const char *path; /* the file's full path as the target saw it; NULL: unknown */
	int first_line;	  /* 0: unknown, or not Python */
	bool python;
};

struct profile_funcs;

/* Groups the frames that v's stacks use. Functions are numbered in the
 * order of (file, first line, name), bytewise. v must outlive it. Returns 0
 * or -ENOMEM. */
int profile_funcs__new(const struct profile_view *v, struct profile_funcs **out);
void profile_funcs__free(struct profile_funcs *fs);

uint32_t profile_funcs__count(const struct profile_funcs *fs);
const struct profile_func *profile_funcs__get(const struct profile_funcs *fs, uint32_t i);
/* The function of view frame id, or PROFILE_NO_FUNC (a frame no stack uses). */
uint32_t profile_funcs__of(const struct profile_funcs *fs, uint32_t frame);

#endif /* PROFILE_FUNCS_H */
