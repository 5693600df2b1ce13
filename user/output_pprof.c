/* output_pprof.c: gzipped pprof profile.proto: a sample per stack and thread, the thread in labels.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "grow.h"
#include "hashmap.h"
#include "output.h"
#include "protobuf.h"

/*
 * The encoder is ours (protobuf.c, a hundred lines) rather than
 * libprotobuf-c: that would need profile.proto compiled by protoc-c into
 * generated sources kept in the tree, and a profile built whole as C structs
 * before packing; here messages are encoded as they are met and streamed
 * through zlib. Field numbers are profile.proto's
 * (github.com/google/pprof, proto/profile.proto).
 */
enum { /* message Profile */
       PROFILE_SAMPLE_TYPE = 1,
       PROFILE_SAMPLE = 2,
       PROFILE_MAPPING = 3,
       PROFILE_LOCATION = 4,
       PROFILE_FUNCTION = 5,
       PROFILE_STRING_TABLE = 6,
       PROFILE_DURATION_NANOS = 10,
       PROFILE_PERIOD_TYPE = 11,
       PROFILE_PERIOD = 12,
       PROFILE_COMMENT = 13,
       PROFILE_DEFAULT_SAMPLE_TYPE = 14,
};
enum { VALUE_TYPE_TYPE = 1, VALUE_TYPE_UNIT = 2 };
enum { SAMPLE_LOCATION_ID = 1, SAMPLE_VALUE = 2, SAMPLE_LABEL = 3 };
enum { LABEL_KEY = 1, LABEL_STR = 2, LABEL_NUM = 3 };
enum {
	MAPPING_ID = 1,
	MAPPING_HAS_FUNCTIONS = 7,
	MAPPING_HAS_FILENAMES = 8,
	MAPPING_HAS_LINE_NUMBERS = 9,
};
enum { LOCATION_ID = 1, LOCATION_MAPPING_ID = 2, LOCATION_LINE = 4 };
enum { LINE_FUNCTION_ID = 1, LINE_LINE = 2 };
enum {
	FUNCTION_ID = 1,
	FUNCTION_NAME = 2,
	FUNCTION_SYSTEM_NAME = 3,
	FUNCTION_FILENAME = 4,
	FUNCTION_START_LINE = 5,
};

/* The encoded profile goes to zlib in pieces of about this size. */
#define FLUSH_AT (64 * 1024)

struct func_key {
	uint64_t name, file; /* string indexes */
	int64_t start_line;
};

struct func {
	struct func_key k;
	uint64_t system_name; /* string index */
};

struct loc_key {
	uint64_t func; /* function id */
	int64_t line;
};

struct pprof {
	FILE *f;
	z_stream z;
	int z_open;
	uint8_t zout[16384];

	const char **strs; /* the string table; strs[0] = "" */
	size_t nstrs, capstrs;
	struct hashmap *str_ix; /* string hash (moved on a clash) -> index */
	struct func *funcs;	/* function id - 1 -> function */
	size_t nfuncs, capfuncs;
	struct hashmap *func_ix; /* func_key -> id */
	struct loc_key *locs;	 /* location id - 1 -> key */
	size_t nlocs, caplocs;
	struct hashmap *loc_ix; /* loc_key -> id */
	uint64_t *frame_loc;	/* view frame id -> location id, 0 = not met yet */
	uint64_t *ids;		/* one sample's location ids, leaf first */
	char **owned;		/* strings made here (in the table), to free */
	size_t nowned, capowned;

	int first_lines; /* the meta's: frame lines are first lines (-F) */

	struct pb msg, sub, label; /* the profile (in pieces), a message, one inside it */
	int err;
};

/* Index of s in the string table, added on first use; s must outlive the
 * writer (the view's frames, the profile's names, literals). */
static uint64_t str_index(struct pprof *w, const char *s)
{
	size_t len = strlen(s);
	uint64_t key = hashmap__hash(s, len), idx;

	if (w->err)
		return 0;
	/* Equal hashes of different strings: probe on from another key. */
	while (hashmap__get(w->str_ix, &key, &idx) == 0) {
		if (strcmp(w->strs[idx], s) == 0)
			return idx;
		key = key * 0x9e3779b97f4a7c15ull + 1;
	}
	if (grow__array((void **)&w->strs, &w->capstrs, w->nstrs + 1, sizeof(*w->strs)) ||
	    hashmap__set(w->str_ix, &key, w->nstrs)) {
		w->err = -ENOMEM;
		return 0;
	}
	w->strs[w->nstrs] = s;
	return w->nstrs++;
}

