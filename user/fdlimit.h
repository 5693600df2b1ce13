/* fdlimit.h: pyhawk's own limit on open files, raised to what the BPF
 * programs, their maps and links and one perf event per CPU take; the
 * launched command gets the limit pyhawk was given. */
#ifndef FDLIMIT_H
#define FDLIMIT_H

/* File descriptors pyhawk needs at most at start-up with ncpus CPUs (a
 * capture with the interpreter's probes on many ELFs takes more later). */
unsigned long fdlimit__need(int ncpus);

/* Raises the soft RLIMIT_NOFILE to the hard one, keeping the old for
 * fdlimit__restore. Returns 0, or -EMFILE when even the hard limit is
 * below need; *limit is then the limit as it stands. */
int fdlimit__raise(unsigned long need, unsigned long *limit);

/* Puts back the limit pyhawk started with (in the launched command, before
 * its exec). */
void fdlimit__restore(void);

#endif /* FDLIMIT_H */
