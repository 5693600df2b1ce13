/* jsonout.c: JSON text pieces shared by the writers. */
#include <inttypes.h>
#include "jsonout.h"
#include "profile.h"

/* See jsonout.h. */
void json__str(FILE *f, const char *s)
{
	putc('"', f);
	while (*s) {
		uint32_t cp;
		size_t l = profile__utf8_next(s, &cp);

		if (!l) {
			fputs("\\ufffd", f);
			s++;
			continue;
		}
		switch (cp) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		default:
			if (cp < 0x20)
				fprintf(f, "\\u%04" PRIx32, cp);
			else
				fwrite(s, 1, l, f);
		}
		s += l;
	}
	putc('"', f);
}
