/* test_pyproc.c: pyproc against live interpreters of every version present, its error cases and cmdline. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "childio.h"
#include "procfs.h"
#include "pyproc.h"

#define MAX_CHILDREN 32

/* The child reports what the test compares against: its pid (a wrapper
 * script may exec or fork), sys.hexversion, whether it is a free-threaded
 * build (-1: unknown), and _PyRuntime's address as the dynamic linker resolves it (0 when
 * ctypes is missing, as in Debian's -minimal packages). Libraries named
 * as arguments are loaded first. */
static const char child_src[] =
	"import os, sys, time\n"
	"addr = 0\n"
	"try:\n"
	"    import ctypes\n"
	"    for path in sys.argv[1:]:\n"
	"        ctypes.CDLL(path)\n"
	"    for lib in (ctypes.pythonapi, ctypes.CDLL(None)):\n"
	"        try:\n"
	"            addr = ctypes.addressof(ctypes.c_char.in_dll(lib, '_PyRuntime'))\n"
	"            break\n"
	"        except Exception:\n"
	"            pass\n"
	"except ImportError:\n"
	"    pass\n"
	"try:\n"
	"    import sysconfig\n"
	"    ft = int(bool(sysconfig.get_config_var('Py_GIL_DISABLED')))\n"
	"except Exception:\n"
	"    ft = -1\n"
	"print(os.getpid(), hex(sys.hexversion), ft, hex(addr), flush=True)\n"
	"time.sleep(30)\n";

static pid_t children[MAX_CHILDREN];
static int nchildren;

/* Starts a child (see child_spawn) and remembers it for the final clean-up. */
static pid_t spawn(const char *file, char *const argv[], int *out)
{
	pid_t pid = child_spawn(file, argv, out);

	if (pid > 0 && nchildren < MAX_CHILDREN)
		children[nchildren++] = pid;
	return pid;
}

static void kill_children(void)
{
	for (int i = 0; i < nchildren; i++) {
		kill(-children[i], SIGKILL);
		kill(children[i], SIGKILL);
		waitpid(children[i], NULL, 0);
	}
	nchildren = 0;
}

static double ms_since(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (b.tv_sec - a->tv_sec) * 1e3 + (b.tv_nsec - a->tv_nsec) / 1e6;
}

