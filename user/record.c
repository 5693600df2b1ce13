/* record.c: the record command: find or launch the target, sample it until
 * it exits, the duration ends or a signal arrives, then write the profile
 * and a summary of what was taken and what was lost. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "exitcodes.h"
#include "hashmap.h"
#include "offsets.h"
#include "output.h"
#include "profile.h"
#include "pyproc.h"
#include "pythreads.h"
#include "record.h"
#include "sampler.h"
#include "summary.h"
#include "symbols.h"

#define MAX_TARGETS 64

struct target {
	pid_t pid;
	uint32_t cookie;
	bool ready;    /* walkable: offsets sent to the kernel */
	bool exited;
	bool launched; /* our child, started with -- */
	uint32_t version_hex;
	char cmdline[512];
	/* Thread names (name_thread()): */
	uint64_t runtime;  /* _PyRuntime, to read threading's names */
	double names_at;   /* last look at threading (rate limit) */
	int names_retries; /* looks left for threads with only a kernel name */
	int unnamed;       /* threads with samples and only a kernel name */
};

struct frame_key {
	uint64_t code;
	uint32_t pid;
	uint32_t cookie;
	uint32_t check;
	int32_t lasti;
};

struct thread_key {
	uint32_t pid;
	uint32_t tid;
};

struct recorder {
	const struct config *cfg;
	struct sampler *smp;
	struct symbols *syms;
	struct profile *prof;
	struct hashmap *frame_ids; /* frame_key -> profile frame id */
	struct hashmap *threads;   /* thread_key -> 1 */
	uint32_t stack[PH_MAX_FRAMES + 1];
	int64_t truncated_id;
	struct target targets[MAX_TARGETS];
	int ntargets;
	uint32_t next_cookie;
	uint64_t samples;
	uint64_t unknown_frames;
	int err; /* first error from an event handler */
};

static volatile sig_atomic_t stop_signal, stop_from_kill;

