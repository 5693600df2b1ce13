"""conftest.py: fixtures for integration tests: the pyhawk binary, the Python
matrix, and helpers to run a capture and read its collapsed stacks."""

import collections
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PYHAWK = os.path.join(ROOT, "pyhawk")
WORKLOADS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "workloads")
sys.path.insert(0, os.path.join(ROOT, "tools"))

import pythons  # noqa: E402


def exit_codes():
    """Name -> value from user/exitcodes.h, so tests assert by name."""
    codes = {}
    with open(os.path.join(ROOT, "user", "exitcodes.h")) as f:
        for m in re.finditer(r"\b(PH_EXIT_\w+)\s*=\s*(\d+)", f.read()):
            codes[m.group(1)] = int(m.group(2))
    return codes


EXIT = exit_codes()
# PYHAWK_MATRIX=label,label... narrows the matrix (the kernel matrix runs a
# few interpreters in each VM); a label not present fails the session.
WANTED = [l for l in os.environ.get("PYHAWK_MATRIX", "").split(",") if l]
# Set by tests/run-kernels.sh inside its qemu guests: software emulation,
# where an instruction's cost varies with what the emulator has translated.
EMULATED = os.environ.get("PYHAWK_EMULATED") == "1"
MATRIX = tuple(p for p in pythons.discover() if not WANTED or p.label in WANTED)


def pytest_report_header(config):
    lines = ["kernel: %s" % os.uname().release,
             "python matrix (%d interpreters):" % len(MATRIX)]
    lines += ["  %-12s %-8s %s" % (p.label, p.version, p.path) for p in MATRIX]
    return lines


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "statistical: compares sampled shares or times with what the workload "
        "measured, within a tolerance; run again once on failure (each rerun shows as R and "
        "is listed as RERUN in the summary), so that a systematic error still fails")


def pytest_collection_modifyitems(config, items):
    # A tolerance is set a few standard deviations wide; over ~500 such
    # checks a run still meets an outlier now and then (a busy host, the
    # emulator). A second try separates that from a defect, which fails both.
    for item in items:
        if item.get_closest_marker("statistical"):
            item.add_marker(pytest.mark.flaky(reruns=1))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    # A statistical test that failed on a capture it shares with others (a
    # module-scoped fixture of a test file) is rerun on a new capture: the
    # same data would fail again whatever the cause.
    report = (yield).get_result()
    if report.when == "call" and report.failed and item.get_closest_marker("statistical"):
        for defs in item._fixtureinfo.name2fixturedefs.values():
            for d in defs:
                if d.scope != "function" and d.func.__module__.startswith("test_"):
                    d.cached_result = None


def pytest_sessionstart(session):
    # A test run that found no interpreter, or no binary, must fail, not skip.
    if not session.config.pluginmanager.hasplugin("rerunfailures"):
        raise pytest.UsageError("pytest-rerunfailures is missing: run tools/install-deps.sh")
    if not os.access(PYHAWK, os.X_OK):
        raise pytest.UsageError("pyhawk is not built: run make first")
    if not MATRIX:
        raise pytest.UsageError("no Python interpreter found for the matrix")
    missing = sorted(set(WANTED) - {p.label for p in MATRIX})
    if missing:
        raise pytest.UsageError("PYHAWK_MATRIX names interpreters not present: %s"
                                % ", ".join(missing))


def matrix_params():
    return [pytest.param(p, id=p.label) for p in MATRIX]


def workload(name):
    return os.path.join(WORKLOADS, name)


def run_pyhawk(args, timeout=120, **kw):
    return subprocess.run([PYHAWK] + args, capture_output=True, text=True, timeout=timeout, **kw)


def tagged_script(tmp_path, tag):
    """workloads/tagged.py with TAG replaced: functions heavy_TAG, light_TAG."""
    with open(workload("tagged.py")) as f:
        text = f.read().replace("TAG", tag)
    path = tmp_path / ("w_%s.py" % tag)
    path.write_text(text)
    return str(path)


def start_ready(args, **kw):
    """Starts a workload and waits for its "ready" line."""
    p = subprocess.Popen(args, stdout=subprocess.PIPE, text=True, **kw)
    assert p.stdout.readline().strip() == "ready", args
    return p


def unused_pid():
    """A PID no process has now."""
    with open("/proc/sys/kernel/pid_max") as f:
        pid = int(f.read()) - 1
    while os.path.exists("/proc/%d" % pid):
        pid -= 1
    return pid


def check_error(proc, code, *words):
    """A refusal: exit code `code` (by name), one 'Error: ' line on stderr
    containing every word, nothing on stdout."""
    assert proc.returncode == EXIT[code], (proc.returncode, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("Error: "), proc.stderr
    for w in words:
        assert w in lines[0], (w, lines[0])
    assert proc.stdout == ""


def parse_raw(text):
    """Collapsed stacks -> Counter of tuples of frame labels (root first)."""
    stacks = collections.Counter()
    for line in text.splitlines():
        if not line.strip():
            continue
        frames, _, count = line.rpartition(" ")
        assert frames and count.isdigit(), "bad collapsed line: %r" % line
        stacks[tuple(frames.split(";"))] += int(count)
    return stacks


LABEL = re.compile(r"^(?P<name>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def split_label(label):
    """'Worker.heavy (shares.py:12)' -> ('Worker.heavy', 'shares.py', 12)."""
    m = LABEL.match(label)
    if not m:
        return label, None, None
    line = m.group("line")
    return m.group("name"), m.group("file"), int(line) if line else None


def record(py, script_args, tmp_path, extra=(), timeout=120, name="out.txt"):
    """Runs `pyhawk record -f raw` on a launched workload; returns
    (CompletedProcess, Counter of stacks)."""
    out = tmp_path / name
    cmd = ["record", "-f", "raw", "-o", str(out)] + list(extra) + ["--", py.path] + list(script_args)
    proc = run_pyhawk(cmd, timeout=timeout)
    assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
    return proc, parse_raw(out.read_text())


def record_attached(py, args, tmp_path, extra=(), fmt="raw"):
    """`record -v -f FMT EXTRA -- py ARGS GO`: GO (a file) is made once
    pyhawk says the probes are attached, for a workload that waits for it.
    Returns (pyhawk's stderr, the stacks), or for another format than raw
    (pyhawk's stderr, the output's path)."""
    go, out = tmp_path / "go", tmp_path / ("out." + fmt)
    if go.exists():  # an earlier capture's, in the same test
        go.unlink()
    p = subprocess.Popen([PYHAWK, "record", "-v", "-f", fmt, "-o", str(out)] + list(extra) +
                         ["--", py.path] + list(args) + [str(go)],
                         stderr=subprocess.PIPE, text=True)
    said = []
    try:
        for line in p.stderr:
            said.append(line)
            if "interpreter probes attached" in line:
                break
        go.write_text("")
        _, err = p.communicate(timeout=120)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    err = "".join(said) + err
    assert p.returncode == EXIT["PH_EXIT_OK"], err
    return err, parse_raw(out.read_text()) if fmt == "raw" else out


def _version(py):
    return tuple(int(x) for x in py.version.split("."))


# The two ends of the matrix, for tests of files that every interpreter must
# read the same way (pstats): the oldest and the newest version present.
OLDEST = min(MATRIX, key=_version, default=None)
NEWEST = max(MATRIX, key=_version, default=None)


def ends_params():
    return [pytest.param(p, id=p.label) for p in dict.fromkeys([OLDEST, NEWEST])]
