/* fuzz_pprof.c: libFuzzer target: the pprof writer on profiles made from the input, its file read
 * back and checked. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "profile.h"
#include "../unit/pprof_decode.h"

#define MAX_FRAMES 64
#define MAX_DEPTH  12

struct input {
	const uint8_t *p, *end;
};

static uint8_t byte(struct input *in)
{
	return in->p < in->end ? *in->p++ : 0;
}

/* A string of the input's bytes, as they are: invalid UTF-8, controls,
 * ';' and all. */
static void str(struct input *in, char *buf, size_t size)
{
	size_t n = byte(in) % size;

	for (size_t i = 0; i < n; i++)
		buf[i] = (char)byte(in);
	buf[n] = '\0';
}

static uint64_t count(struct input *in)
{
	uint8_t b = byte(in);

	/* Now and then one past what int64 holds, to test saturation. */
	if (b == 0xff)
		return UINT64_MAX / 2 + byte(in);
	return 1 + b % 50;
}

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_pprof: %s\n", what);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const double rates[] = {0, 1, 3, 100, 997, 100000};
	static const int kinds[] = {PF_PYTHON, PF_PYTHON, PF_OTHER, PF_TRUNCATED};
	struct input in = {data, data + size};
	struct profile *p = profile__new();
	struct profile_meta meta = {0};
	struct output_opts o = {.threads = true};
	char name[24], file[24], command[24], *gz = NULL, *raw = NULL, *back = NULL;
	uint32_t ids[MAX_FRAMES], nids = 0, stack[MAX_DEPTH];
	uint64_t sum = 0;
	int overflow = 0, bad_counts = 0;
	uint8_t *pb = NULL;
	size_t gzlen = 0, rawlen = 0, pblen = 0;
	const char *why;
	struct pp pp;
	FILE *f;
	uint8_t flags;

	if (!p)
		return 0;
	flags = byte(&in);
	meta.wall = flags & 1;
	meta.first_lines = flags & 2;
	meta.rate_hz = rates[(flags >> 2) % 6];
	meta.duration_s = (flags & 0x80) ? 0.001 * byte(&in) : 0;
	str(&in, command, sizeof(command));
	meta.command = command;

	while (in.p < in.end) {
		uint8_t op = byte(&in);
		uint32_t pid = 1 + byte(&in) % 3, tid = pid * 10 + byte(&in) % 3;

		switch (op % 4) {
		case 0: { /* a frame */
			int64_t id;
			int line = (int)(int16_t)(byte(&in) | byte(&in) << 8);
			int kind = kinds[byte(&in) % 4];

			str(&in, name, sizeof(name));
			str(&in, file, sizeof(file));
			id = profile__frame_id(p, name, op & 4 ? file : NULL, line, kind);
			if (id >= 0 && nids < MAX_FRAMES)
				ids[nids++] = (uint32_t)id;
			break;
		}
		case 1: { /* a stack of the frames so far (none: an empty one) */
			uint32_t n = nids ? byte(&in) % MAX_DEPTH : 0;
			uint64_t c = count(&in);

			for (uint32_t i = 0; i < n; i++)
				stack[i] = ids[byte(&in) % nids];
			if (profile__add(p, pid, tid, stack, n, c) == 0) {
				overflow |= sum + c < sum;
				sum += c;
				bad_counts |= c > INT64_MAX;
			}
			break;
		}
		case 2:
			str(&in, name, sizeof(name));
			profile__set_thread_name(p, pid, tid, name);
			break;
		default:
			str(&in, name, sizeof(name));
			profile__set_process(p, pid, name);
		}
	}
	profile__set_meta(p, &meta);

	f = open_memstream(&gz, &gzlen);
	if (!f || output__write(p, OUT_PPROF, &o, f))
		fail("writing failed");
	fclose(f);
	if (pp_gunzip(gz, gzlen, &pb, &pblen))
		fail("not gzip");
	if (pp_decode(pb, pblen, &pp))
		fail("not a Profile message");
	why = pp_check(&pp);
	if (why)
		fail(why);
	/* A time value exactly when a sample's time is known (from the rate,
	 * or the duration shared out while that leaves a nanosecond). */
	if (pp.nsample_types != (pp.period > 0 ? 2u : 1u) || (meta.rate_hz > 0 && pp.period <= 0))
		fail("sample types");
	/* Positive values, saturated past int64 (unless the profile's own
	 * sums wrapped: a test of the profile, not of pprof). */
	for (size_t i = 0; i < pp.nsamples && !overflow; i++) {
		if (pp.samples[i].values[0] <= 0 || (pp.period > 0 && pp.samples[i].values[1] <= 0))
			fail("a value not positive");
	}
	/* The profile's copy: invalid UTF-8 was made U+FFFD. */
	if (meta.command[0] &&
	    (pp.ncomments != 1 || strcmp(pp.strs[pp.comments[0]], profile__meta(p)->command)))
		fail("comment");

	/* The samples are the raw output's stacks, count for count, as long
	 * as no count (or sum) went past what int64 holds. */
	if (!overflow && !bad_counts && sum <= INT64_MAX) {
		f = open_memstream(&raw, &rawlen);
		if (!f || output__write(p, OUT_RAW, &o, f))
			fail("raw writing failed");
		fclose(f);
		back = pp_collapsed(&pp, profile__npids(p) > 1, 1);
		if (!back || strcmp(back, raw)) {
			fprintf(stderr, "pprof as raw:\n%s---\nraw:\n%s---\n", back, raw);
			fail("samples differ from the raw output");
		}
	}
	pp_free(&pp);
	free(pb);
	free(gz);
	free(raw);
	free(back);
	profile__free(p);
	return 0;
}