static int read_mem(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = pread(fd, buf, len, addr);
	close(fd);
	return n == (ssize_t)len ? 0 : -EIO;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static bool is_elf(const char *path)
{
	char magic[4] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	if (read(fd, magic, sizeof(magic)) != sizeof(magic))
		magic[0] = '\0';
	close(fd);
	return !memcmp(magic, "\177ELF", 4);
}

enum where { IN_LIBPYTHON, IN_EXE };

struct interp {
	char label[64];
	char path[PATH_MAX];
	const char *launcher; /* run through this dynamic loader, or NULL */
	enum where where;
	bool unlink;          /* delete path once it runs: "(deleted)" in maps */
	const char *preload;  /* a library the child dlopens, or NULL */
};

static struct pyproc got; /* 6 KB: keep it off the stack */

/* Runs one interpreter and checks everything pyproc reports about it. */
static void check_interp(const struct interp *in)
{
	char line[256], real[PATH_MAX + 16], addr_s[32], hex_s[32], *argv[8];
	unsigned long long addr = 0;
	unsigned long hexversion;
	struct timespec t0;
	int fd, ft = 0, ret, argc = 0, pid;
	unsigned char mem[8];
	pid_t child;
	double ms;

	if (in->launcher)
		argv[argc++] = (char *)in->launcher;
	argv[argc++] = (char *)in->path;
	argv[argc++] = "-c";
	argv[argc++] = (char *)child_src;
	if (in->preload)
		argv[argc++] = (char *)in->preload;
	argv[argc] = NULL;
	child = spawn(argv[0], argv, &fd);
	CHECK(child > 0);
	if (child <= 0)
		return;
	ret = child_read_line(fd, line, sizeof(line));
	close(fd);
	CHECK(ret > 0);
	if (ret <= 0 || sscanf(line, "%d %31s %d %31s", &pid, hex_s, &ft, addr_s) != 4) {
		fprintf(stderr, "%s: child said \"%s\" (%d)\n", in->label, ret > 0 ? line : "", ret);
		CHECK(!"child line");
		return;
	}
	if (in->unlink)
		CHECK_INT(unlink(in->path), 0);
	hexversion = strtoul(hex_s, NULL, 16);
	addr = strtoull(addr_s, NULL, 16);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = pyproc__inspect(pid, &got);
	ms = ms_since(&t0);
	printf("  %-24s %#lx  inspect %.2f ms  runtime %#" PRIx64 " (%s) in %s\n",
	       in->label, hexversion, ms, got.runtime,
	       addr ? "= ctypes" : "no ctypes", got.elf);
	CHECK_INT(ret, 0);
	if (ret)
		return;
	CHECK_INT(got.pid, pid);
	/* major.minor.micro exactly; level and serial too where the binary
	 * carries a number (3.11+). */
	CHECK_INT(got.version_hex >> 8, hexversion >> 8);
	if ((hexversion >> 16 & 0xff) >= 11)
		CHECK_INT(got.version_hex, hexversion);
	if (ft >= 0)
		CHECK_INT(got.free_threaded, ft);

	if (in->unlink) {
		snprintf(real, sizeof(real), "%s (deleted)", in->path);
		CHECK_STR(got.elf, real);
	} else if (in->where == IN_LIBPYTHON) {
		CHECK(!strncmp(base_name(got.elf), "libpython3.", 11));
	} else if (is_elf(in->path) && realpath(in->path, real)) {
		CHECK_STR(got.elf, real);
	} else {
		/* A wrapper script: the ELF is the real binary it starts. */
		CHECK(!strncmp(base_name(got.elf), "python3.", 8));
	}

	if (addr)
		CHECK_INT(got.runtime, addr);
	CHECK_INT(read_mem(pid, got.runtime, mem, sizeof(mem)), 0);
	if ((hexversion >> 16 & 0xff) >= 13) {
		uint64_t v;

		CHECK(!memcmp(mem, "xdebugpy", 8));
		CHECK(got.debug_offsets_len >= 24);
		CHECK(!memcmp(got.debug_offsets, "xdebugpy", 8));
		memcpy(&v, got.debug_offsets + 8, sizeof(v));
		CHECK_INT(v, hexversion);
	} else {
		int32_t f[2];

		/* The runtime's first ints after start-up: 3.8-3.10
		 * {preinitializing 0, preinitialized 1}; 3.11/3.12
		 * {_initialized 1, preinitializing 0}. */
		memcpy(f, mem, sizeof(f));
		if ((hexversion >> 16 & 0xff) >= 11) {
			CHECK_INT(f[0], 1);
			CHECK_INT(f[1], 0);
		} else {
			CHECK_INT(f[0], 0);
			CHECK_INT(f[1], 1);
		}
		CHECK_INT(got.debug_offsets_len, 0);
	}
	/* The process is gone: nothing stale may come back. */
	kill(child, SIGKILL);
	kill(pid, SIGKILL);
	waitpid(child, NULL, 0);
	for (int i = 0; i < 200 && !kill(pid, 0); i++)
		usleep(5000);
	CHECK_INT(pyproc__inspect(pid, &got), -ESRCH);
}

static int copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY | O_CLOEXEC), out = -1, err = -EIO;
	char buf[65536];
	ssize_t n;

	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	if (out < 0)
		goto cleanup;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			goto cleanup;
	err = n ? -EIO : 0;
cleanup:
	close(in);
	if (out >= 0)
		close(out);
	return err;
}

/* A binary replaced or removed since start-up (a package upgrade) is only
 * reachable through /proc/PID/map_files. */
