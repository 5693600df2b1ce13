/* pyproc.c: finds a live process's CPython runtime (which ELF, where, which version). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pyproc.h"

/* Bounds on what a target can make us read, allocate or loop over. */
#define MAX_FILES 4096            /* distinct mapped files considered */
#define MAX_SECTION (64u << 20)   /* any one section read into memory */
#define MAX_PHDRS 1024            /* program headers looked at */
#define MAX_DYN 4096              /* .dynamic entries looked at */
#define VERSION_CODE_BYTES 96     /* code of Py_GetVersion searched (<= 3.10) */
#define MAPS_LINE (PATH_MAX + 256)

#define PF_KTHREAD 0x00200000     /* include/linux/sched.h */
#define USER_ADDR_END (1ull << 56) /* above any x86-64 user address (LA57) */

#define DEBUG_COOKIE "xdebugpy"
#define DEBUG_HDR_LEN 24          /* cookie, version, free_threaded */

/* _PyRuntime appeared in 3.7; Py_Version in 3.11. So a binary that defines
 * the first but not the second is 3.7 to 3.10. */
#define FIRST_RUNTIME_MINOR 7
#define FIRST_PY_VERSION_MINOR 11
#define FIRST_DEBUG_OFFSETS_MINOR 13

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

struct syms {
	GElf_Sym runtime, version, getversion;
	bool has_runtime, has_version, has_getversion;
};

/* What one ELF file tells us; fd and elf stay owned by the caller. */
struct elfctx {
	int fd;
	Elf *elf;
	GElf_Ehdr eh;
	uint64_t fsize;
	const struct mfile *mf;
};

static ssize_t pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = pread(fd, (char *)buf + got, len - got, off + got);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			break;
		got += r;
	}
	return got;
}

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
		unsigned long long inode;
		unsigned int major, minor;
		uint64_t start, end, off;
		struct mfile *mf;
		size_t len = strlen(line);
		char *p;
		int n = 0;

		if (len && line[len - 1] == '\n') {
			line[--len] = '\0';
		} else if (!feof(f)) {
			int c;

			/* Longer than any path the kernel prints: skip it. */
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			continue;
		}
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %*s %" SCNx64
			   " %x:%x %llu %n", &start, &end, &off, &major, &minor,
			   &inode, &n) < 6 || n <= 0 || (size_t)n > len)
			continue;
		p = line + n;
		if (skip_path(p))
			continue;
		mf = mfiles_find(fs, last, major, minor, inode, p);
		if (!mf) {
			if (fs->n == MAX_FILES)
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
			mf->inode = inode;
			mf->major = major;
			mf->minor = minor;
			mf->order = fs->n++;
			mf->offset = UINT64_MAX;
		}
		last = mf - fs->v;
		/* The loader maps the whole image at file offset 0 first, so
		 * the lowest offset-0 mapping is the load base; without one,
		 * the lowest mapping still gives the bias via its segment. */
		if (mf->offset == UINT64_MAX || (mf->offset && !off)) {
			mf->start = start;
			mf->offset = off;
			snprintf(mf->range, sizeof(mf->range), "%" PRIx64 "-%" PRIx64,
				 start, end);
		}
	}
	if (ferror(f))
		err = errno ? -errno : -EIO;
cleanup:
	free(line);
	fclose(f);
	return err;
}

/* Why a process had no file-backed mapping: kernel thread, dead, or an
 * ordinary process we found nothing in. */
