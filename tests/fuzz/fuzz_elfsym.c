/* fuzz_elfsym.c: libFuzzer target: a mapped ELF file of the target, as elfsym__find_runtime and
 * elfsym__needs_libpython read it (from a memfd).
 *
 * The first byte picks a template (a libpython 3.9 that has only
 * Py_GetVersion and PY_VERSION in .rodata, or a python3.13 with Py_Version
 * and _Py_DebugOffsets; symbols in .dynsym or only in .symtab), whether
 * .symtab is searched and the mapping's file offset; the rest is XORed onto
 * the template, so that every file can be reached and the fuzzer starts
 * deep inside a valid one. Checked beyond "no crash, no hang":
 *   - the results are among those documented (1, 0, -errno);
 *   - what a found runtime says is plausible: an address in user space, a
 *     3.x >= 3.7 version of a release level, debug offsets with their
 *     cookie (or none, all zero, below 3.13), free-threaded only with them;
 *     and pid and elf are left alone;
 *   - the template itself (nothing XORed) gives exactly its runtime
 *     address, version and debug offsets, and its DT_NEEDED answer. */
#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "elfsym.h"

#define FILE_MAX     (1u << 16)
#define MAP_START    0x7f5500000000ull
#define RUNTIME_SIZE 256
#define V39	     0x030912f0u /* 3.9.18 */
#define V313	     0x030d05f0u /* 3.13.5 */

enum {
	T_MODERN = 1,	   /* python3.13; else libpython3.9 */
	T_USE_SYMTAB = 2,  /* search .symtab */
	T_SYMTAB_ONLY = 4, /* _PyRuntime and the version only in .symtab */
	T_OFFSET = 8,	   /* the anchor mapping at file offset 0x1000: no segment there */
};

enum { S_NULL, S_DYNSYM, S_DYNSTR, S_TEXT, S_RODATA, S_DYNAMIC, S_RUNTIME, S_SYMTAB, S_SHSTR, S_N };

struct image {
	uint8_t b[FILE_MAX];
	size_t len;
	uint64_t runtime; /* vaddr of _PyRuntime */
};

static struct image templates[16];
static int memfd = -1;

static size_t put(struct image *im, const void *p, size_t n, size_t align)
{
	size_t at = (im->len + align - 1) & ~(align - 1);

	memcpy(im->b + at, p, n);
	im->len = at + n;
	return at;
}

/* A string table: returns where s starts in it. */
static uint32_t str_add(char *tab, size_t *len, const char *s)
{
	uint32_t at = (uint32_t)*len;

	strcpy(tab + at, s);
	*len += strlen(s) + 1;
	return at;
}

