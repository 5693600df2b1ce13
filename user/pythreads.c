/* pythreads.c: the threading names of a Python process's threads, read from its memory. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procfs.h"
#include "pyobj.h"
#include "pythreads.h"

/* The target is read while it runs and is not trusted: every structure may
 * be torn or forged, so every loop and every read is bounded, and a walk
 * costs a bounded number of system calls whatever the target holds. */
#define READS_BASE	 256   /* process_vm_readv calls per walk ... */
#define READS_PER_THREAD 64    /* ... and more for each Thread object met */
#define MAX_THREADS	 65536 /* Thread objects looked at */
#define MAX_TASKS	 65536 /* tasks scanned to translate pid namespaces */
#define CHUNK		 64    /* dict entries per read */

_Static_assert(PYTHREADS_NAME_MAX == PYOBJ_STR_MAX, "names are read up to PYTHREADS_NAME_MAX");

static bool fatal(int err)
{
	/* Errors that end a walk; others only skip what was being read. */
	return err == -ESRCH || err == -EPERM || err == -E2BIG || err == -ENOMEM;
}

/* Kernel tids as the target's pid namespace numbers them -> as ours does. */
struct nsmap {
	bool built, identity;
	uint32_t (*pairs)[2]; /* {inner, outer}, sorted by inner */
	size_t n;
};

/* The NSpid numbers of a /proc status file: returns how many (0: no such
 * line, old kernel) and the first and last. */
static int nspid(const char *path, uint32_t *first, uint32_t *last)
{
	char line[256];
	int count = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		int r = procfs__parse_nspid(line, first, last);

		if (r != -ENOENT) {
			count = r;
			break;
		}
	}
	fclose(f);
	return count;
}

static int cmp_pair(const void *a, const void *b)
{
	uint32_t x = ((const uint32_t *)a)[0], y = ((const uint32_t *)b)[0];

	return x < y ? -1 : x > y;
}

static int nsmap_build(struct nsmap *m, pid_t pid)
{
	char path[64];
	uint32_t first, last;
	struct dirent *de;
	size_t cap = 0;
	DIR *d;
	int n;

	m->built = true;
	m->identity = true;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	n = nspid(path, &first, &last);
	if (n < 0)
		return n;
	if (n <= 1)
		return 0;
	m->identity = false;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d)) && m->n < MAX_TASKS) {
		char sp[96];

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(sp, sizeof(sp), "/proc/%d/task/%.16s/status", (int)pid, de->d_name);
		if (nspid(sp, &first, &last) < 2)
			continue; /* gone meanwhile */
		if (m->n == cap) {
			size_t nc = cap ? 2 * cap : 64;
			void *p = realloc(m->pairs, nc * sizeof(*m->pairs));

			if (!p) {
				closedir(d);
				return -ENOMEM;
			}
			m->pairs = p;
			cap = nc;
		}
		m->pairs[m->n][0] = last;
		m->pairs[m->n][1] = first;
		m->n++;
	}
	closedir(d);
	qsort(m->pairs, m->n, sizeof(*m->pairs), cmp_pair);
	return 0;
}

/* Our tid for the target's tid; 0 when no such thread is (still) there. */
static uint32_t nsmap_tid(struct nsmap *m, pid_t pid, uint32_t inner)
{
	uint32_t key[2] = {inner, 0};
	const uint32_t *p;

	if (!m->built && nsmap_build(m, pid))
		m->identity = true; /* best effort: /proc unreadable */
	if (m->identity)
		return inner;
	p = bsearch(key, m->pairs, m->n, sizeof(*m->pairs), cmp_pair);
	return p ? p[1] : 0;
}

struct report {
	struct pyobj *r;
	pid_t pid;
	struct nsmap ns;
	pythreads_cb cb;
	void *ctx;
	int count;
	unsigned int seen;
};