/* Index of a string made here (or NULL: out of memory); the writer frees
 * it at the end. */
static uint64_t str_index_owned(struct pprof *w, char *s)
{
	if (!s || grow__array((void **)&w->owned, &w->capowned, w->nowned + 1, sizeof(*w->owned))) {
		free(s);
		w->err = -ENOMEM;
		return 0;
	}
	w->owned[w->nowned++] = s;
	return str_index(w, s);
}

/*
 * The system name must differ from the name: pprof takes a function whose
 * two names are equal for one still to be demangled, and its C++
 * simplification strips "<...>", leaving "" of <module>, <lambda> or
 * <GC>. A Python function is known to the system by its file and
 * qualified name, so that is its system name; pyhawk's own frames (no
 * file) have none.
 */
static uint64_t system_name(struct pprof *w, const struct profile_frame *fr)
{
	char *s;

	if (fr->kind != PF_PYTHON || !fr->file)
		return 0;
	if (asprintf(&s, "%s:%s", fr->file, fr->name) < 0)
		s = NULL;
	return str_index_owned(w, s);
}

/* Id (from 1) of the function of frame fr, added on first use. */
static uint64_t func_id(struct pprof *w, const struct profile_frame *fr)
{
	struct func_key k = {
	    .name = str_index(w, fr->name),
	    .file = fr->kind == PF_PYTHON && fr->file ? str_index(w, fr->file) : 0,
	    /* A frame's line is where the function starts only with -F. */
	    .start_line = w->first_lines && fr->kind == PF_PYTHON ? fr->line : 0,
	};
	uint64_t id;

	if (w->err)
		return 0;
	if (hashmap__get(w->func_ix, &k, &id) == 0)
		return id;
	if (grow__array((void **)&w->funcs, &w->capfuncs, w->nfuncs + 1, sizeof(*w->funcs)) ||
	    hashmap__set(w->func_ix, &k, w->nfuncs + 1)) {
		w->err = -ENOMEM;
		return 0;
	}
	w->funcs[w->nfuncs] = (struct func){.k = k, .system_name = system_name(w, fr)};
	return ++w->nfuncs;
}

/* Id (from 1) of the location of view frame id: one per (function, line). */
static uint64_t loc_id(struct pprof *w, const struct profile_view *v, uint32_t id)
{
	const struct profile_frame *fr = profile_view__frame(v, id);
	struct loc_key k;
	uint64_t lid;

	if (w->frame_loc[id])
		return w->frame_loc[id];
	k.func = func_id(w, fr);
	k.line = fr->kind == PF_PYTHON ? fr->line : 0;
	if (w->err)
		return 0;
	if (hashmap__get(w->loc_ix, &k, &lid)) {
		if (grow__array((void **)&w->locs, &w->caplocs, w->nlocs + 1, sizeof(*w->locs)) ||
		    hashmap__set(w->loc_ix, &k, w->nlocs + 1)) {
			w->err = -ENOMEM;
			return 0;
		}
		w->locs[w->nlocs] = k;
		lid = ++w->nlocs;
	}
	w->frame_loc[id] = lid;
	return lid;
}

/* Sends what msg holds through zlib to the file; flush: the last piece. */
static int emit(struct pprof *w, int flush)
{
	int zr;

	if (!w->err)
		w->err = w->msg.err;
	if (w->err)
		return w->err;
	w->z.next_in = w->msg.data;
	w->z.avail_in = (uInt)w->msg.len;
	do {
		w->z.next_out = w->zout;
		w->z.avail_out = sizeof(w->zout);
		zr = deflate(&w->z, flush ? Z_FINISH : Z_NO_FLUSH);
		if (zr == Z_STREAM_ERROR)
			return w->err = -EIO;
		if (fwrite(w->zout, 1, sizeof(w->zout) - w->z.avail_out, w->f) !=
		    sizeof(w->zout) - w->z.avail_out)
			return w->err = -EIO;
	} while (w->z.avail_out == 0 || (flush && zr != Z_STREAM_END));
	pb__reset(&w->msg);
	return 0;
}

/* Adds message m (then emptied) to parent as field. */
static void add_nested(struct pb *parent, uint32_t field, struct pb *m)
{
	if (m->err && !parent->err)
		parent->err = m->err;
	pb__bytes(parent, field, m->data, m->len);
	pb__reset(m);
}

static void value_type(struct pprof *w, uint32_t field, const char *type, const char *unit)
{
	pb__uint(&w->sub, VALUE_TYPE_TYPE, str_index(w, type));
	pb__uint(&w->sub, VALUE_TYPE_UNIT, str_index(w, unit));
	add_nested(&w->msg, field, &w->sub);
}