static int classify_empty(pid_t pid)
{
	char path[64], buf[1024], *p;
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
	/* comm may hold spaces and parentheses: fields resume after the last ')'. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %c %*d %*d %*d %*d %*d %u", &state, &flags) != 2)
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

/* Section sh lies inside the file and is small enough to load. */
static bool section_loadable(const GElf_Shdr *sh, uint64_t fsize)
{
	return sh->sh_type != SHT_NOBITS && sh->sh_offset <= fsize &&
	       sh->sh_size <= fsize - sh->sh_offset && sh->sh_size <= MAX_SECTION;
}

static Elf_Data *load_section(struct elfctx *c, Elf_Scn *scn, GElf_Shdr *sh)
{
	if (!scn || !gelf_getshdr(scn, sh) || !section_loadable(sh, c->fsize))
		return NULL;
	return elf_getdata(scn, NULL);
}

static void scan_symbols(struct elfctx *c, Elf_Scn *scn, struct syms *s)
{
	size_t n, entsz = gelf_fsize(c->elf, ELF_T_SYM, 1, EV_CURRENT);
	GElf_Shdr sh, strsh;
	Elf_Data *d;

	d = load_section(c, scn, &sh);
	if (!d || !entsz)
		return;
	/* elf_strptr loads the whole string table: bound it first. */
	if (!load_section(c, elf_getscn(c->elf, sh.sh_link), &strsh))
		return;
	n = d->d_size / entsz;
	for (size_t i = 0; i < n; i++) {
		GElf_Sym sym;
		const char *name;

		if (!gelf_getsym(d, i, &sym))
			break;
		/* Extension modules reference _PyRuntime undefined (value 0). */
		if (sym.st_shndx == SHN_UNDEF || sym.st_shndx >= SHN_LORESERVE)
			continue;
		name = elf_strptr(c->elf, sh.sh_link, sym.st_name);
		if (!name || (name[0] != '_' && name[0] != 'P'))
			continue;
		if (!s->has_runtime && !strcmp(name, "_PyRuntime")) {
			s->runtime = sym;
			s->has_runtime = true;
		} else if (!s->has_version && !strcmp(name, "Py_Version")) {
			s->version = sym;
			s->has_version = true;
		} else if (!s->has_getversion && !strcmp(name, "Py_GetVersion")) {
			s->getversion = sym;
			s->has_getversion = true;
		}
	}
}

/* Copies up to len file bytes backing vaddr in section shndx; returns the
 * count (0 when the section has no file bytes there) or -errno. */
static ssize_t read_vaddr(struct elfctx *c, size_t shndx, uint64_t vaddr,
			  void *buf, size_t len)
{
	Elf_Scn *scn = elf_getscn(c->elf, shndx);
	uint64_t rel, n;
	GElf_Shdr sh;

	if (!scn || !gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS ||
	    !(sh.sh_flags & SHF_ALLOC))
		return 0;
	if (vaddr < sh.sh_addr || vaddr - sh.sh_addr >= sh.sh_size)
		return 0;
	rel = vaddr - sh.sh_addr;
	n = sh.sh_size - rel < len ? sh.sh_size - rel : len;
	if (sh.sh_offset > c->fsize || rel > c->fsize - sh.sh_offset)
		return 0;
	if (n > c->fsize - sh.sh_offset - rel)
		n = c->fsize - sh.sh_offset - rel;
	return pread_full(c->fd, buf, n, sh.sh_offset + rel);
}

static int load_bias(struct elfctx *c, uint64_t *bias)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	size_t n;

	if (c->eh.e_type == ET_EXEC) {
		*bias = 0;
		return 0;
	}
	if (elf_getphdrnum(c->elf, &n) || n > MAX_PHDRS)
		return -ENOEXEC;
	/* ld.so maps each PT_LOAD at its page-aligned offset, so the segment
	 * behind the anchor mapping is the one with that aligned offset; for
	 * the usual offset-0 anchor it is the first PT_LOAD. */
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(c->elf, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if ((ph.p_offset & ~(page - 1)) != c->mf->offset)
			continue;
		*bias = c->mf->start - (ph.p_vaddr & ~(page - 1));
		return 0;
	}
	return -ENOEXEC;
}

static bool hex_plausible(uint64_t hex, unsigned int min_minor)
{
	unsigned int level = hex >> 4 & 0xf;

	return hex <= UINT32_MAX && (hex >> 24) == 3 &&
	       (hex >> 16 & 0xff) >= min_minor &&
	       (level == 0xa || level == 0xb || level == 0xc || level == 0xf);
}

static const char *parse_num(const char *p, const char *end, unsigned int *v)
{
	unsigned int x = 0;
	int digits = 0;

	while (p < end && isdigit((unsigned char)*p) && digits < 4) {
		x = x * 10 + (*p++ - '0');
		digits++;
	}
	if (!digits || (p < end && isdigit((unsigned char)*p)))
		return NULL;
	*v = x;
	return p;
}

/* Parses a NUL-terminated PY_VERSION ("3.9.18", "3.10.0rc2", "3.8.18+")
 * that starts at p and ends before end; returns PY_VERSION_HEX or 0. */
