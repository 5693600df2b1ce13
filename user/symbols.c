/* symbols.c: the symbolizer: code object descriptions (from the kernel, or
 * read from the process when one was lost) to names, files and lines. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include "hashmap.h"
#include "linetable.h"
#include "pystr.h"
#include "symbols.h"

struct code_info {
	char *name;
	char *file; /* as shown: short or full */
	char *path; /* the code object's co_filename */
	int firstlineno;
	uint8_t *linetable;
	size_t ltlen;
	uint32_t version_hex;
};

struct proc_info {
	pid_t pid;
	uint32_t cookie;
	uint32_t version_hex;
	uint64_t code_type; /* &PyCode_Type, once a description showed it */
	struct py_offsets off;
};

struct code_key {
	uint64_t code;
	uint32_t pid;
	uint32_t cookie;
	uint32_t check;
	uint32_t _pad;
};

struct proc_key {
	uint32_t pid;
	uint32_t cookie;
};

struct symbols {
	struct symbols_opts opts;
	struct hashmap *codes; /* code_key -> struct code_info * */
	struct hashmap *procs; /* proc_key -> struct proc_info * */
};

struct symbols *symbols__new(const struct symbols_opts *opts)
{
	struct symbols *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->opts = *opts;
	s->codes = hashmap__new(sizeof(struct code_key));
	s->procs = hashmap__new(sizeof(struct proc_key));
	if (!s->codes || !s->procs) {
		symbols__free(s);
		return NULL;
	}
	return s;
}

static void code_info_free(struct code_info *ci)
{
	if (!ci)
		return;
	free(ci->name);
	free(ci->file);
	free(ci->path);
	free(ci->linetable);
	free(ci);
}

static int free_code(const void *key, uint64_t val, void *ctx)
{
	code_info_free((struct code_info *)(uintptr_t)val);
	return 0;
}

static int free_proc(const void *key, uint64_t val, void *ctx)
{
	free((void *)(uintptr_t)val);
	return 0;
}

void symbols__free(struct symbols *s)
{
	if (!s)
		return;
	if (s->codes) {
		hashmap__foreach(s->codes, free_code, NULL);
		hashmap__free(s->codes);
	}
	if (s->procs) {
		hashmap__foreach(s->procs, free_proc, NULL);
		hashmap__free(s->procs);
	}
	free(s);
}

int symbols__set_proc(struct symbols *s, pid_t pid, uint32_t cookie, uint32_t version_hex,
		      const struct py_offsets *off)
{
	struct proc_key key = { .pid = (uint32_t)pid, .cookie = cookie };
	struct proc_info *pi;
	uint64_t v;

	if (!hashmap__get(s->procs, &key, &v)) {
		pi = (struct proc_info *)(uintptr_t)v;
	} else {
		pi = calloc(1, sizeof(*pi));
		if (!pi)
			return -ENOMEM;
		if (hashmap__set(s->procs, &key, (uintptr_t)pi)) {
			free(pi);
			return -ENOMEM;
		}
	}
	pi->pid = pid;
	pi->cookie = cookie;
	pi->version_hex = version_hex;
	pi->off = *off;
	return 0;
}

static struct proc_info *get_proc(const struct symbols *s, pid_t pid, uint32_t cookie)
{
	struct proc_key key = { .pid = (uint32_t)pid, .cookie = cookie };
	uint64_t v;

	if (hashmap__get(s->procs, &key, &v))
		return NULL;
	return (struct proc_info *)(uintptr_t)v;
}

