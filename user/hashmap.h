/* hashmap.h: an open-addressing hash table of fixed-size keys to u64 values. */
#ifndef HASHMAP_H
#define HASHMAP_H

#include <stddef.h>
#include <stdint.h>

struct hashmap;

/* Keys are key_size bytes, compared with memcmp: zero any padding. */
struct hashmap *hashmap__new(size_t key_size);
void hashmap__free(struct hashmap *m);
/* Returns 0 and sets *val when found, -ENOENT otherwise. */
int hashmap__get(const struct hashmap *m, const void *key, uint64_t *val);
/* Inserts or replaces. Returns 0 or -ENOMEM. */
int hashmap__set(struct hashmap *m, const void *key, uint64_t val);
int hashmap__del(struct hashmap *m, const void *key);
size_t hashmap__count(const struct hashmap *m);
/* Calls fn for each entry; stops when fn returns non-zero (and returns it). */
int hashmap__foreach(const struct hashmap *m, int (*fn)(const void *key, uint64_t val, void *ctx),
		     void *ctx);
/* Deletes the entries for which fn returns non-zero (fn may free what the
 * value points to then). fn may see an entry it keeps more than once. */
void hashmap__del_if(struct hashmap *m, int (*fn)(const void *key, uint64_t val, void *ctx),
		     void *ctx);
uint64_t hashmap__hash(const void *data, size_t len);

#endif /* HASHMAP_H */
