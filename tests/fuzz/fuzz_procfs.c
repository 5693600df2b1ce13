/* fuzz_procfs.c: libFuzzer target: the /proc text parsers (procfs.h), on the target's own text.
 *
 * The first byte picks one; the rest is its input, as it is (any bytes) and
 * inside the text the kernel would write around it:
 *   stat:   procfs__parse_cpu and procfs__parse_state on any line, and on a
 *           stat line whose comm is the input (") ", newlines and all):
 *           there they must give back exactly the fields written after it;
 *   status: procfs__parse_status_line (Tgid, PPid, CapEff) and
 *           procfs__parse_nspid on every line as fgets cuts them (a line
 *           is taken only when it starts with the field's name and ':'),
 *           and exact values from lines written the kernel's way;
 *   cmdline: procfs__cmdline_text: NUL-terminated within the buffer,
 *           NULs turned into spaces and control characters into '?' (none
 *           is left), no trailing space, every other byte as it was;
 *   comm:   procfs__comm_text: NUL-terminated, only the trailing newlines go;
 *   maps:   procfs__parse_maps_line on any line (the path stays inside
 *           it), and on a line the kernel's way whose path is the input:
 *           the numbers and the path come back exactly. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "procfs.h"

#define TEXT_MAX 4096

struct input {
	const uint8_t *p, *end;
};

/* The next n bytes of the input as a little-endian number (0 past its end). */
static uint64_t take(struct input *in, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v |= (uint64_t)(in->p < in->end ? *in->p++ : 0) << (8 * i);
	return v;
}

/* The rest of the input as a C string, without the bytes in drop. */
static size_t take_text(struct input *in, char *buf, size_t size, const char *drop)
{
	size_t n = 0;

	while (in->p < in->end && n + 1 < size) {
		char c = (char)*in->p++;

		if (c && !strchr(drop, c))
			buf[n++] = c;
	}
	buf[n] = '\0';
	return n;
}

static void fuzz_stat(struct input *in)
{
	static const char states[] = "RSDZTtXxKWPI";
	static char line[TEXT_MAX + 512], comm[TEXT_MAX];
	uint64_t utime = take(in, 4), stime = take(in, 4), cutime = take(in, 4);
	uint64_t cstime = take(in, 4);
	unsigned int flags = (unsigned int)take(in, 4), got_flags;
	char state = states[take(in, 1) % (sizeof(states) - 1)], got_state;
	long ticks = 1 + (long)(take(in, 2) % 1000);
	const uint8_t *rest = in->p;
	struct procfs_cpu c;
	const char *q;

	/* Any line at all. */
	take_text(in, line, sizeof(line), "");
	if (!procfs__parse_cpu(line, ticks, &c) &&
	    !procfs__parse_state(line, &got_state, &got_flags)) {
		q = strrchr(line, ')');
		if (!isspace((unsigned char)q[2]) &&
		    c.final != (got_state == 'Z' || got_state == 'X'))
			abort();
	}

	/* A stat line whose comm is the input: what follows it is the kernel's. */
	in->p = rest;
	take_text(in, comm, sizeof(comm), "");
	snprintf(line, sizeof(line),
		 "4242 (%s) %c 1 4242 4242 0 -1 %u 100 0 0 0 %" PRIu64 " %" PRIu64 " %" PRIu64
		 " %" PRIu64 " 20 0 3 0 12345 67890 123 18446744073709551615 1 1 0 0 0 0 0 "
		 "16781312 0 0 0 0 17 1 0 0 0 0 0\n",
		 comm, state, flags, utime, stime, cutime, cstime);
	if (procfs__parse_cpu(line, ticks, &c) || procfs__parse_state(line, &got_state, &got_flags))
		abort();
	if (c.user_ns != utime * (1000000000ull / ticks) ||
	    c.sys_ns != stime * (1000000000ull / ticks) ||
	    c.cuser_ns != cutime * (1000000000ull / ticks) ||
	    c.csys_ns != cstime * (1000000000ull / ticks) ||
	    c.final != (state == 'Z' || state == 'X') || got_state != state || got_flags != flags)
		abort();
}

/* A line of /proc/PID/status as the readers see it. */
static void status_line(const char *line)
{
	static const struct {
		const char *name;
		int base;
	} fields[] = {{"Tgid", 10}, {"PPid", 10}, {"CapEff", 16}};
	unsigned long long v;
	uint32_t first, last;
	int r;

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		size_t n = strlen(fields[i].name);
		int named = !strncmp(line, fields[i].name, n) && line[n] == ':';

		r = procfs__parse_status_line(line, fields[i].name, fields[i].base, &v);
		if (named ? r != 0 && r != -EINVAL : r != -ENOENT)
			abort();
	}
	r = procfs__parse_nspid(line, &first, &last);
	if (strncmp(line, "NSpid:", 6) ? r != -ENOENT : r < 0 || (size_t)r > strlen(line) / 2)
		abort();
}