static int is_file(const char *root, const char *dir, const char *name)
{
	char p[PATH_MAX];
	struct stat st;

	if (snprintf(p, sizeof(p), "%s%s/%s", root, dir, name) >= (int)sizeof(p))
		return 0;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

const char *symbols__short_filename(const char *root, const char *path, char *buf, size_t len)
{
	char dir[PATH_MAX];
	size_t top;
	char *slash;
	int depth;

	if (path[0] != '/' || strlen(path) >= sizeof(dir)) {
		snprintf(buf, len, "%s", path);
		return buf;
	}
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	*slash = '\0';
	top = slash - dir; /* the file's own directory */
	/* Climb while the directory is a package (bounded: paths are short). */
	for (depth = 0; depth < 64 && top > 0; depth++) {
		dir[top] = '\0';
		if (!is_file(root, dir, "__init__.py"))
			break;
		slash = strrchr(dir, '/');
		if (!slash)
			break;
		top = slash - dir;
	}
	snprintf(buf, len, "%s", path + top + 1);
	return buf;
}

static char *display_file(const struct symbols *s, pid_t pid, const char *file)
{
	char root[64], buf[PATH_MAX];
	struct stat st;

	if (s->opts.full_filenames)
		return strdup(file);
	/* Look at the target's own file system view while it lives. */
	snprintf(root, sizeof(root), "/proc/%d/root", (int)pid);
	if (stat(root, &st) != 0)
		root[0] = '\0';
	return strdup(symbols__short_filename(root, file, buf, sizeof(buf)));
}

/* A name the kernel copied only the start of ends with this. */
#define CUT_MARK "\u2026"

static char *utf8(const uint8_t *raw, size_t n, int kind, bool cut)
{
	/* UTF-8 takes at most 4 bytes per character (3 for UCS-2, 2 latin-1). */
	size_t cap = (kind ? n / kind : n) * 4 + sizeof(CUT_MARK);
	char *out = malloc(cap);
	int len;

	if (!out)
		return NULL;
	len = pystr__to_utf8(raw, n, kind, out, cap);
	if (len < 0)
		len = 0;
	out[len] = '\0';
	if (cut)
		strcat(out, CUT_MARK);
	return out;
}

static int store(struct symbols *s, const struct code_key *key, struct code_info *ci)
{
	uint64_t old;

	if (!hashmap__get(s->codes, key, &old))
		code_info_free((struct code_info *)(uintptr_t)old);
	if (hashmap__set(s->codes, key, (uintptr_t)ci)) {
		code_info_free(ci);
		return -ENOMEM;
	}
	return 0;
}

int symbols__add_code(struct symbols *s, const struct ph_code *c, size_t size)
{
	struct code_key key = { .code = c->code, .pid = c->pid, .cookie = c->cookie, .check = c->check };
	const struct proc_info *pi = get_proc(s, c->pid, c->cookie);
	const uint8_t *d = c->data;
	struct code_info *ci;
	size_t avail = size > PH_CODE_HDR_SIZE ? size - PH_CODE_HDR_SIZE : 0;
	size_t lens[4];
	int i, name_slot;
	char *file;

	for (i = 0; i < 4; i++) {
		size_t max = i < 3 ? PH_STR_MAX : PH_LINETABLE_MAX;

		lens[i] = c->len[i] > max ? max : c->len[i];
		if ((size_t)PH_CODE_SLOT(i) + lens[i] > avail)
			lens[i] = (size_t)PH_CODE_SLOT(i) < avail ? avail - PH_CODE_SLOT(i) : 0;
	}
	name_slot =
	    lens[PH_CODE_QUALNAME] && c->kind[PH_CODE_QUALNAME] ? PH_CODE_QUALNAME : PH_CODE_NAME;
	/* A name the kernel could not read: dropped, so its frames show as
	 * <unknown> (counted) unless the process's own memory says better. */
	if (!lens[name_slot] || !c->kind[name_slot] || !c->kind[PH_CODE_FILENAME])
		return 0;
	ci = calloc(1, sizeof(*ci));
	if (!ci)
		return -ENOMEM;
	ci->name = utf8(d + PH_CODE_SLOT(name_slot), lens[name_slot], c->kind[name_slot],
			c->trunc[name_slot]);
	file = utf8(d + PH_CODE_SLOT(PH_CODE_FILENAME), lens[PH_CODE_FILENAME],
		    c->kind[PH_CODE_FILENAME], c->trunc[PH_CODE_FILENAME]);
	ci->file = file ? display_file(s, c->pid, file) : NULL;
	ci->path = file;
	ci->firstlineno = c->firstlineno;
	ci->version_hex = pi ? pi->version_hex : 0;
	if (lens[PH_CODE_LINETABLE]) {
		ci->linetable = malloc(lens[PH_CODE_LINETABLE]);
		if (ci->linetable) {
			memcpy(ci->linetable, d + PH_CODE_SLOT(PH_CODE_LINETABLE),
			       lens[PH_CODE_LINETABLE]);
			ci->ltlen = lens[PH_CODE_LINETABLE];
		}
	}
	if (!ci->name || !ci->file) {
		code_info_free(ci);
		return -ENOMEM;
	}
	return store(s, &key, ci);
}

static int read_mem(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)addr, .iov_len = len };
	ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EFAULT;
}

