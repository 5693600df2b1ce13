/* pprof_decode.h: pprof files read back for the tests (test_output, fuzz_pprof): gunzip, decode,
 * check, collapse. */
#ifndef PPROF_DECODE_H
#define PPROF_DECODE_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/*
 * A decoder written from profile.proto for the fields pyhawk writes, apart
 * from the encoder it checks: it takes the bytes as a reader would and fails
 * on anything it does not expect (a wire type a field cannot have, a length
 * past the end, a field it does not know), so an encoder slip shows here
 * before Go's pprof or the npm decoder see it.
 */
#define PP_MAX_LABELS	8
#define PP_MAX_COMMENTS 4

struct pp_value_type {
	int64_t type, unit;
};

struct pp_label {
	int64_t key, str, num;
};

struct pp_sample {
	uint64_t *locs; /* leaf first */
	size_t nlocs;
	int64_t values[2];
	size_t nvalues;
	struct pp_label labels[PP_MAX_LABELS];
	size_t nlabels;
};

struct pp_mapping {
	uint64_t id;
	int has_functions, has_filenames, has_line_numbers;
};

struct pp_location {
	uint64_t id, mapping_id, func_id;
	int64_t line;
	size_t nlines;
};

struct pp_function {
	uint64_t id;
	int64_t name, system_name, filename, start_line;
};

struct pp {
	struct pp_value_type sample_type[2];
	size_t nsample_types;
	struct pp_sample *samples;
	size_t nsamples;
	struct pp_mapping mappings[2];
	size_t nmappings;
	struct pp_location *locs;
	size_t nlocs;
	struct pp_function *funcs;
	size_t nfuncs;
	char **strs;
	size_t nstrs;
	int64_t duration_nanos, period, default_sample_type, time_nanos;
	struct pp_value_type period_type;
	int64_t comments[PP_MAX_COMMENTS];
	size_t ncomments;
};

/* Reading position in a message; ok drops to 0 at the first problem. */
struct pp_in {
	const uint8_t *p, *end;
	int ok;
};

static inline uint64_t pp_varint(struct pp_in *in)
{
	uint64_t v = 0;

	for (int shift = 0; shift < 70; shift += 7) {
		uint8_t b;

		if (in->p >= in->end) {
			in->ok = 0;
			return 0;
		}
		b = *in->p++;
		/* The tenth byte may only hold the top bit of a 64-bit value. */
		if (shift == 63 && b > 1) {
			in->ok = 0;
			return 0;
		}
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
	in->ok = 0;
	return 0;
}

/* The next field's number and wire type; 0 at the end (or an error). */
static inline uint32_t pp_field(struct pp_in *in, int *wire)
{
	uint64_t tag;

	if (!in->ok || in->p >= in->end)
		return 0;
	tag = pp_varint(in);
	*wire = (int)(tag & 7);
	if (!in->ok || tag >> 3 == 0 || tag >> 3 > 536870911u) {
		in->ok = 0;
		return 0;
	}
	return (uint32_t)(tag >> 3);
}

/* A length-delimited field's contents, as a reader of its own. */
static inline struct pp_in pp_sub(struct pp_in *in, int wire)
{
	struct pp_in sub = {.ok = 0};
	uint64_t len;

	if (wire != 2) {
		in->ok = 0;
		return sub;
	}
	len = pp_varint(in);
	if (!in->ok || len > (uint64_t)(in->end - in->p)) {
		in->ok = 0;
		return sub;
	}
	sub = (struct pp_in){.p = in->p, .end = in->p + len, .ok = 1};
	in->p += len;
	return sub;
}

static inline uint64_t pp_scalar(struct pp_in *in, int wire)
{
	if (wire != 0) {
		in->ok = 0;
		return 0;
	}
	return pp_varint(in);
}

static inline void pp_append(struct pp_in *in, uint64_t x, uint64_t **v, size_t *n)
{
	uint64_t *nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv) {
		in->ok = 0;
		return;
	}
	*v = nv;
	(*v)[(*n)++] = x;
}

