/* symbols.h: code objects to names, files and lines, cached per process. */
#ifndef SYMBOLS_H
#define SYMBOLS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "pyhawk.h"

struct symbols;

enum sym_lines {
	SYM_LINE_CURRENT = 0, /* the line running (default) */
	SYM_LINE_FUNCTION,    /* the function's first line (-F) */
	SYM_LINE_NONE,        /* no line (--nolineno) */
};

struct symbols_opts {
	int lines;           /* enum sym_lines */
	bool full_filenames; /* else the module path inside its package */
};

struct sym_frame {
	const char *name; /* qualname (3.11+) or name; owned by symbols */
	const char *file; /* short or full filename; owned by symbols */
	int line;         /* per opts.lines; 0 = none */
	const char *path; /* the full filename, as the process sees it; NULL: unknown */
	int first_line;	  /* the function's first line; 0: unknown */
};

struct symbols *symbols__new(const struct symbols_opts *opts);
void symbols__free(struct symbols *s);

/* What symbols needs to read a process's code objects itself (when the
 * kernel's description was lost). */
int symbols__set_proc(struct symbols *s, pid_t pid, uint32_t cookie, uint32_t version_hex,
		      const struct py_offsets *off);

/* Stores a code object description sent by the kernel. */
int symbols__add_code(struct symbols *s, const struct ph_code *c, size_t size);

/* Resolves one recorded frame. Returns 0, or -ENOENT when the code object
 * is unknown and could not be read from the process (out gets "<unknown>"). */
int symbols__resolve(struct symbols *s, pid_t pid, uint32_t cookie, const struct ph_frame *f,
		     struct sym_frame *out);

/* Forgets a process's code objects (after its exit, once its samples are
 * aggregated). */
void symbols__forget_proc(struct symbols *s, pid_t pid, uint32_t cookie);

/* The module path of a file inside its package: the path from the parent
 * of its outermost package directory (one with __init__.py), looked up
 * under root ("/proc/PID/root" or "" for ours). Writes to buf. */
const char *symbols__short_filename(const char *root, const char *path, char *buf, size_t len);

#endif /* SYMBOLS_H */
