/* pyproc.c: finds a live process's CPython runtime by asking elfsym about its mapped ELFs. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elfsym.h"
#include "procfs.h"
#include "pyproc.h"

/* Bounds on what a target can make us read, allocate or loop over. */
#define MAX_FILES 4096 /* distinct mapped files; as many again named python */
#define MAPS_LINE (PATH_MAX + 256)

#define PF_KTHREAD 0x00200000     /* include/linux/sched.h */

/* Order in which mapped files are tried. A Python-named main executable
 * comes first because its definition interposes on any libpython that is
 * also loaded; files not named like Python are a fallback for embedders. */
enum rank {
	RANK_PY_EXE,    /* the main executable, named like python */
	RANK_LIBPYTHON, /* basename libpython* */
	RANK_PYTHON,    /* basename python* (e.g. the exe behind ld.so) */
	RANK_PY_PATH,   /* "python" elsewhere in the path (extension modules) */
	RANK_EXE,       /* the main executable, any name (static embedders) */
	RANK_OTHER,
};

struct mfile {
	uint64_t start;          /* anchor mapping: lowest with offset 0 */
	uint64_t offset;         /* its file offset */
	unsigned long long inode;
	unsigned int major, minor;
	int rank;
	size_t order;            /* position in maps, for a stable sort */
	char range[40];          /* anchor's "start-end", names map_files */
	char *path;              /* as shown in maps */
};

struct mfiles {
	struct mfile *v;
	size_t n, cap;
};

static void mfiles_free(struct mfiles *fs)
{
	for (size_t i = 0; i < fs->n; i++)
		free(fs->v[i].path);
	free(fs->v);
	fs->v = NULL;
	fs->n = fs->cap = 0;
}

static struct mfile *mfiles_find(struct mfiles *fs, size_t hint, unsigned int major,
				 unsigned int minor, unsigned long long inode,
				 const char *path)
{
	struct mfile *f;

	/* Consecutive lines nearly always belong to the same file. */
	if (hint < fs->n) {
		f = &fs->v[hint];
		if (f->inode == inode && f->major == major &&
		    f->minor == minor && !strcmp(f->path, path))
			return f;
	}
	for (size_t i = 0; i < fs->n; i++) {
		f = &fs->v[i];
		if (f->inode == inode && f->major == major &&
		    f->minor == minor && !strcmp(f->path, path))
			return f;
	}
	return NULL;
}

/* Files that cannot hold the runtime, or that we must not open: opening a
 * device node can have side effects. */
static bool skip_path(const char *path)
{
	if (path[0] != '/')
		return true; /* [heap], [vdso], anonymous */
	if (!strncmp(path, "/dev/", 5) && strncmp(path, "/dev/shm/", 9))
		return true;
	return false;
}

static int read_maps(pid_t pid, struct mfiles *fs)
{
	char path[64], *line = NULL;
	size_t last = SIZE_MAX;
	FILE *f = NULL;
	int err = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	line = malloc(MAPS_LINE);
	if (!line) {
		err = -ENOMEM;
		goto cleanup;
	}
	while (fgets(line, MAPS_LINE, f)) {
		struct procfs_mapping m;
		struct mfile *mf;
		size_t len = strlen(line);
		const char *p;

		if (len && line[len - 1] == '\n') {
			line[--len] = '\0';
		} else if (!feof(f)) {
			int c;

			/* Longer than any path the kernel prints: skip it. */
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			continue;
		}
		if (procfs__parse_maps_line(line, &m))
			continue;
		p = m.path;
		if (skip_path(p))
			continue;
		mf = mfiles_find(fs, last, m.major, m.minor, m.inode, p);
		if (!mf) {
			/* Past the bound only files named like Python are
			 * kept: a program that maps thousands of files must
			 * not push its interpreter out of sight. */
			if (fs->n >= 2 * MAX_FILES || (fs->n >= MAX_FILES && !strstr(p, "python")))
				continue;
			if (fs->n == fs->cap) {
				size_t cap = fs->cap ? fs->cap * 2 : 64;
				struct mfile *v = realloc(fs->v, cap * sizeof(*v));

				if (!v) {
					err = -ENOMEM;
					goto cleanup;
				}
				fs->v = v;
				fs->cap = cap;
			}
			mf = &fs->v[fs->n];
			memset(mf, 0, sizeof(*mf));
			mf->path = strdup(p);
			if (!mf->path) {
				err = -ENOMEM;
				goto cleanup;
			}
			mf->inode = m.inode;
			mf->major = m.major;
			mf->minor = m.minor;
			mf->order = fs->n++;
			mf->offset = UINT64_MAX;
		}
		last = mf - fs->v;
		/* The loader maps the whole image at file offset 0 first, so
		 * the lowest offset-0 mapping is the load base; without one,
		 * the lowest mapping still gives the bias via its segment. */
		if (mf->offset == UINT64_MAX || (mf->offset && !m.offset)) {
			mf->start = m.start;
			mf->offset = m.offset;
			snprintf(mf->range, sizeof(mf->range), "%" PRIx64 "-%" PRIx64, m.start,
				 m.end);
		}
	}
	if (ferror(f))
		err = -EIO;
cleanup:
	free(line);
	fclose(f);
	return err;
}

/* Why a process had no file-backed mapping: kernel thread, dead, or an
 * ordinary process we found nothing in. */