/* A repeated varint field, packed or not: appends to (*v, *n). */
static inline void pp_repeated(struct pp_in *in, int wire, uint64_t **v, size_t *n)
{
	struct pp_in sub;

	if (wire == 0) {
		uint64_t x = pp_varint(in);

		if (in->ok)
			pp_append(in, x, v, n);
		return;
	}
	sub = pp_sub(in, wire);
	while (in->ok && sub.ok && sub.p < sub.end) {
		uint64_t x = pp_varint(&sub);

		if (sub.ok)
			pp_append(in, x, v, n);
	}
	in->ok &= sub.ok;
}

static inline void *pp_push(void **arr, size_t *n, size_t elem)
{
	void *a = realloc(*arr, (*n + 1) * elem);

	if (!a)
		return NULL;
	*arr = a;
	memset((char *)a + *n * elem, 0, elem);
	return (char *)a + (*n)++ * elem;
}

static inline void pp_value_type(struct pp_in in, struct pp_value_type *vt, int *ok)
{
	int wire;
	uint32_t f;

	while ((f = pp_field(&in, &wire))) {
		if (f == 1)
			vt->type = (int64_t)pp_scalar(&in, wire);
		else if (f == 2)
			vt->unit = (int64_t)pp_scalar(&in, wire);
		else
			in.ok = 0;
	}
	*ok &= in.ok;
}

static inline void pp_sample(struct pp_in in, struct pp_sample *s, int *ok)
{
	uint64_t *values = NULL;
	size_t nvalues = 0;
	int wire;
	uint32_t f;

	while ((f = pp_field(&in, &wire))) {
		if (f == 1) {
			pp_repeated(&in, wire, &s->locs, &s->nlocs);
		} else if (f == 2) {
			pp_repeated(&in, wire, &values, &nvalues);
		} else if (f == 3 && s->nlabels < PP_MAX_LABELS) {
			struct pp_in l = pp_sub(&in, wire);
			struct pp_label *lab = &s->labels[s->nlabels++];

			while ((f = pp_field(&l, &wire))) {
				if (f == 1)
					lab->key = (int64_t)pp_scalar(&l, wire);
				else if (f == 2)
					lab->str = (int64_t)pp_scalar(&l, wire);
				else if (f == 3)
					lab->num = (int64_t)pp_scalar(&l, wire);
				else
					l.ok = 0;
			}
			in.ok &= l.ok;
		} else {
			in.ok = 0;
		}
	}
	if (nvalues > 2)
		in.ok = 0;
	for (size_t i = 0; i < nvalues && i < 2; i++)
		s->values[i] = (int64_t)values[i];
	s->nvalues = nvalues;
	free(values);
	*ok &= in.ok;
}

static inline void pp_location(struct pp_in in, struct pp_location *l, int *ok)
{
	int wire;
	uint32_t f;

	while ((f = pp_field(&in, &wire))) {
		if (f == 1) {
			l->id = pp_scalar(&in, wire);
		} else if (f == 2) {
			l->mapping_id = pp_scalar(&in, wire);
		} else if (f == 4) {
			struct pp_in ln = pp_sub(&in, wire);

			l->nlines++;
			while ((f = pp_field(&ln, &wire))) {
				if (f == 1)
					l->func_id = pp_scalar(&ln, wire);
				else if (f == 2)
					l->line = (int64_t)pp_scalar(&ln, wire);
				else
					ln.ok = 0;
			}
			in.ok &= ln.ok;
		} else {
			in.ok = 0;
		}
	}
	*ok &= in.ok;
}

static inline void pp_function(struct pp_in in, struct pp_function *fn, int *ok)
{
	int wire;
	uint32_t f;

	while ((f = pp_field(&in, &wire))) {
		uint64_t v = pp_scalar(&in, wire);

		if (f == 1)
			fn->id = v;
		else if (f == 2)
			fn->name = (int64_t)v;
		else if (f == 3)
			fn->system_name = (int64_t)v;
		else if (f == 4)
			fn->filename = (int64_t)v;
		else if (f == 5)
			fn->start_line = (int64_t)v;
		else
			in.ok = 0;
	}
	*ok &= in.ok;
}

