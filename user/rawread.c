/* rawread.c: reading collapsed stacks back into a profile, every length and number bounded. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rawread.h"

#define FORMAT_HINT "expected 'frame;...;frame COUNT'"

static int fail(struct rawread_error *err, size_t line, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(struct rawread_error *err, size_t line, int code, const char *fmt, ...)
{
	va_list ap;

	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

/* A line number as the writers print it: digits, no sign, no leading zero,
 * at most 9 of them (so it fits an int). 0 when s is not one. */
static int line_number(const char *s, size_t n)
{
	int v = 0;

	if (!n || n > 9 || s[0] == '0')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* "WORD " or "WORD (" then digits, then the end or ": " and anything. */
static int is_root(const char *label, const char *word, int parens)
{
	size_t n = strlen(word), d;
	const char *s = label;

	if (strncmp(s, word, n))
		return 0;
	s += n;
	if (parens && *s++ != '(')
		return 0;
	d = strspn(s, "0123456789");
	if (!d || d > 10)
		return 0;
	s += d;
	if (parens && *s++ != ')')
		return 0;
	return !*s || (s[0] == ':' && s[1] == ' ');
}

/*
 * Interns label (NUL-terminated, len bytes) as the frame that writes it
 * back unchanged (profile__frame_label): "name (file:line)" and "name
 * (file)" are Python frames, split at the first " (" (a qualified name has
 * no space-parenthesis; a path may), the line only when it reads as the
 * writers print one; roots, [truncated] and [partial] get their kinds, so they keep
 * their colours; anything else is a frame named by its text.
 */
static int64_t intern(struct profile *p, char *label, size_t len)
{
	char *open = strstr(label, " ("), *file, *colon;
	int line = 0;
	int64_t id;

	if (is_root(label, "thread ", 1))
		return profile__frame_id(p, label, NULL, 0, PF_THREAD);
	if (is_root(label, "process ", 0))
		return profile__frame_id(p, label, NULL, 0, PF_PROCESS);
	if (!strcmp(label, "[truncated]") || !strcmp(label, "[partial]"))
		return profile__frame_id(p, label, NULL, 0, PF_TRUNCATED);
	/* Python frames have a file: something between the parentheses. */
	if (!open || label[len - 1] != ')' || open + 2 >= label + len - 1)
		return profile__frame_id(p, label, NULL, 0, PF_OTHER);
	file = open + 2;
	label[len - 1] = '\0';
	colon = strrchr(file, ':');
	if (colon && colon > file)
		line = line_number(colon + 1, strlen(colon + 1));
	if (line)
		*colon = '\0';
	*open = '\0';
	id = profile__frame_id(p, label, file, line, PF_PYTHON);
	/* Put the text back as it was: the caller's buffer. */
	*open = ' ';
	if (line)
		*colon = ':';
	label[len - 1] = ')';
	return id;
}

/* The sample count after the last space: decimal digits, nothing else. */
static int parse_count(const char *s, size_t n, size_t lineno, uint64_t *out,
		       struct rawread_error *err)
{
	uint64_t v = 0;

	if (!n)
		return fail(err, lineno, -EINVAL, "no sample count at the end of the line (%s)",
			    FORMAT_HINT);
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return fail(err, lineno, -EINVAL,
				    "sample count '%.*s' is not a whole number (%s)",
				    (int)(n < 24 ? n : 24), s, FORMAT_HINT);
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return fail(err, lineno, -E2BIG, "sample count '%.*s' is too large",
				    (int)(n < 24 ? n : 24), s);
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* One line without its newline; ids and label are scratch space of
 * RAWREAD_MAX_FRAMES ids and RAWREAD_MAX_LABEL + 1 bytes. */
static int blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] != ' ' && s[i] != '\t')
			return 0;
	}
	return 1;
}

