/* errors.c: one place that turns a failure into its message and exit code. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "errors.h"
#include "exitcodes.h"
#include "procfs.h"

/* Capability names by number (linux/capability.h), for a refusal's cause. */
static const char *const cap_names[] = {
    "chown",
    "dac_override",
    "dac_read_search",
    "fowner",
    "fsetid",
    "kill",
    "setgid",
    "setuid",
    "setpcap",
    "linux_immutable",
    "net_bind_service",
    "net_broadcast",
    "net_admin",
    "net_raw",
    "ipc_lock",
    "ipc_owner",
    "sys_module",
    "sys_rawio",
    "sys_chroot",
    "sys_ptrace",
    "sys_pacct",
    "sys_admin",
    "sys_boot",
    "sys_nice",
    "sys_resource",
    "sys_time",
    "sys_tty_config",
    "mknod",
    "lease",
    "audit_write",
    "audit_control",
    "setfcap",
    "mac_override",
    "mac_admin",
    "syslog",
    "wake_alarm",
    "block_suspend",
    "audit_read",
    "perfmon",
    "bpf",
    "checkpoint_restore",
};

/* Not allowed to read a process's memory maps. Not root: say so. As root,
 * say what can refuse it: the kernel's ptrace access rules (capabilities the
 * process holds and pyhawk lacks are named: a bounding set can leave root
 * short of some), a security module, or a user namespace. */
static void permission_error(int err, pid_t pid)
{
	uint64_t theirs, ours, missing = 0;
	char names[256] = "";
	size_t len = 0;

	fprintf(stderr, "Error: not allowed to inspect PID %d: %s", (int)pid, strerror(-err));
	if (geteuid() != 0) {
		fprintf(stderr, " (run as root)\n");
		return;
	}
	if (!procfs__caps(pid, "CapPrm", &theirs) && !procfs__caps(0, "CapEff", &ours))
		missing = theirs & ~ours;
	for (unsigned int c = 0; c < 64 && len < sizeof(names) - 40; c++) {
		if (!(missing & (1ull << c)))
			continue;
		if (c < sizeof(cap_names) / sizeof(cap_names[0]))
			len += snprintf(names + len, sizeof(names) - len, "%sCAP_%s",
					len ? ", " : "", cap_names[c]);
		else
			len += snprintf(names + len, sizeof(names) - len, "%scapability %u",
					len ? ", " : "", c);
	}
	for (char *p = names; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p -= 'a' - 'A';
	fprintf(stderr, ", though pyhawk runs as root: the kernel refused to let it read the "
			"process's memory maps (");
	if (missing)
		fprintf(stderr, "the process holds capabilities pyhawk lacks: %s; ", names);
	fprintf(stderr, "a security module such as Landlock, Yama, SELinux or AppArmor, or a user "
			"namespace pyhawk is not privileged in, can forbid it too)\n");
}

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
		permission_error(err, pid);
		return PH_EXIT_PERMISSION;
	case -ENOTSUP: /* == -EOPNOTSUPP on Linux: unknown version or free-threaded */
		if (detail && strchr(detail, ':')) /* a supported version, with why not */
			fprintf(stderr, "Error: PID %d runs %s\n", (int)pid, detail);
		else if (detail && *detail)
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
	case SF_FDS: {
		unsigned long need = 0, limit = 0;

		sscanf(e->detail, "%lu %lu", &need, &limit);
		fprintf(
		    stderr,
		    "Error: too few file descriptors: pyhawk needs at least %lu and may open %lu "
		    "(raise the limit: ulimit -n %lu)\n",
		    need, limit, need);
		return PH_EXIT_ERROR;
	}
	case SF_INTERNAL:
	default:
		fprintf(stderr, "Error: %s: %s\n", e->detail[0] ? e->detail : "internal error",
			strerror(-e->err));
		return PH_EXIT_ERROR;
	}
}
