"""What pyhawk needs from the kernel, and captures that must not pass for
empty profiles. These run on the host and inside every kernel of the kernel
matrix (tests/run-kernels.sh): a kernel without a feature pyhawk needs is
refused at start with one line naming it; one that has them all profiles;
a capture where Python ran but no sample could be taken is an error."""

import os
import subprocess

import pytest

from conftest import EXIT, MATRIX, matrix_params, parse_raw, record, run_pyhawk, split_label, workload
from test_threads import check_counters, reason_kinds

# Drops while an interpreter starts: not located yet, its runtime's page not
# touched yet, no interpreter, no thread state or frame yet.
START_UP = {"PROC_NOT_READY", "READ_RUNTIME", "NO_RUNTIME", "NO_THREAD_STATE", "NO_FRAME"}
DROPS_FAILED = {k for k, kind in reason_kinds().items() if kind == "DROP"} - START_UP


def kernel_has(symbol):
    """Whether the running kernel defines a symbol (/proc/kallsyms): the
    ground truth for a BPF helper, whatever the version number says."""
    with open("/proc/kallsyms") as f:
        return any(line.split()[2] == symbol for line in f if len(line.split()) >= 3)


def test_kernel_features(tmp_path):
    py = MATRIX[0]
    out = tmp_path / "out.txt"
    proc = run_pyhawk(["record", "-f", "raw", "-o", str(out), "--", py.path,
                       workload("busy.py"), "1"])
    if not os.path.exists("/sys/kernel/btf/vmlinux"):
        missing = "BTF"
    elif not kernel_has("bpf_loop"):
        missing = "bpf_loop"
    else:
        missing = None
    if missing:
        assert proc.returncode == EXIT["PH_EXIT_BPF"], (proc.returncode, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), proc.stderr
        assert missing in lines[0] and os.uname().release in lines[0], lines[0]
        assert not out.exists(), "nothing is written on a kernel pyhawk refuses"
    else:
        assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
        # The workload's samples (not the interpreter's start-up) are in
        # busy_loop.
        stacks = {s: c for s, c in parse_raw(out.read_text()).items()
                  if split_label(s[0])[:2] == ("<module>", "busy.py")}
        busy = sum(c for s, c in stacks.items() if split_label(s[-1])[0] == "busy_loop")
        assert busy >= 0.95 * sum(stacks.values()) and busy >= 20, stacks


@pytest.fixture(scope="module")
def spin_lib(tmp_path_factory):
    lib = tmp_path_factory.mktemp("spin") / "native_spin.so"
    subprocess.run(["gcc", "-shared", "-fPIC", "-O1", "-o", str(lib),
                    workload("native_spin.c"), "-lpthread"], check=True)
    return str(lib)


def test_empty_capture_is_an_error(spin_lib, tmp_path):
    """Every CPU sample of the target lands in a native thread with no
    Python thread state: nothing can be shown. The profile is still written,
    the reasons are listed and the exit code says the capture failed."""
    py = MATRIX[0]
    target = subprocess.Popen([py.path, workload("native_spin.py"), spin_lib, "60"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert target.stdout.readline().strip() == "ready"
        out = tmp_path / "out.txt"
        proc = run_pyhawk(["record", "-p", str(target.pid), "-d", "2", "-f", "raw",
                           "-o", str(out)])
        assert proc.returncode == EXIT["PH_EXIT_NO_SAMPLES"], (proc.returncode, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        assert lines[0].startswith("pyhawk: 0 samples from 1 process"), proc.stderr
        assert any(l.split()[:1] == ["NO_THREAD_STATE"] and int(l.split()[1]) > 0
                   for l in lines[1:]), proc.stderr
        assert lines[-1].startswith("Error: ") and "NO_THREAD_STATE" in lines[-1], proc.stderr
        assert out.exists() and parse_raw(out.read_text()) == {}
        assert target.poll() is None, "the target must keep running"
    finally:
        target.kill()
        target.wait()


@pytest.mark.parametrize("py", matrix_params())
def test_counters_add_up(py, tmp_path):
    """A short known-split capture with --stats: every program run is a sample
    sent or exactly one drop, and every sample sent is in the profile."""
    proc, stacks = record(py, [workload("shares.py"), "1.0"], tmp_path,
                          extra=["-r", "500", "--stats"])
    stats = check_counters(proc.stderr, stacks)
    # Drops other than the interpreter's start-up are failures: almost none.
    failed = {k: v for k, v in stats.items() if k in DROPS_FAILED and v}
    assert stats["SAMPLES"] > 0 and sum(failed.values()) <= 0.01 * stats["RUNS"], (
        stats["SAMPLES"], stats["RUNS"], failed)