static void fuzz_status(struct input *in)
{
	static char text[TEXT_MAX];
	const uint8_t *rest = in->p;
	unsigned long long v, cap;
	uint32_t pid, ns[3], first, last;
	char line[256];
	size_t n, at;

	/* Any text, cut into lines as fgets(line, 256) cuts it. */
	n = take_text(in, text, sizeof(text), "");
	for (at = 0; at < n;) {
		size_t k = 0;

		while (at < n && k < sizeof(line) - 1) {
			line[k++] = text[at++];
			if (line[k - 1] == '\n')
				break;
		}
		line[k] = '\0';
		status_line(line);
	}

	/* The kernel's lines. */
	in->p = rest;
	pid = (uint32_t)take(in, 4);
	cap = take(in, 8);
	for (int i = 0; i < 3; i++)
		ns[i] = (uint32_t)take(in, 4);
	snprintf(line, sizeof(line), "Tgid:\t%u\n", pid);
	if (procfs__parse_status_line(line, "Tgid", 10, &v) || v != pid)
		abort();
	if (procfs__parse_status_line(line, "PPid", 10, &v) != -ENOENT)
		abort();
	snprintf(line, sizeof(line), "CapEff:\t%016llx\n", cap);
	if (procfs__parse_status_line(line, "CapEff", 16, &v) || v != cap)
		abort();
	snprintf(line, sizeof(line), "NSpid:\t%u\t%u\t%u\n", ns[0], ns[1], ns[2]);
	if (procfs__parse_nspid(line, &first, &last) != 3 || first != ns[0] || last != ns[2])
		abort();
}

/* What a cmdline byte must become. */
static unsigned char cmdline_byte(unsigned char in)
{
	if (!in)
		return ' ';
	return in < 0x20 || in == 0x7f ? '?' : in;
}

/* procfs__cmdline_text or procfs__comm_text on the input, in a buffer of
 * exactly its size + 1: a cmdline's NULs become spaces and its control
 * characters '?' (so none is left), a comm's bytes stay; what is cut is
 * only the trailing spaces and NULs (cmdline) or newlines (comm). */
static void fuzz_text(const uint8_t *data, size_t size, bool comm)
{
	char *buf = malloc(size + 1);
	size_t n;

	if (!buf)
		abort();
	memcpy(buf, data, size);
	n = comm ? procfs__comm_text(buf, size) : procfs__cmdline_text(buf, size);
	if (n > size || buf[n] || (n && buf[n - 1] == (comm ? '\n' : ' ')))
		abort();
	for (size_t i = 0; i < size; i++) {
		unsigned char in = data[i];

		if (i < n && (unsigned char)buf[i] != (comm ? in : cmdline_byte(in)))
			abort();
		if (i >= n && in != (comm ? '\n' : ' ') && (comm || in))
			abort();
	}
	free(buf);
}

static void fuzz_maps(struct input *in)
{
	static char line[TEXT_MAX + 256], path[TEXT_MAX];
	uint64_t start = take(in, 6), end = take(in, 6), off = take(in, 5);
	unsigned int major = (unsigned int)take(in, 2) % 4096, minor = (unsigned int)take(in, 2);
	unsigned long long inode = take(in, 8);
	const uint8_t *rest = in->p;
	struct procfs_mapping m;
	int len;

	/* Any line (fgets stops at '\n'). */
	take_text(in, line, sizeof(line), "\n");
	if (!procfs__parse_maps_line(line, &m) && (m.path < line || m.path > line + strlen(line) ||
						   (*m.path && isspace((unsigned char)*m.path))))
		abort();

	/* The kernel's line: padded to column 73, then the path ('\n' in a
	 * name is written as "\012"); an anonymous mapping has none. */
	in->p = rest;
	path[0] = '/';
	take_text(in, path + 1, sizeof(path) - 1, "\n");
	if (path[1] == '\0')
		path[0] = '\0';
	len = snprintf(line, sizeof(line),
		       "%08" PRIx64 "-%08" PRIx64 " r-xp %08" PRIx64 " %02x:%02x %llu ", start, end,
		       off, major, minor, inode);
	snprintf(line + len, sizeof(line) - len, "%*s%s", path[0] && len < 73 ? 73 - len : 0, "",
		 path);
	if (procfs__parse_maps_line(line, &m) || m.start != start || m.end != end ||
	    m.offset != off || m.major != major || m.minor != minor || m.inode != inode ||
	    strcmp(m.path, path))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data + 1, data + size};

	if (size < 1)
		return 0;
	switch (data[0] % 5) {
	case 0:
		fuzz_stat(&in);
		break;
	case 1:
		fuzz_status(&in);
		break;
	case 2:
	case 3:
		fuzz_text(data + 1, size - 1, data[0] % 5 == 3);
		break;
	default:
		fuzz_maps(&in);
		break;
	}
	return 0;
}