static bool is_code_type(struct proc_info *pi, uint64_t type)
{
	uint64_t name;
	char buf[5];

	if (!type)
		return false;
	if (type == pi->code_type)
		return true;
	if (read_mem(pi->pid, type + PH_TYPE_NAME, &name, sizeof(name)) ||
	    read_mem(pi->pid, name, buf, sizeof(buf)) || memcmp(buf, "code", 5))
		return false;
	pi->code_type = type;
	return true;
}

static uint64_t get_u64(const uint8_t *b, size_t blen, unsigned int off)
{
	uint64_t v = 0;

	if (off != PH_NO_OFFSET && off + 8 <= blen)
		memcpy(&v, b + off, 8);
	return v;
}

static uint32_t get_u32(const uint8_t *b, size_t blen, unsigned int off)
{
	uint32_t v = 0;

	if (off != PH_NO_OFFSET && off + 4 <= blen)
		memcpy(&v, b + off, 4);
	return v;
}

/* Reads a str object from the process, the same way the kernel does. */
static char *read_str(pid_t pid, const struct py_offsets *off, uint64_t addr)
{
	uint8_t hdr[256], *raw;
	uint32_t state, kind;
	int64_t len;
	uint64_t data;
	char *out;

	if (!addr || off->str_compact_size > sizeof(hdr) ||
	    read_mem(pid, addr, hdr, off->str_compact_size))
		return NULL;
	len = (int64_t)get_u64(hdr, sizeof(hdr), off->str_length);
	state = get_u32(hdr, sizeof(hdr), off->str_state);
	kind = (state & off->str_kind_mask) >> off->str_kind_shift;
	if (!(state & off->str_compact_mask) || len < 0 || (kind != 1 && kind != 2 && kind != 4))
		return NULL;
	if (len > 4096)
		len = 4096;
	data = addr + ((state & off->str_ascii_mask) ? off->str_ascii_size : off->str_compact_size);
	raw = malloc(len * kind + 1);
	if (!raw)
		return NULL;
	if (read_mem(pid, data, raw, len * kind)) {
		free(raw);
		return NULL;
	}
	out = utf8(raw, len * kind, kind, false);
	free(raw);
	return out;
}

/* A code object read from the process itself, when its description was
 * lost or refused: only if it still is the one the sample saw (its type is
 * code's, and its names' pointers give the sample's check). */
