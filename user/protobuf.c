/* protobuf.c: the protocol buffers wire format, encoding side
 * (https://protobuf.dev/programming-guides/encoding/). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "protobuf.h"

enum { WIRE_VARINT = 0, WIRE_LEN = 2 };

void pb__free(struct pb *b)
{
	free(b->data);
	*b = (struct pb){0};
}

void pb__reset(struct pb *b)
{
	b->len = 0;
}

/* Room for n more bytes; false (and err set) when there is none. */
static int reserve(struct pb *b, size_t n)
{
	size_t cap;
	uint8_t *d;

	if (b->err)
		return 0;
	if (n <= b->cap - b->len)
		return 1;
	if (n > SIZE_MAX / 2 - b->len) {
		b->err = -ENOMEM;
		return 0;
	}
	cap = b->cap ? b->cap : 64;
	while (cap - b->len < n)
		cap *= 2;
	d = realloc(b->data, cap);
	if (!d) {
		b->err = -ENOMEM;
		return 0;
	}
	b->data = d;
	b->cap = cap;
	return 1;
}

size_t pb__varint_size(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

/* Seven bits a byte, low bits first; the high bit says more follow. */
static void varint(struct pb *b, uint64_t v)
{
	if (!reserve(b, 10))
		return;
	while (v >= 0x80) {
		b->data[b->len++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b->data[b->len++] = (uint8_t)v;
}

static void tag(struct pb *b, uint32_t field, int wire)
{
	varint(b, (uint64_t)field << 3 | (uint64_t)wire);
}

void pb__uint(struct pb *b, uint32_t field, uint64_t v)
{
	tag(b, field, WIRE_VARINT);
	varint(b, v);
}

void pb__int(struct pb *b, uint32_t field, int64_t v)
{
	pb__uint(b, field, (uint64_t)v);
}

void pb__bytes(struct pb *b, uint32_t field, const void *data, size_t len)
{
	tag(b, field, WIRE_LEN);
	varint(b, len);
	if (len && reserve(b, len)) {
		memcpy(b->data + b->len, data, len);
		b->len += len;
	}
}

void pb__str(struct pb *b, uint32_t field, const char *s)
{
	pb__bytes(b, field, s, strlen(s));
}

void pb__packed(struct pb *b, uint32_t field, const uint64_t *v, size_t n)
{
	size_t len = 0;

	if (!n)
		return;
	for (size_t i = 0; i < n; i++)
		len += pb__varint_size(v[i]);
	tag(b, field, WIRE_LEN);
	varint(b, len);
	for (size_t i = 0; i < n; i++)
		varint(b, v[i]);
}
