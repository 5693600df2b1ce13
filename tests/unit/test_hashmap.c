/* test_hashmap.c: the hash table the symbolizer, the session and the
 * thread names keep their caches in: set, get, delete, and deleting by a
 * predicate (what releases a process's entries when it exits). */
#include <errno.h>
#include <stdint.h>
#include "check.h"
#include "hashmap.h"

struct key {
	uint32_t pid;
	uint32_t n;
};

static int of_pid(const void *k, uint64_t v, void *ctx)
{
	const struct key *key = k;

	/* The value was set to n * 3: every entry is seen with its value. */
	if (v != (uint64_t)key->n * 3)
		check_failed++;
	return key->pid == *(uint32_t *)ctx;
}

static int count_pid(const void *k, uint64_t v, void *ctx)
{
	const struct key *key = k;

	((size_t *)ctx)[key->pid]++;
	return 0;
}

int main(void)
{
	struct hashmap *m = hashmap__new(sizeof(struct key));
	size_t per_pid[4] = { 0 };
	uint32_t pid = 2;
	uint64_t v;
	uint32_t i;
	int ok = 1;

	CHECK(m != NULL);
	/* Four processes' entries, interleaved, in a table grown many times
	 * (long probe runs, some wrapping around its end). */
	for (i = 0; i < 40000; i++) {
		struct key k = { .pid = i % 4, .n = i };

		if (hashmap__set(m, &k, (uint64_t)i * 3))
			ok = 0;
	}
	CHECK(ok);
	CHECK_INT(hashmap__count(m), 40000);
	hashmap__del_if(m, of_pid, &pid);
	CHECK_INT(hashmap__count(m), 30000);
	hashmap__foreach(m, count_pid, per_pid);
	CHECK_INT(per_pid[0], 10000);
	CHECK_INT(per_pid[1], 10000);
	CHECK_INT(per_pid[2], 0);
	CHECK_INT(per_pid[3], 10000);
	/* Every other entry is still found with its value; none of pid 2. */
	ok = 1;
	for (i = 0; i < 40000; i++) {
		struct key k = { .pid = i % 4, .n = i };
		int err = hashmap__get(m, &k, &v);

		if (k.pid == 2 ? err != -ENOENT : (err || v != (uint64_t)i * 3))
			ok = 0;
	}
	CHECK(ok);
	/* Deleting everything leaves an empty, usable table. */
	for (pid = 0; pid < 4; pid++)
		hashmap__del_if(m, of_pid, &pid);
	CHECK_INT(hashmap__count(m), 0);
	{
		struct key k = { .pid = 7, .n = 7 };

		CHECK_INT(hashmap__set(m, &k, 21), 0);
		CHECK_INT(hashmap__get(m, &k, &v), 0);
		CHECK_INT(v, 21);
	}
	hashmap__free(m);
	printf("hashmap: %d passed, %d failed\n", check_passed, check_failed);
	return check_failed ? 1 : 0;
}
