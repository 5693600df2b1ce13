/* errors.c: one place that turns a failure into its message and exit code. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include "errors.h"
#include "exitcodes.h"

/* A -p target that could not be profiled. */
static int target_error(int err, pid_t pid, const char *detail)
{
	switch (err) {
	case -ESRCH:
		fprintf(stderr, "Error: no process with PID %d (check the PID with ps)\n",
			(int)pid);
		return PH_EXIT_NO_PROCESS;
	case -ECHILD:
		fprintf(stderr, "Error: PID %d is a kernel thread, not a Python process\n",
			(int)pid);
		return PH_EXIT_NOT_PYTHON;
	case -ENOEXEC:
		fprintf(
		    stderr,
		    "Error: PID %d is not a Python process (no loaded ELF defines _PyRuntime)\n",
		    (int)pid);
		return PH_EXIT_NOT_PYTHON;
	case -EPERM:
	case -EACCES:
		fprintf(stderr, "Error: not allowed to inspect PID %d: %s (run as root)\n",
			(int)pid, strerror(-err));
		return PH_EXIT_PERMISSION;
	case -ENOTSUP: /* == -EOPNOTSUPP on Linux: unknown version or free-threaded */
		if (detail && *detail)
			fprintf(stderr,
				"Error: PID %d runs %s, which pyhawk does not support (supported: "
				"CPython 3.8 to 3.15, default GIL builds)\n",
				(int)pid, detail);
		else
			fprintf(stderr, "Error: cannot tell which Python version PID %d runs\n",
				(int)pid);
		return PH_EXIT_UNSUPPORTED;
	default:
		fprintf(stderr, "Error: cannot inspect PID %d: %s\n", (int)pid, strerror(-err));
		return PH_EXIT_ERROR;
	}
}

int errors__report(const struct session_error *e)
{
	struct utsname u;

	switch (e->failure) {
	case SF_PERMISSION:
		fprintf(stderr, "Error: pyhawk needs root (or CAP_BPF and CAP_PERFMON) to load its "
				"BPF programs: run it with sudo\n");
		return PH_EXIT_PERMISSION;
	case SF_KERNEL:
		if (uname(&u))
			strcpy(u.release, "?");
		fprintf(stderr,
			"Error: this kernel (%s) lacks %s: pyhawk needs Linux 5.17 or newer with "
			"BTF (tested on 6.1 and newer)\n",
			u.release, e->detail);
		return PH_EXIT_BPF;
	case SF_TARGET:
		return target_error(e->err, e->pid, e->detail);
	case SF_NO_TARGET:
		fprintf(stderr,
			"Error: none of the PIDs given is a Python process pyhawk can profile\n");
		return PH_EXIT_NOT_PYTHON;
	case SF_BPF:
		/* The capabilities were checked first: EACCES here is the
		 * verifier refusing a program, not a permission problem. */
		fprintf(stderr,
			"Error: cannot set up BPF sampling (%s): %s (pyhawk needs a kernel >= 5.17 "
			"with BTF and perf_event_paranoid allowing CPU sampling; run with -v for "
			"libbpf's messages)\n",
			e->detail, strerror(-e->err));
		return PH_EXIT_BPF;
	case SF_LAUNCH:
		fprintf(stderr, "Error: cannot %s '%s': %s\n", e->pid ? "run" : "start", e->detail,
			strerror(-e->err));
		return PH_EXIT_COMMAND;
	case SF_NOT_PYTHON:
		fprintf(stderr,
			"Error: '%s' never ran a Python interpreter pyhawk could find (is it a "
			"Python program? a launcher that starts Python in a child needs "
			"--subprocesses)\n",
			e->detail);
		return PH_EXIT_NOT_PYTHON;
	case SF_INTERNAL:
	default:
		fprintf(stderr, "Error: %s: %s\n", e->detail[0] ? e->detail : "internal error",
			strerror(-e->err));
		return PH_EXIT_ERROR;
	}
}
