/* fuzz_sources.c: libFuzzer target: a source file the target runs (any bytes), split into lines
 * by sources__load and handed out by sources__line (read from a memfd).
 *
 * Checked beyond "no crash": the file loads; its lines are exactly those a
 * plain reference split gives (Python's line ends: \n, \r\n and a lone
 * \r), each without its line end, none past the last (nor line 0). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "sources.h"

static int memfd = -1;
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	memfd = memfd_create("fuzz_sources", MFD_CLOEXEC);
	if (memfd < 0)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sources *s = sources__new();
	const char *line;
	size_t at = 0, len;
	int n = 0;

	if (!s)
		abort();
	if (ftruncate(memfd, 0) || pwrite(memfd, data, size, 0) != (ssize_t)size)
		abort();
	if (sources__load(s, 0, path))
		abort();
	while (at < size) {
		size_t end = at, next;

		while (end < size && data[end] != '\n' && data[end] != '\r')
			end++;
		next = end;
		if (next < size)
			next +=
			    data[next] == '\r' && next + 1 < size && data[next + 1] == '\n' ? 2 : 1;
		line = sources__line(s, path, ++n, &len);
		if (!line || len != end - at || memcmp(line, data + at, len))
			abort();
		at = next;
	}
	if (sources__line(s, path, n + 1, &len) || sources__line(s, path, 0, &len))
		abort();
	sources__free(s);
	return 0;
}