static inline void pp_mapping(struct pp_in in, struct pp_mapping *m, int *ok)
{
	int wire;
	uint32_t f;

	while ((f = pp_field(&in, &wire))) {
		uint64_t v = pp_scalar(&in, wire);

		if (f == 1)
			m->id = v;
		else if (f == 7)
			m->has_functions = v != 0;
		else if (f == 8)
			m->has_filenames = v != 0;
		else if (f == 9)
			m->has_line_numbers = v != 0;
		else
			in.ok = 0;
	}
	*ok &= in.ok;
}

static inline void pp_free(struct pp *pp)
{
	for (size_t i = 0; i < pp->nsamples; i++)
		free(pp->samples[i].locs);
	for (size_t i = 0; i < pp->nstrs; i++)
		free(pp->strs[i]);
	free(pp->samples);
	free(pp->locs);
	free(pp->funcs);
	free(pp->strs);
	memset(pp, 0, sizeof(*pp));
}

/* Decodes an (uncompressed) Profile message. Returns 0, or -1 on bytes that
 * are not one (pp is then freed). */
static inline int pp_decode(const uint8_t *buf, size_t len, struct pp *pp)
{
	struct pp_in in = {.p = buf, .end = buf + len, .ok = 1};
	uint64_t *comments = NULL;
	size_t ncomments = 0;
	int wire, ok = 1;
	uint32_t f;

	memset(pp, 0, sizeof(*pp));
	while (ok && (f = pp_field(&in, &wire))) {
		struct pp_in sub;
		void *e;

		switch (f) {
		case 1:
			if (pp->nsample_types == 2)
				ok = 0;
			else
				pp_value_type(pp_sub(&in, wire),
					      &pp->sample_type[pp->nsample_types++], &ok);
			break;
		case 2:
			sub = pp_sub(&in, wire);
			e = pp_push((void **)&pp->samples, &pp->nsamples, sizeof(*pp->samples));
			if (e)
				pp_sample(sub, e, &ok);
			ok &= e != NULL;
			break;
		case 3:
			if (pp->nmappings == 2)
				ok = 0;
			else
				pp_mapping(pp_sub(&in, wire), &pp->mappings[pp->nmappings++], &ok);
			break;
		case 4:
			sub = pp_sub(&in, wire);
			e = pp_push((void **)&pp->locs, &pp->nlocs, sizeof(*pp->locs));
			if (e)
				pp_location(sub, e, &ok);
			ok &= e != NULL;
			break;
		case 5:
			sub = pp_sub(&in, wire);
			e = pp_push((void **)&pp->funcs, &pp->nfuncs, sizeof(*pp->funcs));
			if (e)
				pp_function(sub, e, &ok);
			ok &= e != NULL;
			break;
		case 6:
			sub = pp_sub(&in, wire);
			e = pp_push((void **)&pp->strs, &pp->nstrs, sizeof(*pp->strs));
			if (e && in.ok) {
				char *s = malloc((size_t)(sub.end - sub.p) + 1);

				if (s) {
					memcpy(s, sub.p, (size_t)(sub.end - sub.p));
					s[sub.end - sub.p] = '\0';
				}
				*(char **)e = s;
				ok &= s != NULL;
			}
			ok &= e != NULL;
			break;
		case 9:
			pp->time_nanos = (int64_t)pp_scalar(&in, wire);
			break;
		case 10:
			pp->duration_nanos = (int64_t)pp_scalar(&in, wire);
			break;
		case 11:
			pp_value_type(pp_sub(&in, wire), &pp->period_type, &ok);
			break;
		case 12:
			pp->period = (int64_t)pp_scalar(&in, wire);
			break;
		case 13:
			pp_repeated(&in, wire, &comments, &ncomments);
			break;
		case 14:
			pp->default_sample_type = (int64_t)pp_scalar(&in, wire);
			break;
		default:
			ok = 0;
		}
		ok &= in.ok;
	}
	ok &= in.ok && ncomments <= PP_MAX_COMMENTS;
	for (size_t i = 0; ok && i < ncomments; i++)
		pp->comments[i] = (int64_t)comments[i];
	pp->ncomments = ncomments;
	free(comments);
	if (!ok)
		pp_free(pp);
	return ok ? 0 : -1;
}

