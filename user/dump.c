/* dump.c: the dump command: one pass of the task iterator over every thread
 * of the targets, printed in py-spy's layout (or as JSON), the target never
 * paused. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dump.h"
#include "errors.h"
#include "exitcodes.h"
#include "jsonout.h"
#include "offsets.h"
#include "profile.h"
#include "pylocals.h"
#include "pyobj.h"
#include "session.h"
#include "threadstate.h"

struct dthread {
	uint32_t pid, tid, state;
	bool gil;
	bool moved; /* its stack kept moving while it was read */
	uint32_t n;
	uint32_t *frames;	 /* profile frame ids, root first */
	uint64_t *addrs, *codes; /* --locals: each frame's (0: unknown) */
	struct pylocal **locals; /* --locals: each frame's, read after the pass */
	int *nlocals;		 /* how many; -errno when they could not be read */
	char name[64];
};

struct dname {
	uint32_t pid, tid;
	char name[64];
};

struct dumper {
	struct profile *prof;
	struct dthread *threads;
	size_t n, cap;
	/* Names as they come: a thread's may come before its sample. */
	struct dname *names;
	size_t nnames, capnames;
};

static struct dthread *find_thread(struct dumper *d, uint32_t pid, uint32_t tid)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->threads[i].pid == pid && d->threads[i].tid == tid)
			return &d->threads[i];
	return NULL;
}

static int on_sample(void *ctx, const struct session_sample *s)
{
	struct dumper *d = ctx;
	struct dthread *t;

	if (find_thread(d, s->pid, s->tid))
		return 0; /* one pass: only a --all first pass could repeat */
	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 32;
		struct dthread *v = realloc(d->threads, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		d->threads = v;
		d->cap = cap;
	}
	t = &d->threads[d->n];
	memset(t, 0, sizeof(*t));
	t->pid = s->pid;
	t->tid = s->tid;
	t->state = s->state;
	t->gil = s->flags & PH_SF_GIL;
	t->moved = s->flags & PH_SF_MOVED;
	t->n = s->nframes;
	t->frames = malloc(t->n * sizeof(*t->frames) + 1);
	if (!t->frames)
		return -ENOMEM;
	memcpy(t->frames, s->frames, t->n * sizeof(*t->frames));
	if (s->frame_addrs && s->codes) {
		t->addrs = malloc(t->n * sizeof(*t->addrs) + 1);
		t->codes = malloc(t->n * sizeof(*t->codes) + 1);
		if (!t->addrs || !t->codes)
			return -ENOMEM;
		memcpy(t->addrs, s->frame_addrs, t->n * sizeof(*t->addrs));
		memcpy(t->codes, s->codes, t->n * sizeof(*t->codes));
	}
	d->n++;
	return 0;
}

static void on_thread_name(void *ctx, pid_t pid, uint32_t tid, const char *name)
{
	struct dumper *d = ctx;
	struct dname *n = NULL;

	for (size_t i = 0; i < d->nnames && !n; i++)
		if (d->names[i].pid == (uint32_t)pid && d->names[i].tid == tid)
			n = &d->names[i];
	if (!n) {
		if (d->nnames == d->capnames) {
			size_t cap = d->capnames ? 2 * d->capnames : 32;
			struct dname *v = realloc(d->names, cap * sizeof(*v));

			if (!v)
				return; /* the thread is shown without its name */
			d->names = v;
			d->capnames = cap;
		}
		n = &d->names[d->nnames++];
		n->pid = (uint32_t)pid;
		n->tid = tid;
	}
	snprintf(n->name, sizeof(n->name), "%s", name ? name : "");
}

static void apply_names(struct dumper *d)
{
	for (size_t i = 0; i < d->nnames; i++) {
		struct dthread *t = find_thread(d, d->names[i].pid, d->names[i].tid);

		if (t)
			memcpy(t->name, d->names[i].name, sizeof(t->name));
	}
}

/* Processes in the order asked, threads by id (the main thread, whose id
 * is the process's, first). */
