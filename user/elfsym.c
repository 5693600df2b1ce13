/* elfsym.c: finds _PyRuntime, its load address and the Python version in one ELF file, bounded reads only. */
#include <ctype.h>
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfsym.h"

/* Bounds on what a target's file can make us read, allocate or loop over. */
#define MAX_SECTION (64u << 20)   /* any one section read into memory */
#define MAX_PHDRS 1024            /* program headers looked at */
#define MAX_DYN 4096              /* .dynamic entries looked at */
#define VERSION_CODE_BYTES 96     /* code of Py_GetVersion searched (<= 3.10) */

#define USER_ADDR_END (1ull << 56) /* above any x86-64 user address (LA57) */

#define DEBUG_COOKIE "xdebugpy"
#define DEBUG_HDR_LEN 24          /* cookie, version, free_threaded */

/* _PyRuntime appeared in 3.7; Py_Version in 3.11. So a binary that defines
 * the first but not the second is 3.7 to 3.10. */
#define FIRST_RUNTIME_MINOR 7
#define FIRST_PY_VERSION_MINOR 11
#define FIRST_DEBUG_OFFSETS_MINOR 13

struct syms {
	GElf_Sym runtime, version, getversion;
	bool has_runtime, has_version, has_getversion;
};

/* One open file; fd and elf stay owned by elfsym__find_runtime. */
struct elfctx {
	int fd;
	Elf *elf;
	GElf_Ehdr eh;
	uint64_t fsize;
	const struct elfsym_map *map;
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

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
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

/* read_vaddr for an address in whichever allocated section holds it. */
static ssize_t read_any_vaddr(struct elfctx *c, uint64_t vaddr, void *buf, size_t len)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(c->elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_ALLOC) ||
		    sh.sh_type == SHT_NOBITS)
			continue;
		if (vaddr >= sh.sh_addr && vaddr - sh.sh_addr < sh.sh_size)
			return read_vaddr(c, elf_ndxscn(scn), vaddr, buf, len);
	}
	return 0;
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
		if ((ph.p_offset & ~(page - 1)) != c->map->offset)
			continue;
		*bias = c->map->start - (ph.p_vaddr & ~(page - 1));
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
	int want, best_score = -1;
	uint32_t best = 0, agreed = 0;
	bool agree = true;
	Elf_Scn *scn;
	GElf_Shdr sh;
	Elf_Data *d;

	if (s->has_getversion) {
		uint64_t at = py_version_ptr(c, &s->getversion);
		char str[32]; /* longer than any PY_VERSION */
		ssize_t n = at ? read_any_vaddr(c, at, str, sizeof(str)) : 0;
		uint32_t hex = n > 0 ? parse_py_version(str, str + n) : 0;

		if (hex && (hex >> 16 & 0xff) >= FIRST_RUNTIME_MINOR &&
		    (hex >> 16 & 0xff) < FIRST_PY_VERSION_MINOR)
			return hex;
	}
	want = name_minor(soname(c));
	if (want < 0)
		want = name_minor(base_name(c->map->path));
	scn = section_named(c, ".rodata");
	d = scn ? load_section(c, scn, &sh) : NULL;
	if (d && d->d_buf) {
		const char *buf = d->d_buf, *end = buf + d->d_size;

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
	}
	if (!has_dbg)
		memset(out->debug_offsets, 0, sizeof(out->debug_offsets));
	else
		out->debug_offsets_len = n;

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

int elfsym__find_runtime(int fd, const struct elfsym_map *map, bool use_symtab,
			 struct pyproc *out)
{
	struct elfctx c = { .fd = fd, .map = map };
	Elf_Scn *scn = NULL, *dynsym = NULL, *symtab = NULL;
	unsigned char ident[SELFMAG];
	struct syms s = { 0 };
	uint64_t bias;
	struct stat st;
	int err = 0;

	/* A caller trying file after file must not inherit a previous
	 * candidate's half-filled answer. */
	out->runtime = 0;
	out->version_hex = 0;
	out->free_threaded = 0;
	out->debug_offsets_len = 0;
	memset(out->debug_offsets, 0, sizeof(out->debug_offsets));
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOSYS;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(ident))
		return 0;
	c.fsize = st.st_size;
	/* Cheaper than elf_begin for the many non-ELF files a process maps. */
	if (pread_full(fd, ident, sizeof(ident), 0) != sizeof(ident) ||
	    memcmp(ident, ELFMAG, SELFMAG))
		return 0;
	/* ELF_C_READ (not _MMAP): a file truncated under us must give a read
	 * error, not SIGBUS; only the sections we ask for are read. */
	c.elf = elf_begin(fd, ELF_C_READ, NULL);
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
	if (!err)
		err = 1;
cleanup:
	if (c.elf)
		elf_end(c.elf);
	return err;
}

int elfsym__needs_libpython(int fd)
{
	unsigned char ident[SELFMAG];
	Elf_Scn *scn = NULL;
	int found = 0;
	Elf *elf;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOSYS;
	if (pread_full(fd, ident, sizeof(ident), 0) != sizeof(ident) ||
	    memcmp(ident, ELFMAG, SELFMAG))
		return 0;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		if (elf)
			elf_end(elf);
		return 0;
	}
	while (!found && (scn = elf_nextscn(elf, scn))) {
		Elf_Data *data;
		GElf_Shdr sh;
		GElf_Dyn dyn;
		size_t i, n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC || !sh.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		n = data ? data->d_size / sh.sh_entsize : 0;
		/* Bounded by the section's size; names are read with their
		 * own string table's bounds (elf_strptr). */
		for (i = 0; i < n && i < 4096; i++) {
			const char *name;

			if (!gelf_getdyn(data, (int)i, &dyn) || dyn.d_tag == DT_NULL)
				break;
			if (dyn.d_tag != DT_NEEDED)
				continue;
			name = elf_strptr(elf, sh.sh_link, dyn.d_un.d_val);
			if (name && !strncmp(name, "libpython", 9)) {
				found = 1;
				break;
			}
		}
	}
	elf_end(elf);
	return found;
}