/* gunzips a whole file into a new buffer. Returns 0 or -1. */
static inline int pp_gunzip(const void *gz, size_t len, uint8_t **out, size_t *outlen)
{
	z_stream z = {0};
	size_t cap = 4096, n = 0;
	uint8_t *buf = malloc(cap);
	int zr = Z_OK;

	if (!buf || inflateInit2(&z, 15 + 16) != Z_OK) {
		free(buf);
		return -1;
	}
	z.next_in = (Bytef *)gz;
	z.avail_in = (uInt)len;
	while (zr == Z_OK) {
		if (n == cap) {
			uint8_t *b = realloc(buf, cap * 2);

			if (!b)
				break;
			buf = b;
			cap *= 2;
		}
		z.next_out = buf + n;
		z.avail_out = (uInt)(cap - n);
		zr = inflate(&z, Z_NO_FLUSH);
		n = cap - z.avail_out;
	}
	/* The whole input, and nothing after the gzip member. */
	if (zr != Z_STREAM_END || z.avail_in) {
		inflateEnd(&z);
		free(buf);
		return -1;
	}
	inflateEnd(&z);
	*out = buf;
	*outlen = n;
	return 0;
}

/* What a consumer relies on: "" first, every index in the table, ids
 * nonzero and unique, every reference resolved, one value per sample type.
 * Returns NULL or what is wrong. */
static inline const char *pp_check(const struct pp *pp)
{
#define PP_STR_OK(i) ((i) >= 0 && (uint64_t)(i) < pp->nstrs)
	if (!pp->nstrs || pp->strs[0][0])
		return "string_table[0] is not \"\"";
	for (size_t i = 0; i < pp->nsample_types; i++) {
		if (!PP_STR_OK(pp->sample_type[i].type) || !PP_STR_OK(pp->sample_type[i].unit))
			return "sample type string out of range";
	}
	if (!PP_STR_OK(pp->period_type.type) || !PP_STR_OK(pp->period_type.unit) ||
	    !PP_STR_OK(pp->default_sample_type))
		return "period type string out of range";
	for (size_t i = 0; i < pp->ncomments; i++) {
		if (!PP_STR_OK(pp->comments[i]))
			return "comment out of range";
	}
	for (size_t i = 0; i < pp->nmappings; i++) {
		if (pp->mappings[i].id != i + 1)
			return "mapping ids are not 1..n";
	}
	for (size_t i = 0; i < pp->nfuncs; i++) {
		const struct pp_function *fn = &pp->funcs[i];

		if (fn->id != i + 1)
			return "function ids are not 1..n";
		if (!PP_STR_OK(fn->name) || !PP_STR_OK(fn->system_name) || !PP_STR_OK(fn->filename))
			return "function string out of range";
	}
	for (size_t i = 0; i < pp->nlocs; i++) {
		const struct pp_location *l = &pp->locs[i];

		if (l->id != i + 1)
			return "location ids are not 1..n";
		if (l->nlines != 1 || !l->func_id || l->func_id > pp->nfuncs)
			return "location without exactly one line of a known function";
		if (l->mapping_id > pp->nmappings)
			return "location in an unknown mapping";
	}
	for (size_t i = 0; i < pp->nsamples; i++) {
		const struct pp_sample *s = &pp->samples[i];

		if (s->nvalues != pp->nsample_types)
			return "sample values do not match the sample types";
		for (size_t j = 0; j < s->nlocs; j++) {
			if (!s->locs[j] || s->locs[j] > pp->nlocs)
				return "sample of an unknown location";
		}
		for (size_t j = 0; j < s->nlabels; j++) {
			if (!s->labels[j].key || !PP_STR_OK(s->labels[j].key) ||
			    !PP_STR_OK(s->labels[j].str))
				return "label string out of range";
		}
	}
	return NULL;
#undef PP_STR_OK
}

/* A sample's label: its string (NULL if none) or number (*num). */
static inline const char *pp_label(const struct pp *pp, const struct pp_sample *s, const char *key,
				   int64_t *num, int *found)
{
	*found = 0;
	for (size_t i = 0; i < s->nlabels; i++) {
		if (strcmp(pp->strs[s->labels[i].key], key) == 0) {
			*found = 1;
			*num = s->labels[i].num;
			return s->labels[i].str ? pp->strs[s->labels[i].str] : NULL;
		}
	}
	return NULL;
}