static int by_thread(const void *a, const void *b)
{
	const struct dthread *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if ((x->tid == x->pid) != (y->tid == y->pid))
		return x->tid == x->pid ? -1 : 1;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

static void state_text(const struct dthread *t, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", threadstate__name(t->state), t->gil ? "+gil" : "");
}

/* Reads per process allowed for the locals of all its threads' frames. */
#define LOCALS_READS 200000

/* --locals: each frame's variables, read right after its stack (the
 * process runs on meanwhile: a frame that returned since is marked, its
 * memory never misread as another's). */
static int read_locals(struct dumper *d, struct session *s)
{
	struct py_obj_offsets obj;
	struct py_offsets off;
	struct pyobj *r = NULL;
	uint32_t pid = 0, version;

	for (size_t i = 0; i < d->n; i++) {
		struct dthread *t = &d->threads[i];

		if (!t->addrs)
			continue;
		if (!r || t->pid != pid) {
			pyobj__free(r);
			r = NULL;
			pid = t->pid;
			if (session__python(s, pid, &version, &off) ||
			    offsets__obj_for_version(version, 0, &obj))
				continue;
			r = pyobj__new((pid_t)pid, &off, &obj, LOCALS_READS);
			if (!r)
				return -ENOMEM;
		}
		t->locals = calloc(t->n + 1, sizeof(*t->locals));
		t->nlocals = calloc(t->n + 1, sizeof(*t->nlocals));
		if (!t->locals || !t->nlocals)
			goto nomem;
		for (uint32_t k = 0; k < t->n; k++) {
			if (!t->addrs[k] || !t->codes[k])
				continue;
			t->locals[k] = calloc(PYLOCALS_MAX, sizeof(**t->locals));
			if (!t->locals[k])
				goto nomem;
			t->nlocals[k] = pylocals__read(r, &off, &obj, t->addrs[k], t->codes[k],
						       t->locals[k], PYLOCALS_MAX);
		}
	}
	pyobj__free(r);
	return 0;
nomem:
	pyobj__free(r);
	return -ENOMEM;
}

static const char *locals_error(int err)
{
	return err == -ESTALE ? "the frame returned before its variables were read"
			      : strerror(-err);
}

static void print_locals_text(const struct dthread *t, uint32_t k)
{
	int n = t->nlocals[k];

	if (n < 0) {
		printf("        (variables not read: %s)\n", locals_error(n));
		return;
	}
	for (int pass = 0; pass < 2; pass++) {
		bool header = false;

		for (int i = 0; i < n; i++) {
			const struct pylocal *l = &t->locals[k][i];

			if (l->arg != !pass)
				continue;
			if (!header)
				printf("        %s:\n", pass ? "Locals" : "Arguments");
			header = true;
			printf("            %s: %s\n", l->name, l->value);
		}
	}
}

static void print_frame_text(const struct profile_frame *f)
{
	if (f->kind != PF_PYTHON)
		printf("    %s\n", f->name);
	else if (f->line)
		printf("    %s (%s:%d)\n", f->name, f->file ? f->file : "?", f->line);
	else
		printf("    %s (%s)\n", f->name, f->file ? f->file : "?");
}

static void print_text(struct dumper *d, struct session *s, const struct config *cfg)
{
	uint32_t pid = 0, version;
	char vbuf[32], st[32];

	for (size_t i = 0; i < d->n; i++) {
		struct dthread *t = &d->threads[i];

		if (!i || t->pid != pid) {
			pid = t->pid;
			printf("%sProcess %u: %s\n", i ? "\n" : "", pid, session__cmdline(s, pid));
			if (!session__python(s, pid, &version, NULL))
				printf("Python %s\n",
				       offsets__version_str(version, vbuf, sizeof(vbuf)));
		}
		state_text(t, st, sizeof(st));
		printf("\nThread %u (%s): \"%s\"\n", t->tid, st, t->name);
		if (t->moved)
			printf("    (the stack kept changing while it was read: it may mix two moments)\n");
		/* Innermost first, as tracebacks read bottom-up. */
		for (uint32_t k = t->n; k-- > 0;) {
			print_frame_text(profile__frame(d->prof, t->frames[k]));
			if (t->locals && t->locals[k])
				print_locals_text(t, k);
		}
	}
}

static void print_json(struct dumper *d, struct session *s)
{
	uint32_t pid = 0, version;
	char vbuf[32];

	printf("{\"processes\": [");
	for (size_t i = 0; i < d->n; i++) {
		struct dthread *t = &d->threads[i];

		if (!i || t->pid != pid) {
			if (i)
				printf("]}, ");
			pid = t->pid;
			printf("{\"pid\": %u, \"command\": ", pid);
			json__str(stdout, session__cmdline(s, pid));
			printf(", \"python\": ");
			json__str(stdout, session__python(s, pid, &version, NULL)
					      ? ""
					      : offsets__version_str(version, vbuf, sizeof(vbuf)));
			printf(", \"threads\": [");
		} else {
			printf(", ");
		}
		printf("{\"tid\": %u, \"name\": ", t->tid);
		json__str(stdout, t->name);
		printf(", \"state\": ");
		json__str(stdout, threadstate__name(t->state));
		printf(", \"gil\": %s, \"moved\": %s, \"frames\": [", t->gil ? "true" : "false",
		       t->moved ? "true" : "false");
		for (uint32_t k = t->n, first = 1; k-- > 0; first = 0) {
			const struct profile_frame *f = profile__frame(d->prof, t->frames[k]);

			printf("%s{\"function\": ", first ? "" : ", ");
			json__str(stdout, f->name);
			printf(", \"file\": ");
			if (f->file)
				json__str(stdout, f->file);
			else
				printf("null");
			printf(", \"line\": %d", f->line);
			if (t->locals && t->locals[k] && t->nlocals[k] < 0) {
				printf(", \"locals_error\": ");
				json__str(stdout, locals_error(t->nlocals[k]));
			} else if (t->locals && t->locals[k]) {
				printf(", \"locals\": [");
				for (int i = 0; i < t->nlocals[k]; i++) {
					const struct pylocal *l = &t->locals[k][i];

					printf("%s{\"name\": ", i ? ", " : "");
					json__str(stdout, l->name);
					printf(", \"value\": ");
					json__str(stdout, l->value);
					printf(", \"arg\": %s}", l->arg ? "true" : "false");
				}
				printf("]");
			}
			printf("}");
		}
		printf("]}");
	}
	printf("%s]}\n", d->n ? "]}" : "");
}

int dump__run(const struct config *cfg)
{
	struct dumper d = {0};
	struct session_sink sink = {.ctx = &d, .sample = on_sample, .thread_name = on_thread_name};
	struct session_opts so = {
	    .rate = 100,
	    .verbose = cfg->verbose,
	    .syms = {.lines = SYM_LINE_CURRENT, .full_filenames = cfg->full_filenames},
	    .pids = cfg->pids,
	    .npids = cfg->npids,
	    .all = cfg->all,
	    .subprocesses = cfg->subprocesses,
	    .once = true,
	    .frame_addrs = cfg->locals,
	};
	struct session_error e = {0};
	struct session *s = NULL;
	int rc = PH_EXIT_ERROR;

	if (session__check(&e)) {
		rc = errors__report(&e);
		goto out;
	}
	d.prof = profile__new();
	if (!d.prof) {
		fprintf(stderr, "Error: out of memory\n");
		goto out;
	}
	so.frames = d.prof;
	if (session__new(&so, &sink, &s, &e) || session__run(s, &e)) {
		rc = errors__report(&e);
		goto out;
	}
	apply_names(&d);
	qsort(d.threads, d.n, sizeof(*d.threads), by_thread);
	if (cfg->locals && read_locals(&d, s)) {
		fprintf(stderr, "Error: out of memory\n");
		goto out;
	}
	if (cfg->json)
		print_json(&d, s);
	else
		print_text(&d, s, cfg);
	if (fflush(stdout) || ferror(stdout)) {
		perror("Error: cannot write to stdout");
		rc = PH_EXIT_OUTPUT;
		goto out;
	}
	rc = PH_EXIT_OK;
out:
	session__free(s);
	for (size_t i = 0; i < d.n; i++) {
		struct dthread *t = &d.threads[i];

		for (uint32_t k = 0; t->locals && k < t->n; k++)
			free(t->locals[k]);
		free(t->locals);
		free(t->nlocals);
		free(t->frames);
		free(t->addrs);
		free(t->codes);
	}
	free(d.threads);
	free(d.names);
	profile__free(d.prof);
	return rc;
}