static uint32_t parse_py_version(const char *p, const char *end)
{
	unsigned int minor, micro, level = 0xf, serial = 0;

	if (end - p < 6 || p[0] != '3' || p[1] != '.')
		return 0;
	p = parse_num(p + 2, end, &minor);
	if (!p || p >= end || *p++ != '.')
		return 0;
	p = parse_num(p, end, &micro);
	if (!p || p >= end)
		return 0;
	if (*p == 'a' || *p == 'b' || (*p == 'r' && p + 1 < end && p[1] == 'c')) {
		level = *p == 'a' ? 0xa : *p == 'b' ? 0xb : 0xc;
		p = parse_num(p + (level == 0xc ? 2 : 1), end, &serial);
		if (!p || p >= end)
			return 0;
	} else if (*p == '+') {
		p++; /* a build past a release tag: still that release */
		if (p >= end)
			return 0;
	}
	if (*p != '\0' || minor > 255 || micro > 255 || serial > 15)
		return 0;
	return 3u << 24 | minor << 16 | micro << 8 | level << 4 | serial;
}

/* "libpython3.10.so.1.0", "python3.9" -> the minor; -1 if absent. */
static int name_minor(const char *s)
{
	const char *p = s ? strstr(s, "python3.") : NULL;
	unsigned int minor;

	if (!p || !parse_num(p + 8, p + strlen(p), &minor) || minor > 255)
		return -1;
	return minor;
}

static const char *soname(struct elfctx *c)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(c->elf, scn))) {
		size_t n, entsz = gelf_fsize(c->elf, ELF_T_DYN, 1, EV_CURRENT);
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC)
			continue;
		d = load_section(c, scn, &sh);
		if (!d || !entsz)
			return NULL;
		n = d->d_size / entsz;
		for (size_t i = 0; i < n && i < MAX_DYN; i++) {
			GElf_Dyn dyn;

			if (!gelf_getdyn(d, i, &dyn) || dyn.d_tag == DT_NULL)
				break;
			if (dyn.d_tag == DT_SONAME)
				return elf_strptr(c->elf, sh.sh_link, dyn.d_un.d_val);
		}
		return NULL;
	}
	return NULL;
}

static Elf_Scn *section_named(struct elfctx *c, const char *want)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	GElf_Shdr sh;

	if (elf_getshdrstrndx(c->elf, &shstrndx))
		return NULL;
	if (!load_section(c, elf_getscn(c->elf, shstrndx), &sh))
		return NULL;
	while ((scn = elf_nextscn(c->elf, scn))) {
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(c->elf, shstrndx, sh.sh_name);
		if (name && !strcmp(name, want))
			return scn;
	}
	return NULL;
}

/* Py_GetVersion() does snprintf(buf, 250, "%.80s (%.80s) %.80s", PY_VERSION,
 * ...), so gcc loads PY_VERSION's address into %rcx with a RIP-relative lea
 * (48 8d 0d disp32). That pointer is exact, whereas .rodata holds several
 * version-like strings. Returns the vaddr, or 0 if the pattern is absent. */
static uint64_t py_version_ptr(struct elfctx *c, const GElf_Sym *fn)
{
	unsigned char code[VERSION_CODE_BYTES];
	ssize_t n = read_vaddr(c, fn->st_shndx, fn->st_value, code, sizeof(code));

	for (ssize_t i = 0; i + 7 <= n; i++) {
		int32_t disp;

		if (code[i] != 0x48 || code[i + 1] != 0x8d || code[i + 2] != 0x0d)
			continue;
		memcpy(&disp, code + i + 3, sizeof(disp));
		return fn->st_value + i + 7 + (int64_t)disp;
	}
	return 0;
}

/* <= 3.10 have no numeric version symbol: find PY_VERSION in .rodata.
 * The linker merges string tails, so "3.8.18" may exist only as the end of
 * "/root/.pyenv/versions/3.8.18" (the PREFIX): accept a match wherever it
 * does not continue a number. Preference: the string Py_GetVersion points
 * at; then one whose minor agrees with the soname/filename, a whole string
 * before a merged tail; then, with no name to go by, the candidates if they
 * all agree on the minor. Last resort, documented as such: the name's minor
 * with micro 0, final. Returns PY_VERSION_HEX or 0. */