static void check_deleted(const struct interp *orig)
{
	char dir[] = "/tmp/test_pyproc.XXXXXX";
	struct interp in = *orig;

	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	snprintf(in.label, sizeof(in.label), "%.40s, deleted", orig->label);
	snprintf(in.path, sizeof(in.path), "%s/%.64s", dir, base_name(orig->path));
	in.launcher = NULL;
	in.unlink = true;
	CHECK_INT(copy_file(orig->path, in.path), 0);
	/* The copy cannot find its stdlib from its own location. */
	setenv("PYTHONHOME", "/usr", 1);
	check_interp(&in);
	unsetenv("PYTHONHOME");
	unlink(in.path);
	rmdir(dir);
}

static bool executable(const char *path)
{
	return !access(path, X_OK);
}

static void pyenv_root(char *buf, size_t len)
{
	const char *env = getenv("PYENV_ROOT"), *home = getenv("HOME");
	FILE *p = popen("pyenv root 2>/dev/null", "r");

	buf[0] = '\0';
	if (p) {
		if (fgets(buf, len, p))
			buf[strcspn(buf, "\n")] = '\0';
		pclose(p);
	}
	if (!buf[0] && env)
		snprintf(buf, len, "%s", env);
	if (!buf[0] && home)
		snprintf(buf, len, "%s/.pyenv", home);
}

static void test_interpreters(void)
{
	static const char *const pyenv_versions[] = {
		"3.8.18", "3.9.18", "3.10.13", "3.11.7", "3.12.1", "3.13.0",
	};
	static const char *const sid_minors[] = { "3.13", "3.14", "3.15" };
	const char *pythons = getenv("PYHAWK_PYTHONS");
	char root[PATH_MAX - 64];
	struct interp in;
	int tested = 0;

	printf("interpreters:\n");
	pyenv_root(root, sizeof(root));
	for (size_t i = 0; i < sizeof(pyenv_versions) / sizeof(*pyenv_versions); i++) {
		memset(&in, 0, sizeof(in));
		snprintf(in.label, sizeof(in.label), "pyenv %s", pyenv_versions[i]);
		snprintf(in.path, sizeof(in.path), "%s/versions/%s/bin/python3", root,
			 pyenv_versions[i]);
		in.where = IN_LIBPYTHON;
		if (!executable(in.path)) {
			printf("  note: %s absent (%s), skipped\n", in.label, in.path);
			continue;
		}
		check_interp(&in);
		tested++;
	}

	memset(&in, 0, sizeof(in));
	snprintf(in.label, sizeof(in.label), "debian 3.11");
	snprintf(in.path, sizeof(in.path), "/usr/bin/python3.11");
	in.where = IN_EXE;
	if (executable(in.path)) {
		check_interp(&in);
		check_deleted(&in);
		/* A libpython loaded into a static python also defines
		 * _PyRuntime; the executable's copy interposes and is live. */
		in.preload = "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0";
		snprintf(in.label, sizeof(in.label), "debian 3.11 + libpython");
		if (!access(in.preload, R_OK))
			check_interp(&in);
		in.preload = NULL;
		/* /proc/PID/exe is then the loader, not Python. */
		in.launcher = "/lib64/ld-linux-x86-64.so.2";
		snprintf(in.label, sizeof(in.label), "debian 3.11 via ld.so");
		if (executable(in.launcher))
			check_interp(&in);
		tested++;
	} else {
		printf("  note: %s absent, skipped\n", in.path);
	}

	/* Debian sid builds made runnable by tools/fetch-pythons.sh. */
	if (!pythons)
		pythons = ".cache/pythons";
	for (size_t i = 0; i < sizeof(sid_minors) / sizeof(*sid_minors); i++) {
		memset(&in, 0, sizeof(in));
		snprintf(in.label, sizeof(in.label), "sid %s", sid_minors[i]);
		snprintf(in.path, sizeof(in.path), "%s/bin/python%s", pythons, sid_minors[i]);
		in.where = IN_EXE;
		if (!executable(in.path)) {
			printf("  note: %s absent (%s; run tools/fetch-pythons.sh), skipped\n",
			       in.label, in.path);
			continue;
		}
		check_interp(&in);
		tested++;
	}
	/* A run that found no interpreter at all proved nothing. */
	CHECK(tested > 0);
}