static int classify_empty(pid_t pid)
{
	char path[64], buf[1024];
	unsigned int flags = 0;
	ssize_t n;
	char state;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -ESRCH;
	buf[n] = '\0';
	if (procfs__parse_state(buf, &state, &flags))
		return -ENOEXEC;
	if (flags & PF_KTHREAD)
		return -ECHILD;
	/* A zombie has no memory left: as good as gone for a profiler. */
	if (state == 'Z' || state == 'X')
		return -ESRCH;
	return -ENOEXEC;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static int rank_of(const char *path, const char *exe)
{
	const char *b = base_name(path);
	bool is_exe = exe[0] && !strcmp(path, exe);

	if (!strstr(path, "python"))
		return is_exe ? RANK_EXE : RANK_OTHER;
	if (is_exe && strstr(b, "python"))
		return RANK_PY_EXE;
	if (!strncmp(b, "libpython", 9))
		return RANK_LIBPYTHON;
	if (!strncmp(b, "python", 6))
		return RANK_PYTHON;
	return RANK_PY_PATH;
}

static int cmp_rank(const void *a, const void *b)
{
	const struct mfile *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* map_files opens exactly the mapped inode, even deleted or in another
 * mount namespace; /proc/PID/root is the container's view of the path. */
static int open_mapped(pid_t pid, const struct mfile *mf)
{
	const char *suffix = " (deleted)";
	size_t len = strlen(mf->path), slen = strlen(suffix);
	char path[PATH_MAX + 64];
	int fd, err, flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;

	snprintf(path, sizeof(path), "/proc/%d/map_files/%s", (int)pid, mf->range);
	fd = open(path, flags);
	if (fd >= 0)
		return fd;
	err = -errno;
	if (len > slen && !strcmp(mf->path + len - slen, suffix))
		len -= slen;
	if (len > PATH_MAX)
		return -ENAMETOOLONG;
	snprintf(path, sizeof(path), "/proc/%d/root%.*s", (int)pid, (int)len,
		 mf->path);
	fd = open(path, flags);
	if (fd >= 0)
		return fd;
	if (errno == EACCES || errno == EPERM || err == -ENOENT)
		err = -errno;
	snprintf(path, sizeof(path), "%.*s", (int)len, mf->path);
	fd = open(path, flags);
	if (fd >= 0)
		return fd;
	return err;
}

/* Returns 1 if this mapped file defines _PyRuntime (out filled), 0 if not,
 * or -errno. */
static int probe_file(pid_t pid, const struct mfile *mf, bool use_symtab,
		      struct pyproc *out)
{
	struct elfsym_map map = {
		.start = mf->start, .offset = mf->offset, .path = mf->path,
	};
	int fd, err;

	fd = open_mapped(pid, mf);
	if (fd < 0)
		return fd;
	err = elfsym__find_runtime(fd, &map, use_symtab, out);
	if (err == 1)
		snprintf(out->elf, sizeof(out->elf), "%s", mf->path);
	close(fd);
	return err;
}

static bool is_perm_error(int err)
{
	return err == -EACCES || err == -EPERM;
}

/* A CPython older than 3.7 (no _PyRuntime): its libpython's name tells
 * the version ("libpython2.7.so.1.0", "libpython3.6m.so.1.0"). 0 if the
 * file is not one. */
static uint32_t old_libpython(const char *path)
{
	unsigned int major, minor;
	int end = 0;

	if (sscanf(base_name(path), "libpython%1u.%2u%n", &major, &minor, &end) != 2 || !end)
		return 0;
	if (major < 2 || major > 3 || (major == 3 && minor >= 7))
		return 0;
	return (major << 24) | (minor << 16);
}

int pyproc__inspect(pid_t pid, struct pyproc *out)
{
	uint32_t old_version = 0;
	struct mfiles fs = { 0 };
	char path[64], exe[PATH_MAX];
	int err, first_err = 0;
	ssize_t n;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->pid = pid;
	if (pid <= 0)
		return -ESRCH;
	err = read_maps(pid, &fs);
	if (err)
		goto cleanup;
	if (!fs.n) {
		err = classify_empty(pid);
		goto cleanup;
	}
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, exe, sizeof(exe));
	if (n < 0 || n >= (ssize_t)sizeof(exe))
		n = 0;
	exe[n] = '\0';
	for (size_t i = 0; i < fs.n; i++)
		fs.v[i].rank = rank_of(fs.v[i].path, exe);
	qsort(fs.v, fs.n, sizeof(*fs.v), cmp_rank);

	for (size_t i = 0; i < fs.n; i++) {
		const struct mfile *mf = &fs.v[i];
		bool python_named = mf->rank <= RANK_PY_PATH;

		err = probe_file(pid, mf, python_named || mf->rank == RANK_EXE, out);
		if (err == 1) {
			err = 0;
			goto cleanup;
		}
		/* Errors only count where Python was expected or found; an
		 * unreadable unrelated library does not make "not Python"
		 * into a permission error. */
		if (err < 0 && !first_err && (python_named || err == -ENOTSUP))
			first_err = err;
		if (!old_version)
			old_version = old_libpython(mf->path);
	}
	err = first_err ? first_err : -ENOEXEC;
	/* Python, but one pyhawk cannot walk: said as such, with its version. */
	if (err == -ENOEXEC && old_version)
		err = -ENOTSUP;
	/* The process may have exited while we looked. */
	if (!is_perm_error(err) && classify_empty(pid) == -ESRCH)
		err = -ESRCH;
cleanup:
	if (err) {
		memset(out, 0, sizeof(*out));
		out->pid = pid;
		if (err == -ENOTSUP)
			out->version_hex = old_version;
	}
	mfiles_free(&fs);
	return err;
}

bool pyproc__may_become_python(pid_t pid)
{
	char path[64], exe[PATH_MAX];
	ssize_t n;
	int fd, r;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	if (strstr(base_name(exe), "python"))
		return true;
	/* The file the process runs, whatever its path in its namespace. */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	r = elfsym__needs_libpython(fd);
	close(fd);
	return r == 1;
}