/* One Thread object: its _native_id and _name, if both are set. */
static int report_thread(struct report *rp, uint64_t thread)
{
	char name[PYTHREADS_NAME_MAX * 4 + 1];
	uint64_t attr, tid = 0;
	uint32_t ours;
	int err;

	pyobj__window_load(rp->r, thread);
	/* _native_id is None until the thread runs (and on platforms
	 * without native ids): not an int, skipped. */
	err = pyobj__attr_get(rp->r, thread, "_native_id", &attr);
	if (!err)
		err = pyobj__read_long(rp->r, attr, &tid);
	if (!err && (tid == 0 || tid > UINT32_MAX))
		err = -ERANGE;
	if (!err)
		err = pyobj__attr_get(rp->r, thread, "_name", &attr);
	if (!err)
		err = pyobj__read_str(rp->r, attr, name, sizeof(name));
	pyobj__window_clear(rp->r);
	if (err)
		return fatal(err) ? err : 0;
	ours = nsmap_tid(&rp->ns, rp->pid, (uint32_t)tid);
	if (!ours)
		return 0;
	rp->cb(rp->ctx, ours, name);
	rp->count++;
	return 0;
}

/* Every value of a dict of Thread objects (_active: ident -> Thread;
 * _limbo: Thread -> Thread), CHUNK entries a read. */
static int report_dict(struct report *rp, uint64_t dict)
{
	uint64_t vbuf[CHUNK];
	struct pyobj_dict d;
	int k, err;

	err = pyobj__dict_open(rp->r, dict, &d);
	if (err)
		return err;
	for (uint32_t i = 0; rp->seen < MAX_THREADS; i += (uint32_t)k) {
		k = pyobj__dict_values(rp->r, &d, i, vbuf, CHUNK);
		if (k <= 0)
			return k;
		for (int j = 0; j < k; j++) {
			if (!vbuf[j])
				continue;
			rp->seen++;
			pyobj__allow_reads(rp->r, READS_PER_THREAD);
			err = report_thread(rp, vbuf[j]);
			if (err)
				return err;
		}
	}
	return 0;
}

int pythreads__names(pid_t pid, uint32_t version_hex, uint64_t runtime,
		     const struct py_offsets *off, const struct py_obj_offsets *obj,
		     pythreads_cb cb, void *ctx)
{
	struct report rp = {.pid = pid, .cb = cb, .ctx = ctx};
	uint64_t interp, modules, threading, active, limbo;
	struct pyobj *r;
	int err;

	if (pid <= 0 || !runtime || !off || !obj || !cb ||
	    off->version_hex >> 16 != version_hex >> 16 ||
	    obj->version_hex >> 16 != version_hex >> 16)
		return -EINVAL;
	r = pyobj__new(pid, off, obj, READS_BASE);
	if (!r)
		return -ENOMEM;
	rp.r = r;
	err = pyobj__read_u64(r, runtime + obj->runtime_interpreters_main, &interp);
	if (!err && !interp)
		err = -ENOENT; /* not initialised yet */
	if (!err)
		err = pyobj__read_u64(r, interp + obj->interp_modules, &modules);
	if (!err && !modules)
		err = -ENOENT;
	if (!err)
		err = pyobj__dict_get(r, modules, "threading", &threading);
	if (!err)
		err = pyobj__attr_get(r, threading, "_active", &active);
	if (!err)
		err = report_dict(&rp, active);
	/* Threads between start() and their registration in _active: named
	 * already, and their native id is set just before the move. */
	if (!err && !pyobj__attr_get(r, threading, "_limbo", &limbo))
		err = report_dict(&rp, limbo);
	free(rp.ns.pairs);
	pyobj__free(r);
	/* What threading itself is and holds is target data: anything
	 * unexpected there reads as garbage, not as a bug of ours. */
	if (err == -ENOTSUP || err == -ERANGE)
		err = -EBADMSG;
	return err ? err : rp.count;
}