static void label(struct pprof *w, const char *key, const char *str, int64_t num)
{
	pb__uint(&w->label, LABEL_KEY, str_index(w, key));
	if (str)
		pb__uint(&w->label, LABEL_STR, str_index(w, str));
	else
		pb__int(&w->label, LABEL_NUM, num);
	add_nested(&w->sub, SAMPLE_LABEL, &w->label);
}

static uint64_t saturate(uint64_t v)
{
	return v > INT64_MAX ? INT64_MAX : v;
}

/* One sample: a stack of the view, leaf first, its values, and its thread
 * as labels. */
static void sample(struct pprof *w, const struct profile *p, const struct profile_view *v,
		   const struct profile_stack *s, int64_t period)
{
	const struct profile_group *g = profile_view__group(v, s->group);
	const char *thread = profile__thread_name(p, g->pid, g->tid);
	const char *cmdline = profile__process_cmdline(p, g->pid);
	uint64_t values[2] = {saturate(s->count), 0};
	size_t n = 0;

	for (uint32_t i = s->n; i-- > 0;) {
		int kind = profile_view__frame(v, s->frames[i])->kind;

		/* Threads and processes are labels here, not frames. */
		if (kind != PF_THREAD && kind != PF_PROCESS)
			w->ids[n++] = loc_id(w, v, s->frames[i]);
	}
	if (period > 0)
		values[1] = s->count > (uint64_t)(INT64_MAX / period) ? INT64_MAX
								      : s->count * (uint64_t)period;
	pb__packed(&w->sub, SAMPLE_LOCATION_ID, w->ids, n);
	pb__packed(&w->sub, SAMPLE_VALUE, values, period > 0 ? 2 : 1);
	label(w, "pid", NULL, g->pid);
	label(w, "tid", NULL, g->tid);
	if (thread && thread[0])
		label(w, "thread_name", thread, 0);
	if (cmdline && cmdline[0])
		label(w, "cmdline", cmdline, 0);
	add_nested(&w->msg, PROFILE_SAMPLE, &w->sub);
}

/* One mapping that all locations are in, marked as symbolized already,
 * so that pprof does not look for a binary to symbolize them with. */
static void mapping(struct pprof *w)
{
	pb__uint(&w->sub, MAPPING_ID, 1);
	pb__uint(&w->sub, MAPPING_HAS_FUNCTIONS, 1);
	pb__uint(&w->sub, MAPPING_HAS_FILENAMES, 1);
	pb__uint(&w->sub, MAPPING_HAS_LINE_NUMBERS, 1);
	add_nested(&w->msg, PROFILE_MAPPING, &w->sub);
}

static void location(struct pprof *w, uint64_t id, const struct loc_key *k)
{
	pb__uint(&w->sub, LOCATION_ID, id);
	pb__uint(&w->sub, LOCATION_MAPPING_ID, 1);
	pb__uint(&w->label, LINE_FUNCTION_ID, k->func);
	if (k->line)
		pb__int(&w->label, LINE_LINE, k->line);
	add_nested(&w->sub, LOCATION_LINE, &w->label);
	add_nested(&w->msg, PROFILE_LOCATION, &w->sub);
}

static void function(struct pprof *w, uint64_t id, const struct func *fn)
{
	pb__uint(&w->sub, FUNCTION_ID, id);
	pb__uint(&w->sub, FUNCTION_NAME, fn->k.name);
	if (fn->system_name)
		pb__uint(&w->sub, FUNCTION_SYSTEM_NAME, fn->system_name);
	if (fn->k.file)
		pb__uint(&w->sub, FUNCTION_FILENAME, fn->k.file);
	if (fn->k.start_line)
		pb__int(&w->sub, FUNCTION_START_LINE, fn->k.start_line);
	add_nested(&w->msg, PROFILE_FUNCTION, &w->sub);
}

/* Nanoseconds a sample stands for: 1/rate, or the capture's duration
 * shared out when the rate is unknown; 0 when neither is known. */
static int64_t period_ns(const struct profile_meta *m, uint64_t total)
{
	double ns = 0;

	if (m->rate_hz > 0)
		ns = 1e9 / m->rate_hz;
	else if (m->duration_s > 0 && total)
		ns = m->duration_s * 1e9 / (double)total;
	return isfinite(ns) && ns < 9e18 ? llround(ns) : 0;
}