struct pp_line {
	char *text;
	uint64_t count;
};

static inline int pp_cmp_line(const void *a, const void *b)
{
	return strcmp(((const struct pp_line *)a)->text, ((const struct pp_line *)b)->text);
}

/* Appends a label to a line the way the raw format writes it (';'
 * separates frames, a control character would break the line). */
static inline void pp_put_label(FILE *f, const char *s)
{
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		putc(*c == ';' ? ',' : (*c < 0x20 || *c == 0x7f) ? '?' : *c, f);
}

/* One sample as a raw line, without its count. */
static inline void pp_sample_text(const struct pp *pp, const struct pp_sample *s, int process_roots,
				  int thread_roots, FILE *f)
{
	int64_t pid = 0, tid = 0, unused;
	const char *tname, *cmd;
	int found, sep = 0;
	char buf[64];

	pp_label(pp, s, "pid", &pid, &found);
	pp_label(pp, s, "tid", &tid, &found);
	tname = pp_label(pp, s, "thread_name", &unused, &found);
	cmd = pp_label(pp, s, "cmdline", &unused, &found);
	if (process_roots) {
		snprintf(buf, sizeof(buf), "process %" PRId64 "%s", pid, cmd ? ": " : "");
		fputs(buf, f);
		if (cmd)
			pp_put_label(f, cmd);
		sep = 1;
	}
	if (thread_roots) {
		snprintf(buf, sizeof(buf), "%sthread (%" PRId64 ")%s", sep ? ";" : "", tid,
			 tname ? ": " : "");
		fputs(buf, f);
		if (tname)
			pp_put_label(f, tname);
		sep = 1;
	}
	for (size_t j = s->nlocs; j-- > 0; sep = 1) {
		const struct pp_location *l = &pp->locs[s->locs[j] - 1];
		const struct pp_function *fn = &pp->funcs[l->func_id - 1];
		const char *file = pp->strs[fn->filename];

		if (sep)
			putc(';', f);
		pp_put_label(f, pp->strs[fn->name]);
		if (file[0]) {
			fputs(" (", f);
			pp_put_label(f, file);
			if (l->line > 0)
				fprintf(f, ":%" PRId64, l->line);
			putc(')', f);
		}
	}
}

/*
 * The profile as pyhawk's raw format writes it: a line per sample, root
 * first, "name (file:line)" labels, with "process PID: CMDLINE" roots
 * (process_roots) and "thread (TID): NAME" roots (thread_roots) made from
 * the labels, sorted and merged. Counts are the first values. pp must
 * have passed pp_check. Returns a new string, or NULL.
 */
static inline char *pp_collapsed(const struct pp *pp, int process_roots, int thread_roots)
{
	struct pp_line *lines = calloc(pp->nsamples + 1, sizeof(*lines));
	char *out = NULL;
	size_t outlen = 0, n = 0;
	FILE *o = NULL;

	if (!lines)
		return NULL;
	for (; n < pp->nsamples; n++) {
		size_t len;
		FILE *f = open_memstream(&lines[n].text, &len);

		if (!f)
			goto cleanup;
		pp_sample_text(pp, &pp->samples[n], process_roots, thread_roots, f);
		if (fclose(f))
			goto cleanup;
		lines[n].count = (uint64_t)pp->samples[n].values[0];
	}
	qsort(lines, n, sizeof(*lines), pp_cmp_line);
	o = open_memstream(&out, &outlen);
	if (!o)
		goto cleanup;
	for (size_t i = 0; i < n; i++) {
		uint64_t count = lines[i].count;

		while (i + 1 < n && strcmp(lines[i].text, lines[i + 1].text) == 0)
			count += lines[++i].count;
		fprintf(o, "%s %" PRIu64 "\n", lines[i].text, count);
	}
	fclose(o);
cleanup:
	for (size_t i = 0; i < n; i++)
		free(lines[i].text);
	free(lines);
	return out;
}

#endif /* PPROF_DECODE_H */
