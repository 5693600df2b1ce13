/* exitcodes.h: pyhawk's exit codes. Listed in README.md; tests use the names. */
#ifndef EXITCODES_H
#define EXITCODES_H

enum ph_exit_code {
	PH_EXIT_OK = 0,          /* profile written (or help/version shown) */
	PH_EXIT_ERROR = 1,       /* internal error (out of memory, ...) */
	PH_EXIT_USAGE = 2,       /* bad command line: unknown flag, bad value */
	PH_EXIT_NO_PROCESS = 3,  /* the PID does not exist */
	PH_EXIT_NOT_PYTHON = 4,  /* the target is not a Python process (or a kernel thread) */
	PH_EXIT_UNSUPPORTED = 5, /* no layout for its version or build, or its debug offsets */
	PH_EXIT_PERMISSION = 6,  /* not allowed: needs root or CAP_BPF + CAP_PERFMON */
	PH_EXIT_OUTPUT = 7,      /* the output file cannot be written */
	PH_EXIT_BPF = 8,         /* the BPF programs could not be loaded or attached */
	PH_EXIT_COMMAND = 9,     /* the command to profile could not be started */
	PH_EXIT_NO_SAMPLES = 10, /* the target ran Python but no sample could be taken */
	PH_EXIT_INPUT = 11,      /* diff: a profile cannot be read, is malformed or is empty */
};

#endif /* EXITCODES_H */