static int parse_line(struct profile *p, const char *s, size_t n, size_t lineno, uint32_t *ids,
		      char *label, struct rawread_error *err)
{
	const char *sp, *f, *end;
	uint32_t nframes = 0;
	uint64_t count = 0;
	int ret;

	if (memchr(s, '\0', n))
		return fail(err, lineno, -EINVAL,
			    "a NUL byte: not a text file of collapsed stacks");
	sp = memrchr(s, ' ', n);
	if (!sp)
		return fail(err, lineno, -EINVAL, "no sample count (%s)", FORMAT_HINT);
	ret = parse_count(sp + 1, n - (size_t)(sp + 1 - s), lineno, &count, err);
	if (ret)
		return ret;
	if (sp == s)
		return fail(err, lineno, -EINVAL, "no frames before the sample count (%s)",
			    FORMAT_HINT);
	if (count > UINT64_MAX - profile__total(p))
		return fail(err, lineno, -E2BIG, "the sample counts add up to more than 2^64 - 1");
	for (f = s; f <= sp; f = end + 1) {
		size_t len;
		int64_t id;

		end = memchr(f, ';', (size_t)(sp - f));
		if (!end)
			end = sp;
		len = (size_t)(end - f);
		if (!len)
			return fail(err, lineno, -EINVAL, "frame %" PRIu32 " is empty (%s)",
				    nframes + 1, FORMAT_HINT);
		if (len > RAWREAD_MAX_LABEL)
			return fail(err, lineno, -E2BIG,
				    "frame %" PRIu32 " is longer than %u bytes", nframes + 1,
				    RAWREAD_MAX_LABEL);
		if (nframes == RAWREAD_MAX_FRAMES)
			return fail(err, lineno, -E2BIG, "a stack of more than %u frames",
				    RAWREAD_MAX_FRAMES);
		memcpy(label, f, len);
		label[len] = '\0';
		id = intern(p, label, len);
		if (id < 0)
			return fail(err, lineno, (int)id, "out of memory");
		ids[nframes++] = (uint32_t)id;
	}
	ret = profile__add(p, 0, 0, ids, nframes, count);
	return ret ? fail(err, lineno, ret, "out of memory") : 0;
}

int rawread__parse(struct profile *p, const char *data, size_t len, struct rawread_error *err)
{
	uint32_t *ids = malloc(RAWREAD_MAX_FRAMES * sizeof(*ids));
	char *label = malloc(RAWREAD_MAX_LABEL + 1);
	size_t pos = 0, lineno = 0;
	int ret = 0;

	err->line = 0;
	err->msg[0] = '\0';
	if (!ids || !label) {
		ret = fail(err, 0, -ENOMEM, "out of memory");
		goto cleanup;
	}
	if (len > RAWREAD_MAX_BYTES) {
		ret = fail(err, 0, -E2BIG, "larger than %llu MiB", RAWREAD_MAX_BYTES >> 20);
		goto cleanup;
	}
	while (pos < len && !ret) {
		const char *s = data + pos, *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;

		lineno++;
		pos += n + (nl != NULL);
		if (n > RAWREAD_MAX_LINE) {
			ret = fail(err, lineno, -E2BIG, "a line longer than %u MiB",
				   RAWREAD_MAX_LINE >> 20);
			break;
		}
		if (n && s[n - 1] == '\r')
			n--;
		if (blank(s, n))
			continue;
		ret = parse_line(p, s, n, lineno, ids, label, err);
	}
cleanup:
	free(ids);
	free(label);
	return ret;
}

int rawread__file(struct profile *p, const char *path, struct rawread_error *err)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	size_t len = 0, cap = 0;
	char *buf = NULL;
	int ret = 0;

	err->line = 0;
	if (!f)
		return fail(err, 0, -errno, "cannot read it: %s", strerror(errno));
	for (;;) {
		size_t got;

		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 1 << 16;
			char *nb;

			if (cap > RAWREAD_MAX_BYTES) {
				ret = fail(err, 0, -E2BIG, "larger than %llu MiB",
					   RAWREAD_MAX_BYTES >> 20);
				goto cleanup;
			}
			nb = realloc(buf, ncap);
			if (!nb) {
				ret = fail(err, 0, -ENOMEM, "out of memory");
				goto cleanup;
			}
			buf = nb;
			cap = ncap;
		}
		errno = 0;
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got)
			continue;
		if (ferror(f)) {
			/* fread leaves errno: EISDIR for a directory, EIO, ... */
			ret = fail(err, 0, errno ? -errno : -EIO, "cannot read it: %s",
				   strerror(errno ? errno : EIO));
			goto cleanup;
		}
		break;
	}
	ret = rawread__parse(p, buf, len, err);
cleanup:
	if (f != stdin)
		fclose(f);
	free(buf);
	return ret;
}
