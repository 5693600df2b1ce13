"""Bad input: each gets one actionable line on stderr and its documented
exit code (asserted by name, from user/exitcodes.h)."""

import os
import subprocess

import pytest

from conftest import (EXIT, PYHAWK, ROOT, check_error, matrix_params, run_pyhawk, unused_pid,
                      workload)


def test_pid_does_not_exist(tmp_path):
    pid = unused_pid()
    check_error(run_pyhawk(["record", "-p", str(pid), "-o", str(tmp_path / "o.svg")]),
                "PH_EXIT_NO_PROCESS", str(pid), "no process")


def test_pid_not_python(tmp_path):
    p = subprocess.Popen(["sleep", "60"])
    try:
        check_error(run_pyhawk(["record", "-p", str(p.pid), "-o", str(tmp_path / "o.svg")]),
                    "PH_EXIT_NOT_PYTHON", "not a Python process")
    finally:
        p.kill()
        p.wait()


# Linux's capability numbers (include/uapi/linux/capability.h), as pyhawk
# names them.
CAPS = ["CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID",
        "SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST",
        "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO",
        "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
        "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE",
        "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM",
        "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE"]


def caps(path, field):
    with open(path) as f:
        return int(next(l for l in f if l.startswith(field + ":")).split()[1], 16)


def test_pid_1_refused_as_root(tmp_path):
    """PID 1, as root. Where the kernel lets root read its maps, it is just
    not Python (exit 4). Where it refuses (this VM's init holds
    CAP_SYS_RESOURCE, which root's shells here lack), the message says so
    and names what can refuse root - the capabilities PID 1 holds and
    pyhawk lacks, read from /proc - never "run as root" (before: exit 6,
    "Permission denied (run as root)" while root)."""
    try:
        open("/proc/1/maps").close()
        refused = False
    except PermissionError:
        refused = True
    proc = run_pyhawk(["record", "-p", "1", "-o", str(tmp_path / "o.svg")])
    if not refused:
        check_error(proc, "PH_EXIT_NOT_PYTHON", "not a Python process")
        return
    lacking = caps("/proc/1/status", "CapPrm") & ~caps("/proc/self/status", "CapEff")
    names = ["CAP_" + CAPS[c] for c in range(len(CAPS)) if lacking >> c & 1]
    check_error(proc, "PH_EXIT_PERMISSION", "not allowed to inspect PID 1", "runs as root",
                "security module", *names)
    assert "run as root)" not in proc.stderr
    if names:
        assert "the process holds capabilities pyhawk lacks: " + ", ".join(names) in proc.stderr


def test_kernel_thread(tmp_path):
    # PID 2 is kthreadd on Linux.
    with open("/proc/2/comm") as f:
        assert f.read().strip() == "kthreadd"
    check_error(run_pyhawk(["record", "-p", "2", "-o", str(tmp_path / "o.svg")]),
                "PH_EXIT_NOT_PYTHON", "kernel thread")


OLD_PYTHONS = ("2.7.18", "3.6.15", "3.7.16")  # pyenv's, older than pyhawk supports


def old_python(version):
    path = "/root/.pyenv/versions/%s/bin/python" % version
    if not os.access(path, os.X_OK):
        pytest.fail("pyenv %s is not installed: the refusal of old Pythons is untested" % version)
    return path


@pytest.mark.parametrize("version", OLD_PYTHONS)
def test_unsupported_python_pid(version, tmp_path):
    p = subprocess.Popen([old_python(version), "-c",
                          "import sys, time; sys.stdout.write('ready\\n'); sys.stdout.flush(); time.sleep(60)"],
                         stdout=subprocess.PIPE, universal_newlines=True)
    try:
        assert p.stdout.readline().strip() == "ready"
        check_error(run_pyhawk(["record", "-p", str(p.pid), "-o", str(tmp_path / "o.svg")]),
                    "PH_EXIT_UNSUPPORTED", str(p.pid), "Python " + version.rsplit(".", 1)[0],
                    "does not support")
    finally:
        p.kill()
        p.wait()


@pytest.mark.parametrize("version", OLD_PYTHONS)
def test_unsupported_python_command(version, tmp_path):
    # One line at the end, not a warning per look while the command runs.
    check_error(run_pyhawk(["record", "-o", str(tmp_path / "o.svg"), "--", old_python(version), "-c",
                            "import time; time.sleep(0.5)"]),
                "PH_EXIT_UNSUPPORTED", "Python " + version.rsplit(".", 1)[0], "does not support")
    assert not os.path.exists(tmp_path / "o.svg")