static struct code_info *read_code(const struct symbols *s, struct proc_info *pi, uint64_t code,
				   uint32_t check)
{
	const struct py_offsets *off = &pi->off;
	uint8_t hdr[512];
	struct code_info *ci;
	uint64_t lt;
	int64_t ltlen = 0;
	char *file;

	if (off->code_size_read > sizeof(hdr) || read_mem(pi->pid, code, hdr, off->code_size_read))
		return NULL;
	if (!is_code_type(pi, get_u64(hdr, sizeof(hdr), PH_OBJ_TYPE)) ||
	    ph_code_check(get_u64(hdr, sizeof(hdr), off->code_check),
			  get_u64(hdr, sizeof(hdr), off->code_check + 8)) != check)
		return NULL;
	ci = calloc(1, sizeof(*ci));
	if (!ci)
		return NULL;
	ci->version_hex = pi ? pi->version_hex : 0;
	ci->firstlineno = (int32_t)get_u32(hdr, sizeof(hdr), off->code_firstlineno);
	if (off->code_qualname != PH_NO_OFFSET)
		ci->name = read_str(pi->pid, off, get_u64(hdr, sizeof(hdr), off->code_qualname));
	if (!ci->name)
		ci->name = read_str(pi->pid, off, get_u64(hdr, sizeof(hdr), off->code_name));
	file = read_str(pi->pid, off, get_u64(hdr, sizeof(hdr), off->code_filename));
	if (file)
		ci->file = display_file(s, pi->pid, file);
	ci->path = file;
	lt = get_u64(hdr, sizeof(hdr), off->code_linetable);
	if (lt && !read_mem(pi->pid, lt + off->bytes_size, &ltlen, sizeof(ltlen)) && ltlen > 0 &&
	    ltlen <= (1 << 20)) {
		ci->linetable = malloc(ltlen);
		if (ci->linetable && !read_mem(pi->pid, lt + off->bytes_sval, ci->linetable, ltlen))
			ci->ltlen = ltlen;
	}
	if (!ci->name || !ci->file) {
		code_info_free(ci);
		return NULL;
	}
	return ci;
}

int symbols__resolve(struct symbols *s, pid_t pid, uint32_t cookie, const struct ph_frame *f,
		     struct sym_frame *out)
{
	struct code_key key = { .code = f->code, .pid = pid, .cookie = cookie, .check = f->check };
	struct proc_info *pi;
	struct code_info *ci = NULL;
	uint64_t v;

	if (!hashmap__get(s->codes, &key, &v)) {
		ci = (struct code_info *)(uintptr_t)v;
	} else {
		pi = get_proc(s, pid, cookie);
		if (pi)
			ci = read_code(s, pi, f->code, f->check);
		if (ci && store(s, &key, ci))
			ci = NULL;
	}
	if (!ci) {
		out->name = "<unknown>";
		out->file = "<unknown>";
		out->line = 0;
		out->path = NULL;
		out->first_line = 0;
		return -ENOENT;
	}
	out->name = ci->name;
	out->file = ci->file;
	out->path = ci->path;
	out->first_line = ci->firstlineno;
	switch (s->opts.lines) {
	case SYM_LINE_FUNCTION:
		out->line = ci->firstlineno;
		break;
	case SYM_LINE_NONE:
		out->line = 0;
		break;
	default:
		out->line = linetable__line(ci->version_hex, ci->linetable, ci->ltlen,
					    ci->firstlineno, f->lasti);
		if (out->line < 0)
			out->line = ci->firstlineno;
		break;
	}
	return 0;
}

struct forget_ctx {
	uint32_t pid, cookie;
};

static int of_proc(const void *key, uint64_t val, void *ctx)
{
	const struct code_key *k = key;
	const struct forget_ctx *fc = ctx;

	if (k->pid != fc->pid || k->cookie != fc->cookie)
		return 0;
	code_info_free((struct code_info *)(uintptr_t)val);
	return 1;
}

void symbols__forget_proc(struct symbols *s, pid_t pid, uint32_t cookie)
{
	struct forget_ctx fc = {.pid = (uint32_t)pid, .cookie = cookie};
	struct proc_key pk = { .pid = (uint32_t)pid, .cookie = cookie };
	uint64_t v;

	hashmap__del_if(s->codes, of_proc, &fc);
	if (!hashmap__get(s->procs, &pk, &v)) {
		free((void *)(uintptr_t)v);
		hashmap__del(s->procs, &pk);
	}
}
