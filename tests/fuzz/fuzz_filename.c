/* fuzz_filename.c: libFuzzer target: a code object's file name (the target's co_filename, any
 * bytes) shortened to its module path by symbols__short_filename.
 *
 * The packages it looks for are a tree made at start under a temporary
 * root: /pkg/sub/deep with an __init__.py in each, /plain without one.
 * The first byte picks the size of the answer's buffer. Checked beyond "no
 * crash": the answer is NUL-terminated within its buffer and is the path
 * itself or one of its tails after a '/', cut to fit; and a path made of
 * the input's name under the tree gives exactly the module path (from the
 * outermost package's parent on). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "symbols.h"

static char root[64];

static void mkfile(const char *dir, const char *name)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s%s/%s", root, dir, name);
	f = fopen(p, "w");
	if (!f)
		abort();
	fclose(f);
}

static void mkdir_in(const char *dir)
{
	char p[256];

	snprintf(p, sizeof(p), "%s%s", root, dir);
	if (mkdir(p, 0700))
		abort();
}

static void cleanup(void)
{
	static const char *const files[] = {"/pkg/sub/deep/__init__.py",
					    "/pkg/sub/__init__.py",
					    "/pkg/__init__.py",
					    "/pkg/sub/deep",
					    "/pkg/sub",
					    "/pkg",
					    "/plain",
					    ""};
	char p[256];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", root, files[i]);
		remove(p);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	snprintf(root, sizeof(root), "/tmp/fuzz_filename.XXXXXX");
	if (!mkdtemp(root))
		abort();
	atexit(cleanup);
	mkdir_in("/pkg");
	mkdir_in("/pkg/sub");
	mkdir_in("/pkg/sub/deep");
	mkdir_in("/plain");
	mkfile("/pkg", "__init__.py");
	mkfile("/pkg/sub", "__init__.py");
	mkfile("/pkg/sub/deep", "__init__.py");
	return 0;
}

/* Whether got is path, or a tail of it after a '/', cut to len - 1 bytes. */
static int is_tail(const char *path, const char *got, size_t len)
{
	size_t n = strlen(path), g = strlen(got);

	if (g >= len)
		return 0;
	for (size_t k = 0; k <= n; k++) {
		if (k && path[k - 1] != '/')
			continue;
		if (g == (n - k < len - 1 ? n - k : len - 1) && !strncmp(path + k, got, g))
			return 1;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const dirs[] = {"/pkg/sub/deep", "/pkg/sub", "/pkg", "/plain", ""};
	static const char *const want[] = {"pkg/sub/deep/", "pkg/sub/", "pkg/", "", ""};
	char path[4200], name[4096], buf[4200], *got;
	size_t len, n;
	int d;

	if (size < 1)
		return 0;
	len = 1 + data[0] * 17; /* 1 .. 4336: cuts everywhere, and room */
	if (len > sizeof(buf))
		len = sizeof(buf);
	n = size - 1 < sizeof(name) - 1 ? size - 1 : sizeof(name) - 1;
	memcpy(name, data + 1, n);
	name[n] = '\0';

	/* The input as the path itself. */
	memset(buf, 0x5a, sizeof(buf));
	got = (char *)symbols__short_filename(root, name, buf, len);
	if (got != buf || !memchr(buf, '\0', len) || !is_tail(name, buf, len))
		abort();
	for (size_t i = len; i < sizeof(buf); i++)
		if (buf[i] != 0x5a)
			abort();

	/* A file in the tree whose name is the input's (up to a '/'). */
	d = data[0] % 5;
	name[strcspn(name, "/")] = '\0';
	name[4000] = '\0'; /* the path stays within PATH_MAX */
	if (!name[0] || !strcmp(name, ".") || !strcmp(name, ".."))
		return 0;
	snprintf(path, sizeof(path), "%s/%s", dirs[d], name);
	symbols__short_filename(root, path, buf, sizeof(buf));
	if (strncmp(buf, want[d], strlen(want[d])) || strcmp(buf + strlen(want[d]), name))
		abort();
	return 0;
}