static pid_t unused_pid(void)
{
	char path[64];
	long max = 32768;
	FILE *f = fopen("/proc/sys/kernel/pid_max", "r");

	if (f) {
		if (fscanf(f, "%ld", &max) != 1)
			max = 32768;
		fclose(f);
	}
	for (pid_t p = max - 1; p > 300; p--) {
		snprintf(path, sizeof(path), "/proc/%d", (int)p);
		if (kill(p, 0) && errno == ESRCH && access(path, F_OK))
			return p;
	}
	return -1;
}

static bool is_kthreadd(pid_t pid)
{
	char path[64], comm[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	return !strcmp(comm, "kthreadd\n");
}

/* A 3.11/3.12 extension module references _PyRuntime undefined (value 0):
 * mapping one without any interpreter must not look like Python. */
static bool find_extension(char *out, size_t len)
{
	static const char *const versions[] = { "3.12.1", "3.11.7" };
	char root[PATH_MAX - 128], dir[PATH_MAX];
	bool found = false;

	pyenv_root(root, sizeof(root));
	for (size_t i = 0; i < 2 && !found; i++) {
		struct dirent *e;
		DIR *d;

		snprintf(dir, sizeof(dir), "%s/versions/%s/lib/python%.4s/lib-dynload",
			 root, versions[i], versions[i]);
		d = opendir(dir);
		if (!d)
			continue;
		while ((e = readdir(d)))
			if (!strncmp(e->d_name, "_json.cpython-", 14)) {
				found = snprintf(out, len, "%s/%s", dir,
						 e->d_name) < (int)len;
				break;
			}
		closedir(d);
	}
	return found;
}

/* A child that maps path's first page at offset 0, as the loader would,
 * without running any of it. */
static pid_t map_in_child(const char *path)
{
	int sync[2];
	pid_t pid;
	char c = 1;

	if (pipe2(sync, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid == 0) {
		int fd = open(path, O_RDONLY);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (fd < 0 || mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED)
			_exit(1);
		if (write(sync[1], &c, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(sync[1]);
	if (pid > 0 && read(sync[0], &c, 1) != 1) {
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(sync[0]);
	if (pid > 0 && nchildren < MAX_CHILDREN)
		children[nchildren++] = pid;
	return pid;
}

static void test_undefined_reference(void)
{
	char path[PATH_MAX];
	pid_t pid;

	if (!find_extension(path, sizeof(path))) {
		printf("  note: no pyenv 3.11/3.12 _json extension, undefined-reference test skipped\n");
		return;
	}
	pid = map_in_child(path);
	CHECK(pid > 0);
	CHECK_INT(pyproc__inspect(pid, &got), -ENOEXEC);
	CHECK_INT(got.runtime, 0);
}

/* File offset of the bytes of the defined dynamic symbol name, or -1. */
static long sym_file_offset(const char *path, const char *name)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf_Scn *scn = NULL;
	long off = -1;
	Elf *e;

	if (fd < 0)
		return -1;
	elf_version(EV_CURRENT);
	e = elf_begin(fd, ELF_C_READ, NULL);
	while (e && off < 0 && (scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh, target;
		Elf_Data *d;
		GElf_Sym sym;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNSYM)
			continue;
		d = elf_getdata(scn, NULL);
		for (size_t i = 0; d && i < sh.sh_size / sizeof(Elf64_Sym); i++) {
			const char *n;

			if (!gelf_getsym(d, i, &sym) || sym.st_shndx == SHN_UNDEF)
				continue;
			n = elf_strptr(e, sh.sh_link, sym.st_name);
			if (!n || strcmp(n, name) ||
			    !gelf_getshdr(elf_getscn(e, sym.st_shndx), &target))
				continue;
			off = target.sh_offset + (sym.st_value - target.sh_addr);
			break;
		}
	}
	if (e)
		elf_end(e);
	close(fd);
	return off;
}

struct patch {
	const char *sym;
	const char *find; /* bytes to replace within the symbol's first 128,
			   * or NULL to replace at the symbol itself */
	size_t find_len;
	const char *repl;
	size_t len;
};

/* Maps, in a child, a copy of lib (same file name, so the same name hints)
 * with bytes patched as pt says. The copy is deleted at once: pyproc then
 * reaches it only through /proc/PID/map_files. */
static pid_t map_patched(const char *lib, const struct patch *pt)
{
	char dir[] = "/tmp/test_pyproc.XXXXXX", path[PATH_MAX], code[128];
	pid_t pid = -1;
	long off;
	int fd;

	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/%.64s", dir, base_name(lib));
	if (copy_file(lib, path))
		goto cleanup;
	off = sym_file_offset(path, pt->sym);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (off < 0 || fd < 0)
		goto cleanup_fd;
	if (pt->find) {
		char *at;

		if (pread(fd, code, sizeof(code), off) != sizeof(code))
			goto cleanup_fd;
		at = memmem(code, sizeof(code), pt->find, pt->find_len);
		if (!at)
			goto cleanup_fd;
		off += at - code;
	}
	if (pwrite(fd, pt->repl, pt->len, off) == (ssize_t)pt->len)
		pid = map_in_child(path);
cleanup_fd:
	if (fd >= 0)
		close(fd);
cleanup:
	unlink(path);
	rmdir(dir);
	return pid;
}

/* Files a target could carry: inconsistent versions must be refused, and
 * <= 3.10 must still be recognised without the Py_GetVersion shortcut. */
static void test_patched_files(void)
{
	static const struct patch old_py_version = {
		"Py_Version", NULL, 0, "\xf0\x01\x0c\x03\0\0\0\0", 8, /* 3.12.1 */
	};
	static const struct patch bad_cookie = { "_PyRuntime", NULL, 0, "xdebugpX", 8 };
	/* lea PY_VERSION(%rip),%rcx -> lea ...,%rdx: no longer the hint */
	static const struct patch no_hint = { "Py_GetVersion", "\x48\x8d\x0d", 3, "\x48\x8d\x15", 3 };
	char root[PATH_MAX - 128], lib313[PATH_MAX], lib39[PATH_MAX];
	pid_t pid;

	pyenv_root(root, sizeof(root));
	snprintf(lib313, sizeof(lib313), "%s/versions/3.13.0/lib/libpython3.13.so.1.0", root);
	snprintf(lib39, sizeof(lib39), "%s/versions/3.9.18/lib/libpython3.9.so.1.0", root);
	if (access(lib313, R_OK) || access(lib39, R_OK)) {
		printf("  note: pyenv 3.13.0 or 3.9.18 absent, patched-file tests skipped\n");
		return;
	}
	pid = map_patched(lib313, &old_py_version);
	CHECK(pid > 0);
	CHECK_INT(pyproc__inspect(pid, &got), -ENOTSUP);
	pid = map_patched(lib313, &bad_cookie);
	CHECK(pid > 0);
	CHECK_INT(pyproc__inspect(pid, &got), -ENOTSUP);

	/* PY_VERSION survives in .rodata only as the tail of the PREFIX
	 * string ".../versions/3.9.18": the linker merged the two. */
	pid = map_patched(lib39, &no_hint);
	CHECK(pid > 0);
	CHECK_INT(pyproc__inspect(pid, &got), 0);
	CHECK_INT(got.version_hex, 0x30912f0);
	CHECK_INT(got.debug_offsets_len, 0);
	CHECK(strstr(got.elf, "libpython3.9.so.1.0 (deleted)") != NULL);
}

static void test_errors(void)
{
	char *sleep_argv[] = { "sleep", "100", NULL };
	pid_t pid, zombie;

	printf("error cases:\n");
	pid = unused_pid();
	CHECK(pid > 0);
	CHECK_INT(pyproc__inspect(pid, &got), -ESRCH);
	CHECK_INT(pyproc__inspect(0, &got), -ESRCH);
	CHECK_INT(pyproc__inspect(-1, &got), -ESRCH);

	if (is_kthreadd(2))
		CHECK_INT(pyproc__inspect(2, &got), -ECHILD);
	else
		printf("  note: pid 2 is not kthreadd (pid namespace?), kernel-thread case skipped\n");

	pid = spawn("sleep", sleep_argv, NULL);
	CHECK(pid > 0);
	CHECK_INT(pyproc__inspect(pid, &got), -ENOEXEC);
	CHECK_INT(got.runtime, 0);
	CHECK_STR(got.elf, "");

	/* A zombie has no memory to profile: as good as gone. */
	zombie = fork();
	if (zombie == 0)
		_exit(0);
	CHECK(zombie > 0);
	for (int i = 0; i < 200; i++) {
		siginfo_t si = { 0 };

		if (waitid(P_PID, zombie, &si, WEXITED | WNOWAIT) == 0 && si.si_pid == zombie)
			break;
		usleep(5000);
	}
	CHECK_INT(pyproc__inspect(zombie, &got), -ESRCH);
	waitpid(zombie, NULL, 0);

	test_undefined_reference();
	test_patched_files();
}

/* An unprivileged reader may not look into root's processes. */
static void test_permission(void)
{
	char *sleep_argv[] = { "sleep", "100", NULL };
	int status = 0;
	pid_t target, pid;

	if (geteuid() != 0) {
		printf("  note: not root, permission case skipped\n");
		return;
	}
	target = spawn("sleep", sleep_argv, NULL);
	CHECK(target > 0);
	pid = fork();
	if (pid == 0) {
		int ret;

		if (setgid(65534) || setuid(65534))
			_exit(100);
		ret = pyproc__inspect(target, &got);
		_exit(ret == -EACCES ? 0 : ret == -EPERM ? 0 : 101);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status));
	CHECK_INT(WEXITSTATUS(status), 0);
}

static void test_cmdline(void)
{
	char *argv[] = { "sleep", "100", NULL }, buf[256];
	pid_t pid;

	printf("cmdline:\n");
	pid = spawn("sleep", argv, NULL);
	CHECK(pid > 0);
	CHECK_INT(procfs__cmdline(pid, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "sleep 100");
	/* Truncation is bounded and never leaves a trailing separator. */
	CHECK_INT(procfs__cmdline(pid, buf, 6), 0);
	CHECK_STR(buf, "sleep");
	CHECK_INT(procfs__cmdline(pid, buf, 7), 0);
	CHECK_STR(buf, "sleep");
	CHECK_INT(procfs__cmdline(pid, buf, 1), 0);
	CHECK_STR(buf, "");
	CHECK_INT(procfs__cmdline(pid, buf, 0), -EINVAL);
	CHECK_INT(procfs__cmdline(unused_pid(), buf, sizeof(buf)), -ESRCH);
	/* Target-chosen control characters never reach a terminal. */
	{
		char *esc_argv[] = { "sl\teep\033[2J", "100", NULL };

		pid = spawn("sleep", esc_argv, NULL);
		CHECK(pid > 0);
		CHECK_INT(procfs__cmdline(pid, buf, sizeof(buf)), 0);
		CHECK_STR(buf, "sl?eep?[2J 100");
	}
}

int main(void)
{
	/* A child killed while we read its pipe must not kill the test. */
	signal(SIGPIPE, SIG_IGN);
	test_interpreters();
	test_errors();
	test_permission();
	test_cmdline();
	kill_children();
	return check_report("pyproc");
}