int output__write_pprof(const struct profile *p, const struct output_opts *opts, FILE *f)
{
	/* A group per thread, so that no thread roots are made: the thread is
	 * in the labels. (Several processes still get process roots; they are
	 * skipped like thread roots.) */
	struct profile_view_opts vo = {.group_by = PROFILE_GROUP_THREAD};
	const struct profile_meta *m = profile__meta(p);
	int64_t period = period_ns(m, profile__total(p));
	uint64_t time_type = 0, nanoseconds = 0, command = 0;
	struct profile_view *v = NULL;
	struct pprof w = {.f = f};
	uint32_t maxn = 0;
	size_t nstacks;
	int err;

	err = profile__view(p, &vo, &v);
	if (err)
		return err;
	nstacks = profile_view__nstacks(v);
	for (size_t i = 0; i < nstacks; i++) {
		if (profile_view__stack(v, i)->n > maxn)
			maxn = profile_view__stack(v, i)->n;
	}
	w.first_lines = m->first_lines;
	w.str_ix = hashmap__new(sizeof(uint64_t));
	w.func_ix = hashmap__new(sizeof(struct func_key));
	w.loc_ix = hashmap__new(sizeof(struct loc_key));
	w.frame_loc = calloc(profile_view__nframes(v) + 1, sizeof(*w.frame_loc));
	w.ids = malloc((maxn + 1) * sizeof(*w.ids));
	if (!w.str_ix || !w.func_ix || !w.loc_ix || !w.frame_loc || !w.ids) {
		err = -ENOMEM;
		goto cleanup;
	}
	/* gzip (windowBits + 16), with zlib's default header: no name, no
	 * time, so the same profile always gives the same bytes. */
	if (deflateInit2(&w.z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK) {
		err = -ENOMEM;
		goto cleanup;
	}
	w.z_open = 1;

	/* Strings the profile's own fields refer to come first (index 0 is
	 * always ""); the table itself is written last, once it is whole. */
	str_index(&w, "");
	if (period > 0) {
		time_type = str_index(&w, m->wall ? "wall" : "cpu");
		nanoseconds = str_index(&w, "nanoseconds");
	}
	if (m->command && m->command[0])
		command = str_index(&w, m->command);

	value_type(&w, PROFILE_SAMPLE_TYPE, "samples", "count");
	if (period > 0)
		value_type(&w, PROFILE_SAMPLE_TYPE, m->wall ? "wall" : "cpu", "nanoseconds");
	for (size_t i = 0; i < nstacks && !w.err; i++) {
		sample(&w, p, v, profile_view__stack(v, i), period);
		if (w.msg.len >= FLUSH_AT)
			emit(&w, 0);
	}
	mapping(&w);
	for (size_t i = 0; i < w.nlocs && !w.err; i++) {
		location(&w, i + 1, &w.locs[i]);
		if (w.msg.len >= FLUSH_AT)
			emit(&w, 0);
	}
	for (size_t i = 0; i < w.nfuncs && !w.err; i++) {
		function(&w, i + 1, &w.funcs[i]);
		if (w.msg.len >= FLUSH_AT)
			emit(&w, 0);
	}
	for (size_t i = 0; i < w.nstrs && !w.err; i++) {
		pb__str(&w.msg, PROFILE_STRING_TABLE, w.strs[i]);
		if (w.msg.len >= FLUSH_AT)
			emit(&w, 0);
	}
	if (m->duration_s > 0 && m->duration_s < 9e9)
		pb__int(&w.msg, PROFILE_DURATION_NANOS, llround(m->duration_s * 1e9));
	if (period > 0) {
		pb__uint(&w.sub, VALUE_TYPE_TYPE, time_type);
		pb__uint(&w.sub, VALUE_TYPE_UNIT, nanoseconds);
		add_nested(&w.msg, PROFILE_PERIOD_TYPE, &w.sub);
		pb__int(&w.msg, PROFILE_PERIOD, period);
		pb__int(&w.msg, PROFILE_DEFAULT_SAMPLE_TYPE, (int64_t)time_type);
	}
	if (command)
		pb__packed(&w.msg, PROFILE_COMMENT, &command, 1);
	emit(&w, 1);
	err = w.err;
cleanup:
	if (w.z_open)
		deflateEnd(&w.z);
	pb__free(&w.msg);
	pb__free(&w.sub);
	pb__free(&w.label);
	hashmap__free(w.str_ix);
	hashmap__free(w.func_ix);
	hashmap__free(w.loc_ix);
	free(w.strs);
	free(w.funcs);
	free(w.locs);
	free(w.frame_loc);
	free(w.ids);
	for (size_t i = 0; i < w.nowned; i++)
		free(w.owned[i]);
	free(w.owned);
	profile_view__free(v);
	return err;
}