def test_too_few_file_descriptors(tmp_path):
    # A hard limit below what the BPF programs take: one line, not
    # libbpf's half-way failures (up to 250 lines of verifier log before).
    py = matrix_params()[0].values[0]
    proc = subprocess.run(["prlimit", "--nofile=16:16", PYHAWK, "record", "-o",
                           str(tmp_path / "o.svg"), "--", py.path, "-c", "pass"],
                          capture_output=True, text=True, timeout=60)
    check_error(proc, "PH_EXIT_ERROR", "too few file descriptors", "may open 16", "ulimit -n")
    assert not os.path.exists(tmp_path / "o.svg")


def test_low_soft_fd_limit_raised_for_pyhawk_only(tmp_path):
    # A low soft limit under a high hard one: pyhawk raises its own, and the
    # command runs with the limit it was given.
    py = matrix_params()[0].values[0]
    out, seen = tmp_path / "o.txt", tmp_path / "limit"
    proc = subprocess.run(["prlimit", "--nofile=16:4096", PYHAWK, "record", "-f", "raw", "-o",
                           str(out), "--", py.path, "-c",
                           "import resource, sys; open(sys.argv[1], 'w').write("
                           "repr(resource.getrlimit(resource.RLIMIT_NOFILE)))", str(seen)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
    assert seen.read_text() == "(16, 4096)"
    assert out.exists()


def test_not_root(tmp_path):
    os.chmod(tmp_path, 0o777)
    py = matrix_params()[0].values[0]
    proc = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                           "--inh-caps=-all", PYHAWK, "record", "-o", str(tmp_path / "o.svg"), "--",
                           py.path, "-c", "pass"], capture_output=True, text=True, timeout=60)
    check_error(proc, "PH_EXIT_PERMISSION", "root")


@pytest.mark.parametrize("path,words", [
    ("/nonexistent-dir/out.svg", ["No such file"]),
    ("/proc/version", ["/proc/version"]),
    ("/", ["not a regular file"]),  # (/dev/null takes a profile: test_outfile)
])
def test_unwritable_output(path, words):
    py = matrix_params()[0].values[0]
    check_error(run_pyhawk(["record", "-o", path, "--", py.path, "-c", "pass"]),
                "PH_EXIT_OUTPUT", *words)


@pytest.mark.parametrize("args,words", [
    (["-r", "0"], ["rate"]),
    (["-r", "-5"], ["rate"]),
    (["-r", "1000000"], ["rate"]),
    (["-r", "abc"], ["rate"]),
    (["-d", "0"], ["duration"]),
    (["-d", "-1"], ["duration"]),
    (["-d", "soon"], ["duration"]),
    (["-f", "pdf"], ["unknown format", "pdf"]),
    (["--bogus"], ["unknown option"]),
    (["-F", "--nolineno"], ["cannot be combined"]),
    ([], ["nothing to profile"]),
])
def test_bad_flags(args, words, tmp_path):
    extra = [] if args == [] else ["-p", "1"]
    check_error(run_pyhawk(["record", "-o", str(tmp_path / "o.svg")] + args + extra),
                "PH_EXIT_USAGE", *words)


def test_command_not_found(tmp_path):
    check_error(run_pyhawk(["record", "-o", str(tmp_path / "o.svg"), "--", "/no/such/python"]),
                "PH_EXIT_COMMAND", "/no/such/python")


def test_command_not_python(tmp_path):
    check_error(run_pyhawk(["record", "-o", str(tmp_path / "o.svg"), "--", "true"]),
                "PH_EXIT_NOT_PYTHON", "true")


def test_help_and_version():
    p = run_pyhawk(["--help"])
    assert p.returncode == EXIT["PH_EXIT_OK"] and "pyhawk record" in p.stdout
    p = run_pyhawk(["record", "--help"])
    assert p.returncode == EXIT["PH_EXIT_OK"] and "--rate" in p.stdout and "EXAMPLES" in p.stdout
    p = run_pyhawk(["--version"])
    assert p.returncode == EXIT["PH_EXIT_OK"] and p.stdout.startswith("pyhawk ")
