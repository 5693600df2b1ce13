/* protobuf.h: the protocol buffers wire format, encoding side: varints, tagged fields, nested
 * messages. */
#ifndef PROTOBUF_H
#define PROTOBUF_H

#include <stddef.h>
#include <stdint.h>

/*
 * A growable buffer that one message is encoded into. Errors are sticky, as
 * a FILE's are: after a failed allocation every call does nothing and err
 * stays -ENOMEM, so a writer checks once, at the end of a message. A nested
 * message is encoded into a buffer of its own, then added to its parent
 * with pb__bytes (its length must come first on the wire).
 */
struct pb {
	uint8_t *data;
	size_t len, cap;
	int err; /* 0 or -ENOMEM */
};

void pb__free(struct pb *b);
/* Empties b for the next message, keeping its memory (and its error). */
void pb__reset(struct pb *b);

/* Wire type 0: uint64, and int64 as its two's complement (a negative
 * number takes ten bytes, as protobuf's int64 does). */
void pb__uint(struct pb *b, uint32_t field, uint64_t v);
void pb__int(struct pb *b, uint32_t field, int64_t v);
/* Wire type 2: a string, bytes or an encoded message. */
void pb__bytes(struct pb *b, uint32_t field, const void *data, size_t len);
void pb__str(struct pb *b, uint32_t field, const char *s);
/* A packed repeated uint64 / int64 field (proto3's default encoding);
 * nothing for n == 0. */
void pb__packed(struct pb *b, uint32_t field, const uint64_t *v, size_t n);

/* Bytes a varint of v takes (1 to 10). */
size_t pb__varint_size(uint64_t v);

#endif /* PROTOBUF_H */
