/* output.c: output format names and extensions, dispatch to the writers, helpers they share. */
#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "output.h"

static const struct {
	const char *name;
	const char *ext;
} formats[] = {
    [OUT_FLAMEGRAPH] = {"flamegraph", "svg"},
    [OUT_SPEEDSCOPE] = {"speedscope", "json"},
    [OUT_RAW] = {"raw", "txt"},
    [OUT_PPROF] = {"pprof", "pb.gz"},
    [OUT_PSTATS] = {"pstats", "pstats"},
    [OUT_LINES] = {"lines", "txt"}, /* -f only: .txt is raw's */
};

#define NFORMATS ((int)(sizeof(formats) / sizeof(formats[0])))

static const struct {
	const char *ext;
	int format;
} extensions[] = {
    {".svg", OUT_FLAMEGRAPH}, {".json", OUT_SPEEDSCOPE}, {".txt", OUT_RAW},
    {".folded", OUT_RAW},     {".collapsed", OUT_RAW},	 {".raw", OUT_RAW},
    {".pb.gz", OUT_PPROF},    {".pprof", OUT_PPROF},
    {".pstats", OUT_PSTATS},  {".prof", OUT_PSTATS},
};

int output__parse_format(const char *name)
{
	for (int i = 0; name && i < NFORMATS; i++) {
		if (strcmp(name, formats[i].name) == 0)
			return i;
	}
	return -EINVAL;
}

int output__format_for_path(const char *path)
{
	const char *base;
	size_t len;

	if (!path)
		return -ENOENT;
	/* By suffix, as an extension can have two dots (.pb.gz). */
	base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	len = strlen(base);
	for (size_t i = 0; i < sizeof(extensions) / sizeof(extensions[0]); i++) {
		size_t n = strlen(extensions[i].ext);

		if (len >= n && strcasecmp(base + len - n, extensions[i].ext) == 0)
			return extensions[i].format;
	}
	return -ENOENT;
}

const char *output__format_name(int format)
{
	return format >= 0 && format < NFORMATS ? formats[format].name : NULL;
}

size_t output__format_list(char *buf, size_t size)
{
	size_t n = 0;

	for (int i = 0; i < NFORMATS; i++) {
		const char *sep = i == 0 ? "" : i == NFORMATS - 1 ? " or " : ", ";
		int k = snprintf(n < size ? buf + n : NULL, n < size ? size - n : 0, "%s%s", sep,
				 formats[i].name);

		if (k > 0)
			n += (size_t)k;
	}
	return n;
}

const char *output__default_extension(int format)
{
	return format >= 0 && format < NFORMATS ? formats[format].ext : NULL;
}

int output__write(const struct profile *p, int format, const struct output_opts *opts, FILE *f)
{
	static const struct output_opts defaults = { 0 };
	locale_t c_locale, old;
	int err;

	if (!p || !f || format < 0 || format >= NFORMATS)
		return -EINVAL;
	if (!opts)
		opts = &defaults;
	/* JSON and SVG need '.' decimal points, whatever LC_NUMERIC the
	 * command layer set; uselocale() changes this thread only. */
	c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	if (!c_locale)
		return -errno;
	old = uselocale(c_locale);

	switch (format) {
	case OUT_FLAMEGRAPH:
		err = output__write_flamegraph(p, opts, f);
		break;
	case OUT_SPEEDSCOPE:
		err = output__write_speedscope(p, opts, f);
		break;
	case OUT_PPROF:
		err = output__write_pprof(p, opts, f);
		break;
	case OUT_PSTATS:
		err = output__write_pstats(p, opts, f);
		break;
	case OUT_LINES:
		err = output__write_lines(p, opts, f);
		break;
	default:
		err = output__write_raw(p, opts, f);
		break;
	}
	if (!err && fflush(f))
		err = -errno;
	if (!err && ferror(f))
		err = -EIO;

	uselocale(old);
	freelocale(c_locale);
	return err;
}

size_t output__title(const struct profile *p, const struct output_opts *opts, char *buf, size_t size)
{
	const struct profile_meta *m = profile__meta(p);
	uint64_t total = profile__total(p);
	char stats[160];
	int n;

	if (opts && opts->title)
		return (size_t)snprintf(buf, size, "%s", opts->title);

	n = snprintf(stats, sizeof(stats), "%" PRIu64 " sample%s", total, total == 1 ? "" : "s");
	/* %.2f of an absurd duration could fill the buffer: check each step. */
	if (m->duration_s > 0 && n >= 0 && (size_t)n < sizeof(stats))
		n += snprintf(stats + n, sizeof(stats) - n, ", %.2f s", m->duration_s);
	if (m->rate_hz > 0 && n >= 0 && (size_t)n < sizeof(stats))
		snprintf(stats + n, sizeof(stats) - n, " at %g Hz", m->rate_hz);
	if (m->command && m->command[0])
		n = snprintf(buf, size, "pyhawk: %s — %s", m->command, stats);
	else
		n = snprintf(buf, size, "pyhawk — %s", stats);
	return n < 0 ? 0 : (size_t)n;
}
