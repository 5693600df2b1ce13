/* probes.h: the interpreter's USDT probes for the session: attached to
 * each target whose interpreter has them, detached when it ends; what they
 * tell: collections per process, the imports each thread is in (for
 * <import MODULE> frames) and how long each took, and with --calls every
 * function's calls. */
#ifndef PROBES_H
#define PROBES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "pyhawk.h"
#include "sampler.h"

#define PROBES_IMPORT_DEPTH 8 /* nested imports a sample shows */

struct probes;

/* calls: function__entry too (--calls). per_elf (--all): probes per
 * interpreter ELF, firing in every process that runs it, instead of per
 * process. verbose: say when probes are attached. Starts the probes'
 * thread; probes__free() joins it. */
struct probes *probes__new(struct sampler *smp, bool calls, bool per_elf, bool verbose);
void probes__free(struct probes *p);
/* Makes process pid, whose interpreter is the ELF at elf (as the process
 * maps it) of Python version_hex, get the probes, if the ELF has them (an
 * exec: instead of the old interpreter's). 0, or -ENOMEM. Returns at once:
 * the probes' thread attaches them (tens of ms on a big static ELF). Its
 * collections are counted from the interpreter's statistics too (runtime
 * and off as classified: 3.8-3.14), for builds without gc probes. */
int probes__attach(struct probes *p, pid_t pid, const char *elf, uint32_t version_hex,
		   uint64_t runtime, const struct py_offsets *off);
/* Reads the interpreters' statistics, at most once a second (now: seconds,
 * any clock). */
void probes__poll(struct probes *p, double now);
/* The process ended or ran exec: its probes are detached (by the probes'
 * thread, without waiting), its figures kept. */
void probes__detach(struct probes *p, pid_t pid);
/* Counts a sample of pid for the share of samples in collections. */
void probes__sample(struct probes *p, uint32_t pid, bool gc, uint32_t weight);

int probes__on_import(struct probes *p, const struct ph_import_event *e);
int probes__on_call_site(struct probes *p, const struct ph_call_site *c);
/* The imports thread tid is in now, outermost first: their count. */
int probes__imports(const struct probes *p, uint32_t tid, const char **names, int max);

/* Calls fn with every function --calls counted, and its exact count so
 * far: the process, co_filename and co_name (cut to PH_CALL_FILE_MAX and
 * PH_CALL_NAME_MAX with their NUL), the first line. Stops when fn returns
 * non-zero, and returns that. */
int probes__foreach_call(struct probes *p,
			 int (*fn)(void *ctx, pid_t pid, const char *file, int line,
				   const char *func, uint64_t count),
			 void *ctx);

/* The summary's lines: which processes had probes, collections, the
 * slowest imports, the most called functions (--calls). cmdline(pid)
 * names a process. */
void probes__print(struct probes *p, FILE *f, const char *(*cmdline)(void *ctx, pid_t pid),
		   void *ctx);

#endif /* PROBES_H */
