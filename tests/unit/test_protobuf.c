/* test_protobuf.c: the protobuf encoder, byte for byte against the wire format's own examples. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "protobuf.h"

static int bytes_are(const struct pb *b, const char *want, size_t len)
{
	return !b->err && b->len == len && memcmp(b->data, want, len) == 0;
}

#define BYTES_ARE(b, lit) bytes_are(b, lit, sizeof(lit) - 1)

static void test_varints(void)
{
	struct pb b = {0};

	/* The encoding guide's examples: 1 is 08 01 as field 1, 150 is 08 96 01. */
	pb__uint(&b, 1, 1);
	CHECK(BYTES_ARE(&b, "\x08\x01"));
	pb__reset(&b);
	pb__uint(&b, 1, 150);
	CHECK(BYTES_ARE(&b, "\x08\x96\x01"));
	pb__reset(&b);
	pb__uint(&b, 2, 0);
	CHECK(BYTES_ARE(&b, "\x10\x00"));
	pb__reset(&b);
	pb__uint(&b, 1, 127);
	pb__uint(&b, 1, 128);
	CHECK(BYTES_ARE(&b, "\x08\x7f\x08\x80\x01"));
	pb__reset(&b);
	pb__uint(&b, 1, UINT64_MAX);
	CHECK(BYTES_ARE(&b, "\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"));
	pb__reset(&b);
	/* int64 -1 is ten bytes (not zigzag: that is sint64). */
	pb__int(&b, 1, -1);
	CHECK(BYTES_ARE(&b, "\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"));
	pb__reset(&b);
	pb__int(&b, 1, INT64_MAX);
	CHECK(BYTES_ARE(&b, "\x08\xff\xff\xff\xff\xff\xff\xff\xff\x7f"));
	pb__reset(&b);
	/* Field numbers past 15 take a two-byte tag. */
	pb__uint(&b, 16, 3);
	CHECK(BYTES_ARE(&b, "\x80\x01\x03"));
	CHECK_INT(pb__varint_size(0), 1);
	CHECK_INT(pb__varint_size(127), 1);
	CHECK_INT(pb__varint_size(128), 2);
	CHECK_INT(pb__varint_size(UINT64_MAX), 10);
	pb__free(&b);
	CHECK(b.data == NULL && b.len == 0);
}

static void test_len_fields(void)
{
	struct pb b = {0}, inner = {0};
	uint64_t packed[] = {3, 270, 86942};
	char big[300];

	/* The guide's string example: field 2, "testing". */
	pb__str(&b, 2, "testing");
	CHECK(BYTES_ARE(&b, "\x12\x07testing"));
	pb__reset(&b);
	pb__str(&b, 6, "");
	CHECK(BYTES_ARE(&b, "\x32\x00"));
	pb__reset(&b);
	/* A nested message: field 3 holding {1: 150}. */
	pb__uint(&inner, 1, 150);
	pb__bytes(&b, 3, inner.data, inner.len);
	CHECK(BYTES_ARE(&b, "\x1a\x03\x08\x96\x01"));
	pb__reset(&b);
	/* The guide's packed example: field 4, 3, 270, 86942. */
	pb__packed(&b, 4, packed, 3);
	CHECK(BYTES_ARE(&b, "\x22\x06\x03\x8e\x02\x9e\xa7\x05"));
	pb__reset(&b);
	pb__packed(&b, 4, packed, 0);
	CHECK_INT(b.len, 0);
	/* A length past 127 takes two bytes. */
	memset(big, 'x', sizeof(big));
	pb__bytes(&b, 1, big, sizeof(big));
	CHECK(!b.err && b.len == 3 + sizeof(big) && !memcmp(b.data, "\x0a\xac\x02", 3));
	/* Growth keeps what was written. */
	for (int i = 0; i < 1000; i++)
		pb__bytes(&b, 1, big, sizeof(big));
	CHECK(!b.err && b.len == 1001 * (3 + sizeof(big)));
	CHECK(!memcmp(b.data + 1000 * (3 + sizeof(big)), "\x0a\xac\x02xxx", 6));
	pb__free(&b);
	pb__free(&inner);
}

/* A failed allocation sticks: later calls change nothing. */
static void test_sticky_error(void)
{
	struct pb b = {0};

	pb__uint(&b, 1, 1);
	b.err = -12;
	pb__str(&b, 2, "more");
	pb__uint(&b, 1, 2);
	CHECK_INT(b.len, 2);
	CHECK_INT(b.err, -12);
	pb__reset(&b);
	CHECK_INT(b.err, -12);
	pb__free(&b);
	CHECK_INT(b.err, 0);
}

int main(void)
{
	test_varints();
	test_len_fields();
	test_sticky_error();
	return check_report("protobuf");
}