static void build(struct image *im, int t)
{
	bool modern = t & T_MODERN;
	char dynstr[256] = "", shstr[128] = "";
	size_t dlen = 1, slen = 1, nsyms = 0, ndyn = 0;
	Elf64_Shdr sh[S_N] = {};
	Elf64_Sym syms[6] = {};
	Elf64_Dyn dyn[4] = {};
	Elf64_Ehdr eh = {};
	Elf64_Phdr ph[2] = {};
	uint8_t runtime[RUNTIME_SIZE],
	    code[] = {0x55, 0x48, 0x89, 0xe5, 0x48, 0x83, 0xec, 0x10, 0x48, 0x8d, 0x0d,
		      0,    0,	  0,	0,    0xe8, 0,	  0,	0,    0,    0xc9, 0xc3};
	static const char rodata_legacy[] = "\0/opt/python/3.9.18\0Python %s\0"
					    "3.9.18";
	uint64_t version = V313, ver_at = 0, text_at, ro_at, pyver_at = 0;
	uint32_t n_runtime = str_add(dynstr, &dlen, "_PyRuntime");
	uint32_t n_version = str_add(dynstr, &dlen, "Py_Version");
	uint32_t n_getversion = str_add(dynstr, &dlen, "Py_GetVersion");
	uint32_t n_free = str_add(dynstr, &dlen, "PyObject_Free");
	uint32_t n_libpy =
	    str_add(dynstr, &dlen, modern ? "libpython3.13.so.1.0" : "libpython3.9.so.1.0");
	uint32_t n_libc = str_add(dynstr, &dlen, "libc.so.6");
	int32_t disp;

	memset(im, 0, sizeof(*im));
	im->len = sizeof(eh) + sizeof(ph);

	text_at = put(im, code, sizeof(code), 16);
	if (modern) {
		ro_at = put(im, "3.13.5", 7, 8);
		ver_at = put(im, &version, sizeof(version), 8);
	} else {
		ro_at = put(im, rodata_legacy, sizeof(rodata_legacy), 8);
		pyver_at = ro_at + sizeof(rodata_legacy) - 7;
		/* Py_GetVersion's lea of PY_VERSION into %rcx. */
		disp = (int32_t)(pyver_at - (text_at + 8 + 7));
		memcpy(im->b + text_at + 11, &disp, sizeof(disp));
	}
	for (int i = 0; i < RUNTIME_SIZE; i++)
		runtime[i] = (uint8_t)i;
	if (modern) {
		uint64_t ft = 0;

		memcpy(runtime, "xdebugpy", 8);
		memcpy(runtime + 8, &version, 8);
		memcpy(runtime + 16, &ft, 8);
	}
	im->runtime = put(im, runtime, sizeof(runtime), 64);

	/* An extension module's undefined reference first, then the definitions. */
	syms[++nsyms] =
	    (Elf64_Sym){.st_name = n_free, .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC)};
	syms[++nsyms] =
	    (Elf64_Sym){.st_name = n_runtime, .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_OBJECT)};
	syms[++nsyms] = (Elf64_Sym){.st_name = n_runtime,
				    .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_OBJECT),
				    .st_shndx = S_RUNTIME,
				    .st_value = im->runtime,
				    .st_size = RUNTIME_SIZE};
	if (modern)
		syms[++nsyms] = (Elf64_Sym){.st_name = n_version,
					    .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_OBJECT),
					    .st_shndx = S_RODATA,
					    .st_value = ver_at,
					    .st_size = 8};
	else
		syms[++nsyms] = (Elf64_Sym){.st_name = n_getversion,
					    .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC),
					    .st_shndx = S_TEXT,
					    .st_value = text_at,
					    .st_size = sizeof(code)};
	nsyms++;

	if (!modern)
		dyn[ndyn++] = (Elf64_Dyn){.d_tag = DT_SONAME, .d_un.d_val = n_libpy};
	dyn[ndyn++] = (Elf64_Dyn){.d_tag = DT_NEEDED, .d_un.d_val = n_libc};
	if (modern)
		dyn[ndyn++] = (Elf64_Dyn){.d_tag = DT_NEEDED, .d_un.d_val = n_libpy};
	dyn[ndyn++] = (Elf64_Dyn){.d_tag = DT_NULL};

	sh[S_DYNSYM] = (Elf64_Shdr){.sh_type = SHT_DYNSYM,
				    .sh_flags = SHF_ALLOC,
				    .sh_link = S_DYNSTR,
				    .sh_info = 1,
				    .sh_addralign = 8,
				    .sh_entsize = sizeof(Elf64_Sym)};
	sh[S_DYNSYM].sh_size = (t & T_SYMTAB_ONLY ? 2 : nsyms) * sizeof(Elf64_Sym);
	sh[S_DYNSYM].sh_offset = put(im, syms, sh[S_DYNSYM].sh_size, 8);
	sh[S_DYNSTR] = (Elf64_Shdr){
	    .sh_type = SHT_STRTAB, .sh_flags = SHF_ALLOC, .sh_size = dlen, .sh_addralign = 1};
	sh[S_DYNSTR].sh_offset = put(im, dynstr, dlen, 1);
	sh[S_TEXT] = (Elf64_Shdr){.sh_type = SHT_PROGBITS,
				  .sh_flags = SHF_ALLOC | SHF_EXECINSTR,
				  .sh_offset = text_at,
				  .sh_size = sizeof(code),
				  .sh_addralign = 16};
	sh[S_RODATA] = (Elf64_Shdr){.sh_type = SHT_PROGBITS,
				    .sh_flags = SHF_ALLOC,
				    .sh_offset = ro_at,
				    .sh_size = modern ? ver_at + 8 - ro_at : sizeof(rodata_legacy),
				    .sh_addralign = 8};
	sh[S_DYNAMIC] = (Elf64_Shdr){.sh_type = SHT_DYNAMIC,
				     .sh_flags = SHF_ALLOC | SHF_WRITE,
				     .sh_link = S_DYNSTR,
				     .sh_size = ndyn * sizeof(Elf64_Dyn),
				     .sh_addralign = 8,
				     .sh_entsize = sizeof(Elf64_Dyn)};
	sh[S_DYNAMIC].sh_offset = put(im, dyn, sh[S_DYNAMIC].sh_size, 8);
	sh[S_RUNTIME] = (Elf64_Shdr){.sh_type = SHT_PROGBITS,
				     .sh_flags = SHF_ALLOC | SHF_WRITE,
				     .sh_offset = im->runtime,
				     .sh_size = RUNTIME_SIZE,
				     .sh_addralign = 64};
	sh[S_SYMTAB] = (Elf64_Shdr){.sh_type = SHT_SYMTAB,
				    .sh_link = S_DYNSTR,
				    .sh_info = 1,
				    .sh_size = nsyms * sizeof(Elf64_Sym),
				    .sh_addralign = 8,
				    .sh_entsize = sizeof(Elf64_Sym)};
	sh[S_SYMTAB].sh_offset = put(im, syms, sh[S_SYMTAB].sh_size, 8);
	sh[S_SHSTR] = (Elf64_Shdr){.sh_type = SHT_STRTAB, .sh_addralign = 1};
	sh[S_DYNSYM].sh_name = str_add(shstr, &slen, ".dynsym");
	sh[S_DYNSTR].sh_name = str_add(shstr, &slen, ".dynstr");
	sh[S_TEXT].sh_name = str_add(shstr, &slen, ".text");
	sh[S_RODATA].sh_name = str_add(shstr, &slen, ".rodata");
	sh[S_DYNAMIC].sh_name = str_add(shstr, &slen, ".dynamic");
	sh[S_RUNTIME].sh_name = str_add(shstr, &slen, modern ? ".PyRuntime" : ".data");
	sh[S_SYMTAB].sh_name = str_add(shstr, &slen, ".symtab");
	sh[S_SHSTR].sh_name = str_add(shstr, &slen, ".shstrtab");
	sh[S_SHSTR].sh_size = slen;
	sh[S_SHSTR].sh_offset = put(im, shstr, slen, 1);
	/* Addresses are file offsets: one segment maps the whole file. */
	for (int i = 1; i < S_N; i++)
		if (sh[i].sh_flags & SHF_ALLOC)
			sh[i].sh_addr = sh[i].sh_offset;
	eh.e_shoff = put(im, sh, sizeof(sh), 8);

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_DYN;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = 2;
	eh.e_shentsize = sizeof(Elf64_Shdr);
	eh.e_shnum = S_N;
	eh.e_shstrndx = S_SHSTR;
	ph[0] = (Elf64_Phdr){.p_type = PT_LOAD,
			     .p_flags = PF_R | PF_W | PF_X,
			     .p_filesz = im->len,
			     .p_memsz = im->len,
			     .p_align = 0x1000};
	ph[1] = (Elf64_Phdr){.p_type = PT_DYNAMIC,
			     .p_flags = PF_R | PF_W,
			     .p_offset = sh[S_DYNAMIC].sh_offset,
			     .p_vaddr = sh[S_DYNAMIC].sh_offset,
			     .p_filesz = sh[S_DYNAMIC].sh_size,
			     .p_memsz = sh[S_DYNAMIC].sh_size};
	memcpy(im->b, &eh, sizeof(eh));
	memcpy(im->b + sizeof(eh), ph, sizeof(ph));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	for (int t = 0; t < 16; t++)
		build(&templates[t], t);
	memfd = memfd_create("fuzz_elfsym", MFD_CLOEXEC);
	if (memfd < 0)
		abort();
	return 0;
}

