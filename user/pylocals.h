/* pylocals.h: a Python frame's arguments and local variables, read from a live process as text. */
#ifndef PYLOCALS_H
#define PYLOCALS_H

#include <stdbool.h>
#include <stdint.h>

struct pyobj;
struct py_offsets;
struct py_obj_offsets;

/* What a value that could not be read (or made no sense) shows. */
#define PYLOCALS_UNREADABLE "<unreadable>"

/* Locals of one frame read at most (a function has rarely more than 100). */
#define PYLOCALS_MAX 1024

struct pylocal {
	char name[64];	 /* the variable's name (UTF-8, cut on a character boundary) */
	char value[160]; /* its value as text, see pylocals__read */
	bool arg;	 /* an argument (positional, keyword-only, *args, **kwargs) */
};

/*
 * Reads up to max locals of the frame at frame, running the code object at
 * code, of the process r reads (while it runs: never stopped): frame is
 * the PyFrameObject (3.8-3.10) or the _PyInterpreterFrame (3.11+), off and
 * obj the tables of its version. Locals come in the interpreter's order
 * (arguments first, then other locals, then cell and free variables);
 * one not bound yet (or deleted) is left out, and so are 3.12+'s hidden
 * locals of inlined comprehensions. A cell or free variable shows what its
 * cell holds.
 *
 * Values read as Python's repr() writes them (pyrepr.h) for int (one too
 * long for value: the generic form below), bool, float, None, str and bytes
 * (long ones cut, ending in "..."), when the object's type is the builtin
 * itself; any other object as "<TYPE object at 0xADDR>" (TYPE: its
 * tp_name), a subclass of those builtins included. A value that cannot be
 * read, or is not what its type says, is PYLOCALS_UNREADABLE.
 *
 * Returns how many locals were written, or -errno as pyobj does (-ESRCH,
 * -EPERM, -E2BIG when r's read budget ran out, -EFAULT, -EBADMSG for a
 * frame or code object that makes no sense, -EINVAL), and -ESTALE when the
 * frame no longer runs code (it returned, and its memory was reused). It
 * costs about 10 reads, and 2 to 5 more for each local.
 */
int pylocals__read(struct pyobj *r, const struct py_offsets *off, const struct py_obj_offsets *obj,
		   uint64_t frame, uint64_t code, struct pylocal *out, int max);

#endif /* PYLOCALS_H */