static void on_signal(int sig, siginfo_t *info, void *uctx)
{
	stop_signal = sig;
	/* A terminal's Ctrl-C reaches the whole foreground group (SI_KERNEL);
	 * kill(1) reaches pyhawk alone (SI_USER), and is passed on. */
	stop_from_kill = info && info->si_code == SI_USER;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct target *find_target(struct recorder *r, pid_t pid)
{
	int i;

	for (i = 0; i < r->ntargets; i++)
		if (r->targets[i].pid == pid && !r->targets[i].exited)
			return &r->targets[i];
	return NULL;
}

static int frame_id(struct recorder *r, const struct ph_sample *s, const struct ph_frame *f)
{
	struct frame_key key = {
		.code = f->code,
		.pid = s->pid,
		.cookie = s->cookie,
		.check = f->check,
		.lasti = f->lasti,
	};
	struct sym_frame sf;
	uint64_t v;
	int64_t id;

	if (!hashmap__get(r->frame_ids, &key, &v))
		return (int)v;
	if (symbols__resolve(r->syms, s->pid, s->cookie, f, &sf)) {
		/* Shown as <unknown>, and not cached: a later description of
		 * the code object may still arrive. */
		r->unknown_frames++;
		return (int)profile__frame_id(r->prof, sf.name, sf.file, 0, PF_PYTHON);
	}
	id = profile__frame_id(r->prof, sf.name, sf.file, sf.line, PF_PYTHON);
	if (id < 0)
		return (int)id;
	if (hashmap__set(r->frame_ids, &key, (uint64_t)id))
		return -ENOMEM;
	return (int)id;
}

/* Thread names: threading's name of the thread, read from the target, or
 * else the kernel's. The kernel's is set when a thread's first sample
 * arrives; threading is read then, at most every NAMES_EVERY_S per process
 * (a burst of new threads costs one read), again on later samples while
 * some thread has only the kernel's name (NAMES_RETRIES times: a thread
 * threading never started has none), and once more at the end. */
#define NAMES_EVERY_S 0.2
#define NAMES_RETRIES 5
#define THREAD_SEEN 1u    /* r->threads values */
#define THREAD_PYNAMED 2u

struct names_ctx {
	struct recorder *r;
	struct target *t;
};

static void on_thread_name(void *ctx, uint32_t tid, const char *name)
{
	struct names_ctx *nc = ctx;
	struct thread_key tk = { .pid = (uint32_t)nc->t->pid, .tid = tid };
	uint64_t v;

	/* Threads without samples have no root frame to name. */
	if (hashmap__get(nc->r->threads, &tk, &v) ||
	    profile__set_thread_name(nc->r->prof, tk.pid, tid, name))
		return;
	if (!(v & THREAD_PYNAMED) && !hashmap__set(nc->r->threads, &tk, v | THREAD_PYNAMED))
		nc->t->unnamed--;
}

static void read_thread_names(struct recorder *r, struct target *t)
{
	struct names_ctx nc = { .r = r, .t = t };
	struct py_obj_offsets obj;
	struct py_offsets off;

	t->names_at = now_s();
	if (t->names_retries > 0)
		t->names_retries--;
	/* Best effort: a thread not found keeps the kernel's name. */
	if (!offsets__for_version(t->version_hex, 0, &off) &&
	    !offsets__obj_for_version(t->version_hex, 0, &obj))
		pythreads__names(t->pid, t->version_hex, t->runtime, &off, &obj, on_thread_name,
				 &nc);
}

static void name_thread(struct recorder *r, const struct ph_sample *s)
{
	struct thread_key tk = { .pid = s->pid, .tid = s->tid };
	struct target *t = find_target(r, (pid_t)s->pid);
	char comm[PH_COMM_LEN + 1];
	uint64_t v;

	if (hashmap__get(r->threads, &tk, &v)) {
		if (hashmap__set(r->threads, &tk, THREAD_SEEN))
			return;
		/* A thread gone already keeps the name it was sampled under. */
		if (pythreads__comm(s->pid, s->tid, comm, sizeof(comm)) < 0) {
			memcpy(comm, s->comm, PH_COMM_LEN);
			comm[PH_COMM_LEN] = '\0';
		}
		profile__set_thread_name(r->prof, s->pid, s->tid, comm);
		if (t) {
			t->unnamed++;
			t->names_retries = NAMES_RETRIES;
		}
	}
	if (t && t->ready && t->unnamed > 0 && t->names_retries > 0 &&
	    now_s() - t->names_at >= NAMES_EVERY_S)
		read_thread_names(r, t);
}

/* At the end of the capture, for threads still without threading's name. */
static void name_threads_at_end(struct recorder *r)
{
	for (int i = 0; i < r->ntargets; i++)
		if (r->targets[i].ready && !r->targets[i].exited && r->targets[i].unnamed > 0)
			read_thread_names(r, &r->targets[i]);
}

static int on_sample(void *ctx, const struct ph_sample *s, size_t size)
{
	struct recorder *r = ctx;
	uint32_t n = s->nframes, i, depth = 0;
	int id;

	if (n > PH_MAX_FRAMES || PH_SAMPLE_HDR_SIZE + n * sizeof(struct ph_frame) > size)
		return 0;
	if (s->flags & PH_SF_TRUNCATED) {
		if (r->truncated_id < 0)
			r->truncated_id =
				profile__frame_id(r->prof, "[truncated]", NULL, 0, PF_TRUNCATED);
		if (r->truncated_id >= 0)
			r->stack[depth++] = (uint32_t)r->truncated_id;
	}
	/* The kernel sends the innermost frame first; profiles are root first. */
	for (i = 0; i < n; i++) {
		id = frame_id(r, s, &s->frames[n - 1 - i]);
		if (id < 0) {
			r->err = id;
			return id;
		}
		r->stack[depth++] = (uint32_t)id;
	}
	if (profile__add(r->prof, s->pid, s->tid, r->stack, depth, 1)) {
		r->err = -ENOMEM;
		return -ENOMEM;
	}
	name_thread(r, s);
	r->samples++;
	return 0;
}

static int on_code(void *ctx, const struct ph_code *c, size_t size)
{
	struct recorder *r = ctx;

	symbols__add_code(r->syms, c, size);
	return 0;
}

static int on_exit_event(void *ctx, const struct ph_exit *e)
{
	struct recorder *r = ctx;
	struct target *t = find_target(r, (pid_t)e->pid);

	if (t && t->cookie == e->cookie) {
		t->exited = true;
		sampler__forget_proc(r->smp, t->pid);
	}
	return 0;
}

/* Inspects a process and, when it is a supported Python, makes it walkable.
 * Returns 0, or -errno from pyproc__inspect / offsets__for_version. */
static int make_ready(struct recorder *r, struct target *t, char *msg, size_t msglen)
{
	struct py_offsets off;
	struct pyproc pp;
	char ver[32], what[64];
	int err;

	err = pyproc__inspect(t->pid, &pp);
	if (err)
		return err;
	err = offsets__for_version(pp.version_hex, pp.free_threaded, &off);
	if (err) {
		snprintf(msg, msglen, "Python %s%s", offsets__version_str(pp.version_hex, ver, sizeof(ver)),
			 pp.free_threaded ? " (free-threaded build)" : "");
		return err;
	}
	if (pp.debug_offsets_len) {
		what[0] = '\0';
		err = offsets__check_debug(&off, pp.debug_offsets, pp.debug_offsets_len, what,
					   sizeof(what));
		if (err) {
			snprintf(msg, msglen,
				 "Python %s: its _Py_DebugOffsets disagree with pyhawk's table (%s)",
				 offsets__version_str(pp.version_hex, ver, sizeof(ver)), what);
			return -ENOTSUP;
		}
	}
	t->version_hex = pp.version_hex;
	t->runtime = pp.runtime;
	pyproc__cmdline(t->pid, t->cmdline, sizeof(t->cmdline));
	err = symbols__set_proc(r->syms, t->pid, t->cookie, pp.version_hex, &off);
	if (!err)
		err = sampler__set_proc(r->smp, t->pid, t->cookie, pp.runtime, &off, true);
	if (err)
		return err;
	t->ready = true;
	if (r->cfg->verbose)
		fprintf(stderr, "pyhawk: process %d: Python %s, _PyRuntime at 0x%llx in %s\n",
			(int)t->pid, offsets__version_str(pp.version_hex, ver, sizeof(ver)),
			(unsigned long long)pp.runtime, pp.elf);
	return 0;
}

static struct target *add_target(struct recorder *r, pid_t pid, bool launched)
{
	struct target *t;

	if (r->ntargets >= MAX_TARGETS)
		return NULL;
	t = &r->targets[r->ntargets++];
	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->cookie = ++r->next_cookie;
	t->launched = launched;
	return t;
}

/* The process a thread id belongs to (a TID given as -p is taken as its
 * process, as py-spy does), or pid itself. */
static pid_t tgid_of(pid_t pid)
{
	char path[64], line[128];
	pid_t tgid = pid;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return pid;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	fclose(f);
	return tgid > 0 ? tgid : pid;
}

/* Maps an inspection error to a message and an exit code. */
static int target_error(int err, pid_t pid, const char *detail)
{
	switch (err) {
	case -ESRCH:
		fprintf(stderr, "Error: no process with PID %d (check the PID with ps)\n", (int)pid);
		return PH_EXIT_NO_PROCESS;
	case -ECHILD:
		fprintf(stderr, "Error: PID %d is a kernel thread, not a Python process\n", (int)pid);
		return PH_EXIT_NOT_PYTHON;
	case -ENOEXEC:
		fprintf(stderr,
			"Error: PID %d is not a Python process (no loaded ELF defines _PyRuntime)\n",
			(int)pid);
		return PH_EXIT_NOT_PYTHON;
	case -EPERM:
	case -EACCES:
		fprintf(stderr, "Error: not allowed to inspect PID %d: %s (run as root)\n", (int)pid,
			strerror(-err));
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

/* Can this process load BPF programs and open perf events? Root, or
 * CAP_SYS_ADMIN, or CAP_BPF + CAP_PERFMON. */
static bool has_bpf_caps(void)
{
	unsigned long long eff = 0;
	char line[256];
	FILE *f;

	if (geteuid() == 0)
		return true;
	f = fopen("/proc/self/status", "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	fclose(f);
	return (eff & (1ull << 21)) || ((eff & (1ull << 39)) && (eff & (1ull << 38)));
}

/* Opens (without truncating yet) the output so an unwritable path fails
 * before the capture, not after it. */
static int open_output(const char *path, int *fd_out)
{
	struct stat st;
	int fd;

	if (!strcmp(path, "-")) {
		*fd_out = STDOUT_FILENO;
		return 0;
	}
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return -EISDIR;
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	*fd_out = fd;
	return 0;
}

/* Files written as root through sudo belong to the user who ran sudo. */
static void give_to_sudo_user(int fd)
{
	const char *u = getenv("SUDO_UID"), *g = getenv("SUDO_GID");

	/* Best effort: the profile is written either way. */
	if (geteuid() == 0 && u && g && fchown(fd, (uid_t)atoi(u), (gid_t)atoi(g))) {
	}
}

/* pyhawk-PID-TIME.EXT for -p, pyhawk-COMMAND-TIME.EXT for a command (the
 * script's name when the command is an interpreter running one). */
static void default_output(char *buf, size_t len, const struct config *cfg, int format)
{
	const char *what = NULL, *slash;
	char ts[32], who[64];
	time_t t = time(NULL);
	struct tm tm;
	int i;

	localtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y%m%dT%H%M%S", &tm);
	if (cfg->pids[0]) {
		snprintf(who, sizeof(who), "%d", (int)cfg->pids[0]);
	} else {
		what = cfg->argv[0];
		for (i = 1; cfg->argv[i]; i++) {
			if (strstr(cfg->argv[i], ".py")) {
				what = cfg->argv[i];
				break;
			}
		}
		slash = strrchr(what, '/');
		snprintf(who, sizeof(who), "%s", slash ? slash + 1 : what);
		for (i = 0; who[i]; i++)
			if (who[i] == '.' || who[i] == ' ' || who[i] == '/')
				who[i] = who[i] == '.' && strcmp(who + i, ".py") == 0 ? '\0' : '_';
	}
	snprintf(buf, len, "pyhawk-%s-%s.%s", who, ts, output__default_extension(format));
}

/* Forks the command, held on a pipe until the kernel knows its PID, so no
 * sample of it is missed; a second, close-on-exec pipe reports exec errors. */
static int launch(char **argv, pid_t *pid_out, int *go_fd, int *status_fd)
{
	int go[2], status[2], child_err = 0;
	pid_t pid;
	char c;

	if (pipe2(go, O_CLOEXEC) || pipe2(status, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		close(go[1]);
		close(status[0]);
		while (read(go[0], &c, 1) < 0 && errno == EINTR)
			;
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execvp(argv[0], argv);
		child_err = errno;
		if (write(status[1], &child_err, sizeof(child_err)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(status[1]);
	*pid_out = pid;
	*go_fd = go[1];
	*status_fd = status[0];
	return 0;
}

static int exec_status(int fd)
{
	int child_err = 0;
	ssize_t n;

	do
		n = read(fd, &child_err, sizeof(child_err));
	while (n < 0 && errno == EINTR);
	close(fd);
	return n == sizeof(child_err) ? child_err : 0;
}

static void print_summary(struct recorder *r, const uint64_t *st, double elapsed,
			  const char *outname)
{
	struct summary sum = {
		.samples = r->samples,
		.unknown_frames = r->unknown_frames,
		.threads = hashmap__count(r->threads),
		.elapsed_s = elapsed,
		.rate = r->cfg->rate,
		.output = outname,
		.stats = r->cfg->stats,
		.counters = st,
	};
	int i;

	for (i = 0; i < r->ntargets; i++)
		sum.processes += r->targets[i].ready;
	if (sampler__prog_time(r->smp, &sum.prog_run_ns, &sum.prog_runs))
		sum.prog_runs = 0;
	summary__print(stderr, &sum);
}

static int write_output(struct recorder *r, int fd, int format, double elapsed)
{
	struct output_opts oo = { .threads = r->cfg->threads, .title = r->cfg->title };
	struct profile_meta meta = { .rate_hz = r->cfg->rate, .duration_s = elapsed };
	char command[1024] = "";
	FILE *f;
	int err, i;

	if (r->cfg->argv) {
		for (i = 0; r->cfg->argv[i]; i++) {
			size_t used = strlen(command);

			snprintf(command + used, sizeof(command) - used, "%s%s", i ? " " : "",
				 r->cfg->argv[i]);
		}
	} else if (r->ntargets) {
		snprintf(command, sizeof(command), "%s", r->targets[0].cmdline);
	}
	meta.command = command;
	profile__set_meta(r->prof, &meta);
	for (i = 0; i < r->ntargets; i++)
		if (r->targets[i].cmdline[0])
			profile__set_process(r->prof, r->targets[i].pid, r->targets[i].cmdline);

	if (fd != STDOUT_FILENO && ftruncate(fd, 0))
		return -errno;
	f = fdopen(fd == STDOUT_FILENO ? dup(fd) : fd, "w");
	if (!f)
		return -errno;
	err = output__write(r->prof, format, &oo, f);
	if (fflush(f) && !err)
		err = -errno;
	if (fd != STDOUT_FILENO)
		give_to_sudo_user(fileno(f));
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

int record__run(const struct config *cfg)
{
	struct symbols_opts so = {
		.lines = cfg->function ? SYM_LINE_FUNCTION
			 : cfg->nolineno ? SYM_LINE_NONE
					 : SYM_LINE_CURRENT,
		.full_filenames = cfg->full_filenames,
	};
	struct sampler_opts sopts = { .rate = cfg->rate, .bpf_stats = cfg->stats,
				      .verbose = cfg->verbose };
	struct sampler_handlers h = { .sample = on_sample, .code = on_code, .exit = on_exit_event };
	char outbuf[512], detail[160] = "";
	const char *outname = cfg->output, *stage = NULL;
	int fds[2] = { -1, -1 }, outfd = -1, format = cfg->format, rc = PH_EXIT_ERROR, err, wstatus;
	uint64_t st[PH_STAT_MAX] = {};
	struct recorder *r;
	struct target *t = NULL;
	double start, deadline, next_probe = 0, probe_every = 0.001;
	bool child_done = false;
	pid_t child = 0;

	r = calloc(1, sizeof(*r));
	if (!r) {
		fprintf(stderr, "Error: out of memory\n");
		return PH_EXIT_ERROR;
	}
	r->cfg = cfg;
	r->truncated_id = -1;
	h.ctx = r;

	/* Checks that need nothing running come first. */
	if (format < 0 && outname && strcmp(outname, "-"))
		format = output__format_for_path(outname);
	if (format < 0)
		format = OUT_FLAMEGRAPH;
	if (!outname) {
		default_output(outbuf, sizeof(outbuf), cfg, format);
		outname = outbuf;
	}
	if (!has_bpf_caps()) {
		fprintf(stderr, "Error: pyhawk needs root (or CAP_BPF and CAP_PERFMON) to load its "
				"BPF programs: run it with sudo\n");
		rc = PH_EXIT_PERMISSION;
		goto cleanup;
	}
	err = open_output(outname, &outfd);
	if (err) {
		fprintf(stderr, "Error: cannot write the profile to '%s': %s\n", outname,
			err == -EISDIR ? "not a regular file" : strerror(-err));
		rc = PH_EXIT_OUTPUT;
		goto cleanup;
	}
	if (cfg->pids[0]) {
		/* Inspect before loading BPF: a wrong PID fails fast. */
		struct pyproc pp;

		err = pyproc__inspect(cfg->pids[0], &pp);
		if (!err) {
			struct py_offsets off;
			char ver[32];

			err = offsets__for_version(pp.version_hex, pp.free_threaded, &off);
			if (err)
				snprintf(detail, sizeof(detail), "Python %s%s",
					 offsets__version_str(pp.version_hex, ver, sizeof(ver)),
					 pp.free_threaded ? " (free-threaded build)" : "");
		}
		if (err) {
			rc = target_error(err, cfg->pids[0], detail);
			goto cleanup;
		}
	}

	r->prof = profile__new();
	r->syms = symbols__new(&so);
	r->frame_ids = hashmap__new(sizeof(struct frame_key));
	r->threads = hashmap__new(sizeof(struct thread_key));
	if (!r->prof || !r->syms || !r->frame_ids || !r->threads) {
		fprintf(stderr, "Error: out of memory\n");
		goto cleanup;
	}

	r->smp = sampler__new(&sopts, &h, &err, &stage);
	if (!r->smp) {
		/* The capabilities were checked above: EACCES here is the
		 * verifier refusing a program, not a permission problem. */
		fprintf(stderr,
			"Error: cannot set up BPF sampling (%s): %s (pyhawk needs a kernel >= 5.17 "
			"with BTF and perf_event_paranoid allowing CPU sampling; run with -v for "
			"libbpf's messages)\n",
			stage, strerror(-err));
		rc = PH_EXIT_BPF;
		goto cleanup;
	}

	{
		struct sigaction sa = { .sa_sigaction = on_signal, .sa_flags = SA_SIGINFO };

		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		signal(SIGPIPE, SIG_IGN);
	}

	if (cfg->argv) {
		err = launch(cfg->argv, &child, &fds[0], &fds[1]);
		if (err) {
			fprintf(stderr, "Error: cannot start '%s': %s\n", cfg->argv[0], strerror(-err));
			rc = PH_EXIT_COMMAND;
			goto cleanup;
		}
		t = add_target(r, child, true);
		/* Count its samples from the first instruction, walkable or not. */
		sampler__set_proc(r->smp, child, t->cookie, 0, NULL, false);
		close(fds[0]); /* lets the child exec */
		fds[0] = -1;
		err = exec_status(fds[1]);
		fds[1] = -1;
		if (err) {
			fprintf(stderr, "Error: cannot run '%s': %s\n", cfg->argv[0], strerror(err));
			waitpid(child, NULL, 0);
			child = 0;
			rc = PH_EXIT_COMMAND;
			goto cleanup;
		}
	} else {
		t = add_target(r, tgid_of(cfg->pids[0]), false);
		err = make_ready(r, t, detail, sizeof(detail));
		if (err) {
			rc = target_error(err, cfg->pids[0], detail);
			goto cleanup;
		}
	}

	start = now_s();
	deadline = cfg->duration > 0 ? start + cfg->duration : 0;
	while (!stop_signal) {
		double now;

		/* Until the launched command's runtime is found, look often: a
		 * short-lived program must not finish first. */
		err = sampler__poll(r->smp, t->ready || child_done ? 50 : 1);
		if (err < 0 && err != -EINTR) {
			fprintf(stderr, "Error: reading samples: %s\n", strerror(-err));
			break;
		}
		if (r->err)
			break;
		now = now_s();
		if (child && !child_done && waitpid(child, &wstatus, WNOHANG) == child)
			child_done = true;
		if (!t->ready && !child_done && now >= next_probe) {
			err = make_ready(r, t, detail, sizeof(detail));
			/* Not Python (yet), or already gone: waitpid tells. */
			if (err && err != -ENOEXEC && err != -ESRCH) {
				rc = target_error(err, t->pid, detail);
				goto cleanup;
			}
			/* Back off from 1 ms to 100 ms for a command that is not
			 * (yet) Python, e.g. a shell that execs python later. */
			if (now - start > 0.2)
				probe_every = probe_every < 0.1 ? probe_every * 2 : 0.1;
			next_probe = now + probe_every;
		}
		if (child_done || t->exited || (!child && kill(t->pid, 0) && errno == ESRCH))
			break;
		if (deadline && now >= deadline)
			break;
	}
	/* The command was started for the capture: a signal that stops pyhawk
	 * stops it too, unless the terminal already sent it to both. */
	if (stop_signal && child && !child_done && (stop_signal == SIGTERM || stop_from_kill))
		kill(child, stop_signal);
	sampler__drain(r->smp);
	name_threads_at_end(r);
	if (r->err) {
		fprintf(stderr, "Error: aggregating samples: %s\n", strerror(-r->err));
		goto cleanup;
	}
	if (cfg->argv && !t->ready && !r->samples) {
		fprintf(stderr,
			"Error: '%s' never ran a Python interpreter pyhawk could find (is it a "
			"Python program? a launcher that starts Python in a child needs "
			"--subprocesses)\n",
			cfg->argv[0]);
		rc = PH_EXIT_NOT_PYTHON;
		goto cleanup;
	}
	sampler__stats(r->smp, st);
	err = write_output(r, outfd, format, now_s() - start);
	outfd = -1; /* closed by write_output */
	if (err) {
		fprintf(stderr, "Error: writing the profile to '%s': %s\n", outname, strerror(-err));
		rc = PH_EXIT_OUTPUT;
		goto cleanup;
	}
	print_summary(r, st, now_s() - start, strcmp(outname, "-") ? outname : "stdout");
	rc = PH_EXIT_OK;

cleanup:
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	if (outfd >= 0 && outfd != STDOUT_FILENO)
		close(outfd);
	sampler__free(r->smp);
	symbols__free(r->syms);
	profile__free(r->prof);
	hashmap__free(r->frame_ids);
	hashmap__free(r->threads);
	free(r);
	return rc;
}
