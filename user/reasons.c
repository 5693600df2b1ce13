/* reasons.c: the user-space table of loss reasons, expanded from errors.def. */
#include <stddef.h>
#include "reasons.h"

static const char *const names[PH_R_MAX] = {
#define X(name, num, kind, msg) [num] = #name,
#include "errors.def"
#undef X
};

static const char *const msgs[PH_R_MAX] = {
#define X(name, num, kind, msg) [num] = msg,
#include "errors.def"
#undef X
};

enum { DROP = REASON_DROP, MARK = REASON_MARK, EVENT = REASON_EVENT };

static const int kinds[PH_R_MAX] = {
#define X(name, num, kind, msg) [num] = kind,
#include "errors.def"
#undef X
};

int reason__kind(unsigned int reason)
{
	return reason < PH_R_MAX ? kinds[reason] : 0;
}

const char *reason__name(unsigned int reason)
{
	return reason < PH_R_MAX ? names[reason] : NULL;
}

const char *reason__msg(unsigned int reason)
{
	return reason < PH_R_MAX && msgs[reason] ? msgs[reason] : "unknown reason";
}