static uint32_t version_from_rodata(struct elfctx *c, const struct syms *s)
{
	int want = name_minor(soname(c)), best_score = -1;
	uint32_t best = 0, agreed = 0;
	bool agree = true;
	Elf_Scn *scn;
	GElf_Shdr sh;
	Elf_Data *d;

	if (want < 0)
		want = name_minor(base_name(c->mf->path));
	scn = section_named(c, ".rodata");
	d = scn ? load_section(c, scn, &sh) : NULL;
	if (d && d->d_buf) {
		const char *buf = d->d_buf, *end = buf + d->d_size;
		uint64_t at = s->has_getversion ? py_version_ptr(c, &s->getversion) : 0;

		if (at >= sh.sh_addr && at - sh.sh_addr < d->d_size) {
			uint32_t hex = parse_py_version(buf + (at - sh.sh_addr), end);

			if (hex && (hex >> 16 & 0xff) >= FIRST_RUNTIME_MINOR &&
			    (hex >> 16 & 0xff) < FIRST_PY_VERSION_MINOR)
				return hex;
		}
		for (const char *p = buf; p + 1 < end; p++) {
			const char *q = memchr(p, '3', end - p - 1);
			unsigned int minor;
			uint32_t hex;
			int score;

			if (!q)
				break;
			p = q;
			if (p[1] != '.' || (p > buf && (isdigit((unsigned char)p[-1]) ||
							p[-1] == '.')))
				continue;
			hex = parse_py_version(p, end);
			minor = hex >> 16 & 0xff;
			if (!hex || minor < FIRST_RUNTIME_MINOR ||
			    minor >= FIRST_PY_VERSION_MINOR)
				continue;
			if (agreed && (agreed >> 16) != (hex >> 16))
				agree = false;
			agreed = hex;
			score = ((int)minor == want) * 2 + (p == buf || p[-1] == '\0');
			if (score > best_score) {
				best = hex;
				best_score = score;
			}
		}
		if (best && ((int)(best >> 16 & 0xff) == want || (want < 0 && agree)))
			return best;
	}
	if (want >= FIRST_RUNTIME_MINOR && want < FIRST_PY_VERSION_MINOR)
		return 3u << 24 | (unsigned int)want << 16 | 0xf << 4;
	return 0;
}

/* Fills version, debug offsets and free_threaded from the file. */
static int read_version(struct elfctx *c, const struct syms *s, struct pyproc *out)
{
	uint64_t py_version = 0, dbg_version = 0, ft = 0, hex = 0;
	bool has_py = false, has_dbg = false;
	size_t want = PYPROC_DEBUG_OFFSETS_MAX;
	ssize_t n;

	if (s->has_version) {
		n = read_vaddr(c, s->version.st_shndx, s->version.st_value,
			       &py_version, sizeof(py_version));
		if (n < 0)
			return n;
		has_py = n == sizeof(py_version) &&
			 hex_plausible(py_version, FIRST_PY_VERSION_MINOR);
	}
	/* _Py_DebugOffsets opens _PyRuntime and is statically initialised, so
	 * the file's .PyRuntime bytes are what the process started with. */
	if (s->runtime.st_size && s->runtime.st_size < want)
		want = s->runtime.st_size;
	n = read_vaddr(c, s->runtime.st_shndx, s->runtime.st_value,
		       out->debug_offsets, want);
	if (n < 0)
		return n;
	if (n >= DEBUG_HDR_LEN && !memcmp(out->debug_offsets, DEBUG_COOKIE, 8)) {
		memcpy(&dbg_version, out->debug_offsets + 8, sizeof(dbg_version));
		memcpy(&ft, out->debug_offsets + 16, sizeof(ft));
		if (!hex_plausible(dbg_version, FIRST_DEBUG_OFFSETS_MINOR))
			return -ENOTSUP;
		has_dbg = true;
		out->debug_offsets_len = n;
	}
	if (!has_dbg)
		memset(out->debug_offsets, 0, sizeof(out->debug_offsets));

	if (has_py && has_dbg) {
		if ((py_version >> 16) != (dbg_version >> 16))
			return -ENOTSUP; /* two answers: refuse to guess */
		hex = py_version;
	} else if (has_py) {
		/* 3.13+ always carries the cookie; without it the layout we
		 * would hand on is unknown. */
		if ((py_version >> 16 & 0xff) >= FIRST_DEBUG_OFFSETS_MINOR)
			return -ENOTSUP;
		hex = py_version;
	} else if (has_dbg) {
		hex = dbg_version;
	} else if (!s->has_version) {
		/* An unreadable Py_Version is not a reason to guess. */
		hex = version_from_rodata(c, s);
	}
	if (!hex)
		return -ENOTSUP;
	out->version_hex = hex;
	out->free_threaded = has_dbg && ft;
	return 0;
}

