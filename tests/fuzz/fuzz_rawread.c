/* fuzz_rawread.c: libFuzzer target: collapsed stacks from any file a user names, read, then written
 * as raw and read again (the same text both times) and drawn as a differential flame graph. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "output.h"
#include "rawread.h"

static char *render(const struct profile *p, int format, const struct output_opts *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	if (output__write(p, format, o, f))
		abort();
	fclose(f);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile *p = profile__new(), *again = profile__new();
	struct rawread_error e;
	char *text = NULL, *text2 = NULL, *svg = NULL;

	if (!p || !again)
		abort();
	if (rawread__parse(p, (const char *)data, size, &e) == 0) {
		/* What pyhawk writes, it reads back unchanged. */
		text = render(p, OUT_RAW, NULL);
		if (rawread__parse(again, text, strlen(text), &e))
			abort();
		text2 = render(again, OUT_RAW, NULL);
		if (strcmp(text, text2) || profile__total(p) != profile__total(again))
			abort();
		/* And as pyhawk diff draws it, against itself. */
		svg = render(again, OUT_FLAMEGRAPH, &(struct output_opts){.before = p});
	} else if (!e.msg[0] || strchr(e.msg, '\n')) {
		abort(); /* an error always says what, in one line */
	}
	free(text);
	free(text2);
	free(svg);
	profile__free(p);
	profile__free(again);
	return 0;
}