static bool plausible_version(uint32_t hex)
{
	unsigned int level = hex >> 4 & 0xf;

	return hex >> 24 == 3 && (hex >> 16 & 0xff) >= 7 &&
	       (level == 0xa || level == 0xb || level == 0xc || level == 0xf);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static void check_found(const struct pyproc *out)
{
	uint32_t minor = out->version_hex >> 16 & 0xff;

	if (!out->runtime || out->runtime >= 1ull << 56 || !plausible_version(out->version_hex))
		abort();
	if (out->debug_offsets_len > PYPROC_DEBUG_OFFSETS_MAX)
		abort();
	if (out->debug_offsets_len) {
		if (out->debug_offsets_len < 24 || memcmp(out->debug_offsets, "xdebugpy", 8) ||
		    minor < 13)
			abort();
	} else if (minor >= 13 || out->free_threaded ||
		   !all_zero(out->debug_offsets, sizeof(out->debug_offsets))) {
		abort();
	}
}

static void check_template(int t, int found, int needs, const struct pyproc *out)
{
	const struct image *im = &templates[t];
	bool modern = t & T_MODERN;

	if (needs != modern)
		abort();
	if ((t & T_SYMTAB_ONLY) && !(t & T_USE_SYMTAB)) {
		if (found != 0)
			abort();
		return;
	}
	if (t & T_OFFSET) {
		if (found != -ENOEXEC)
			abort();
		return;
	}
	if (found != 1 || out->runtime != MAP_START + im->runtime || out->free_threaded ||
	    out->version_hex != (modern ? V313 : V39))
		abort();
	if (modern ? out->debug_offsets_len != RUNTIME_SIZE ||
			 memcmp(out->debug_offsets, im->b + im->runtime, RUNTIME_SIZE)
		   : out->debug_offsets_len != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t file[FILE_MAX];
	static struct pyproc out;
	const struct image *im;
	struct elfsym_map map;
	size_t len;
	int t, found, needs;

	if (size < 1 || size - 1 > FILE_MAX)
		return 0;
	t = data[0] & 15;
	im = &templates[t];
	len = size - 1 > im->len ? size - 1 : im->len;
	memcpy(file, im->b, im->len);
	memset(file + im->len, 0, len - im->len);
	for (size_t i = 0; i + 1 < size; i++)
		file[i] ^= data[i + 1];
	if (ftruncate(memfd, 0) || pwrite(memfd, file, len, 0) != (ssize_t)len)
		abort();

	map.start = MAP_START;
	map.offset = t & T_OFFSET ? 0x1000 : 0;
	map.path = t & T_MODERN ? "/usr/local/bin/python3.13"
				: "/usr/lib/x86_64-linux-gnu/libpython3.9.so.1.0";
	memset(&out, 0xa5, sizeof(out));
	out.pid = 4242;
	strcpy(out.elf, "unchanged");
	found = elfsym__find_runtime(memfd, &map, t & T_USE_SYMTAB, &out);
	if (found > 1 || found < -4095 || out.pid != 4242 || strcmp(out.elf, "unchanged"))
		abort();
	if (found == 1)
		check_found(&out);
	needs = elfsym__needs_libpython(memfd);
	if (needs > 1 || needs < -4095)
		abort();
	if (all_zero(data + 1, size - 1))
		check_template(t, found, needs, &out);
	return 0;
}