/* Returns 1 if this mapped file defines _PyRuntime (out filled), 0 if not,
 * or -errno. */
static int probe_file(pid_t pid, const struct mfile *mf, bool use_symtab,
		      struct pyproc *out)
{
	struct elfctx c = { .fd = -1, .mf = mf };
	Elf_Scn *scn = NULL, *dynsym = NULL, *symtab = NULL;
	struct syms s = { 0 };
	unsigned char ident[SELFMAG];
	uint64_t bias;
	struct stat st;
	int err = 0;

	c.fd = open_mapped(pid, mf);
	if (c.fd < 0)
		return c.fd;
	if (fstat(c.fd, &st) || !S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(ident))
		goto cleanup;
	c.fsize = st.st_size;
	/* Cheaper than elf_begin for the many non-ELF files a process maps. */
	if (pread_full(c.fd, ident, sizeof(ident), 0) != sizeof(ident) ||
	    memcmp(ident, ELFMAG, SELFMAG))
		goto cleanup;
	/* ELF_C_READ (not _MMAP): a file truncated under us must give a read
	 * error, not SIGBUS; only the sections we ask for are read. */
	c.elf = elf_begin(c.fd, ELF_C_READ, NULL);
	if (!c.elf || elf_kind(c.elf) != ELF_K_ELF || !gelf_getehdr(c.elf, &c.eh))
		goto cleanup;
	if (c.eh.e_type != ET_EXEC && c.eh.e_type != ET_DYN)
		goto cleanup;
	while ((scn = elf_nextscn(c.elf, scn))) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_DYNSYM && !dynsym)
			dynsym = scn;
		else if (sh.sh_type == SHT_SYMTAB && !symtab)
			symtab = scn;
	}
	/* _PyRuntime is PyAPI_DATA, exported in .dynsym in every version;
	 * .symtab only helps a static embedder that exports nothing. */
	if (dynsym)
		scan_symbols(&c, dynsym, &s);
	if (!s.has_runtime && symtab && use_symtab)
		scan_symbols(&c, symtab, &s);
	if (!s.has_runtime)
		goto cleanup;
	if (gelf_getclass(c.elf) != ELFCLASS64 || c.eh.e_machine != EM_X86_64) {
		err = -ENOTSUP;
		goto cleanup;
	}
	err = load_bias(&c, &bias);
	if (err)
		goto cleanup;
	out->runtime = s.runtime.st_value + bias;
	if (!out->runtime || out->runtime >= USER_ADDR_END) {
		err = -ENOEXEC;
		goto cleanup;
	}
	err = read_version(&c, &s, out);
	if (err)
		goto cleanup;
	snprintf(out->elf, sizeof(out->elf), "%s", mf->path);
	err = 1;
cleanup:
	if (c.elf)
		elf_end(c.elf);
	close(c.fd);
	return err;
}

static bool is_perm_error(int err)
{
	return err == -EACCES || err == -EPERM;
}

int pyproc__inspect(pid_t pid, struct pyproc *out)
{
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
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOSYS;
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
	}
	err = first_err ? first_err : -ENOEXEC;
	/* The process may have exited while we looked. */
	if (!is_perm_error(err) && classify_empty(pid) == -ESRCH)
		err = -ESRCH;
cleanup:
	if (err) {
		memset(out, 0, sizeof(*out));
		out->pid = pid;
	}
	mfiles_free(&fs);
	return err;
}

int pyproc__cmdline(pid_t pid, char *buf, size_t len)
{
	char path[64];
	size_t n = 0;
	int fd;

	if (!buf || !len)
		return -EINVAL;
	buf[0] = '\0';
	if (pid <= 0)
		return -ESRCH;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	/* /proc hands cmdline out a page at a time: loop until full or EOF. */
	while (n < len - 1) {
		ssize_t r = read(fd, buf + n, len - 1 - n);

		if (r < 0) {
			int err = errno == ESRCH ? -ESRCH : -errno;

			if (errno == EINTR)
				continue;
			close(fd);
			buf[0] = '\0';
			return err;
		}
		if (!r)
			break;
		n += r;
	}
	close(fd);
	/* The target chose these bytes and the command layer prints them:
	 * no control characters get through to a terminal. */
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = buf[i];

		if (!ch)
			buf[i] = ' ';
		else if (ch < 0x20 || ch == 0x7f)
			buf[i] = '?';
	}
	while (n && buf[n - 1] == ' ')
		n--;
	buf[n] = '\0';
	return 0;
}
