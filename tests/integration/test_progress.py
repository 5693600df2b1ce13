"""record's progress line: shown on a terminal only (a tmux pane, a pty),
redrawn in place at most 4 times a second with figures that grow with the
capture, erased before the summary; never in a file; hidden by
--hideprogress (the summary stays) and by --quiet (only the profile,
errors and warnings stay)."""

import os
import re
import shlex
import subprocess
import time
import uuid

import pytest

from conftest import (EXIT, MATRIX, PYHAWK, check_error, parse_raw, run_pyhawk, split_label,
                      unused_pid)

PY = MATRIX[0]
RATE = 100

# Writes its pid to argv[1] once running, then spins in spin_marker for argv[2]
# seconds of the clock (the test's length), printing nothing: the pane
# holds only what pyhawk writes.
SPIN = """\
import os
import sys
import time


def spin_marker(seconds):
    end = time.time() + seconds
    while time.time() < end:
        pass


with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(os.getpid()))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
spin_marker(float(sys.argv[2]))
"""

# The status line as drawn; the summary's first line says "samples from".
STATUS = re.compile(r"pyhawk: (\d+) samples?, (\d+) process(?:es)?, (\d+) threads?, "
                    r"(\d+) lost, (\d+\.\d) s")
SUMMARY = re.compile(r"^pyhawk: (\d+) samples? from 1 process, 1 thread in [\d.]+ s at %d Hz; "
                     r"wrote (.+)$" % RATE)


def record_args(tmp_path, seconds, extra=()):
    """pyhawk record of the spinning script; returns (argv, marker, profile)."""
    script = tmp_path / "spin.py"
    script.write_text(SPIN)
    marker, out = tmp_path / "running", tmp_path / "out.txt"
    argv = ([PYHAWK, "record", "-r", str(RATE), "-f", "raw", "-o", str(out)] + list(extra) +
            ["--", PY.path, str(script), str(marker), str(seconds)])
    return argv, marker, out


def wait_for(cond, timeout, what):
    end = time.time() + timeout
    while time.time() < end:
        value = cond()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail("timed out after %.0f s waiting for %s" % (timeout, what))


def check_profile(out):
    """The profile holds the spin: most samples in spin_marker. Returns
    their number. (How many depends on the CPU time the spin got: these
    tests run on loaded machines too.)"""
    stacks = parse_raw(out.read_text())
    total = sum(stacks.values())
    spin = sum(c for s, c in stacks.items() if split_label(s[-1])[0] == "spin_marker")
    assert total >= 20 and spin >= 0.8 * total, stacks
    return total


def cpu_seconds(pid):
    """The CPU time a process has had (user + system)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def statuses(text):
    """(samples, processes, threads, lost, elapsed) of every status line."""
    return [tuple(int(g) for g in m.groups()[:4]) + (float(m.group(5)),)
            for m in STATUS.finditer(text)]


class Pane:
    """A tmux server of its own (tests never share one) with one 120x30
    pane running argv; the exit code is written to a file, then the pane
    stays until close() kills the server and removes its socket file
    (which tmux leaves)."""

    def __init__(self, tmp_path):
        self.socket = "pyhawk-progress-%d-%s" % (os.getpid(), uuid.uuid4().hex[:8])
        self.rcfile = tmp_path / "rc"
        self.path = None

    def start(self, argv):
        shell = "%s; echo $? > %s; exec sleep 120" % (shlex.join(argv),
                                                       shlex.quote(str(self.rcfile)))
        self.tmux("new-session", "-d", "-x", "120", "-y", "30", shell)
        self.path = self.tmux("display-message", "-p", "#{socket_path}").strip()

    def tmux(self, *args):
        proc = subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null"] + list(args),
                              capture_output=True, text=True, timeout=10)
        assert proc.returncode == 0, (args, proc.stderr)
        return proc.stdout

    def capture(self):
        # -J: a long summary line (the path) wraps; joined again.
        return self.tmux("capture-pane", "-p", "-J")

    def wait_exit(self, timeout=30):
        text = wait_for(lambda: self.rcfile.exists() and self.rcfile.read_text().strip(),
                        timeout, "pyhawk to exit")
        return int(text)

    def close(self):
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True,
                       timeout=10)
        if self.path:
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass


@pytest.fixture
def pane(tmp_path):
    p = Pane(tmp_path)
    yield p
    p.close()


@pytest.mark.statistical
def test_progress_on_terminal(tmp_path, pane):
    argv, marker, out = record_args(tmp_path, 3)
    p = pane
    p.start(argv)
    pid = int(wait_for(lambda: marker.exists() and marker.read_text(), 20,
                       "the workload to start"))
    # The first lines, before the first sample, say 0 of everything.
    first = wait_for(lambda: [s for s in statuses(p.capture()) if s[0]], 2,
                     "a progress line with samples")
    cpu1 = cpu_seconds(pid)
    time.sleep(1.0)
    second = statuses(p.capture())
    cpu2 = cpu_seconds(pid)
    # One line, updated in place.
    assert len(first) == 1 and len(second) == 1, (first, second)
    (s1, proc1, thr1, lost1, t1), (s2, proc2, thr2, lost2, t2) = first[0], second[0]
    assert (proc1, thr1) == (1, 1) and (proc2, thr2) == (1, 1), (first, second)
    # A second later: the samples of the CPU time the spinning thread had
    # meanwhile (a line is up to 0.25 s old: half a second's slack), and
    # never more than the rate (one thread).
    assert 0.7 <= t2 - t1 <= 2.5, (first, second)
    assert abs((s2 - s1) - RATE * (cpu2 - cpu1)) <= 0.5 * RATE + 10, (first, second, cpu2 - cpu1)
    assert 0 < s2 - s1 <= 1.1 * RATE * (t2 - t1) + 5, (first, second)
    assert lost2 >= lost1 and lost2 <= 0.1 * s2 + 5, (first, second)
    assert p.wait_exit() == EXIT["PH_EXIT_OK"], p.capture()
    final = p.capture()
    # Erased before the summary, which counts at least what it showed.
    assert statuses(final) == [], final
    lines = final.strip().splitlines()
    m = SUMMARY.match(lines[0])
    assert m and m.group(2) == str(out), final
    assert int(m.group(1)) >= s2
    assert int(m.group(1)) == check_profile(out)


def test_redraws_on_a_pty(tmp_path):
    """The bytes on the terminal: each redraw is "\\r", the status, erase
    to the end of the line; at most 4 a second; the last thing before the
    summary erases the line."""
    argv, _, out = record_args(tmp_path, 2)
    master, tty = os.openpty()
    try:
        start = time.time()
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=tty)
        os.close(tty)
        tty = -1
        raw = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: every writer has closed the terminal
                break
            if not chunk:
                break
            raw += chunk
        assert proc.wait(timeout=30) == EXIT["PH_EXIT_OK"], raw
        wall = time.time() - start
    finally:
        os.close(master)
        if tty >= 0:
            os.close(tty)
    text = raw.decode()
    # The terminal turns the summary's "\n" into "\r\n".
    body, sep, summary = text.rpartition("\r\x1b[K")
    assert sep, text
    assert SUMMARY.match(summary.splitlines()[0]), text
    redraws = body.split("\r")
    assert redraws[0] == "", text
    seen = []
    for r in redraws[1:]:
        assert r.endswith("\x1b[K"), text
        seen += statuses(r)
    assert len(seen) == len(redraws) - 1, text
    assert 4 * 2 * 0.5 <= len(seen) <= 4 * wall + 1, (len(seen), wall, text)
    elapsed = [s[4] for s in seen]
    samples = [s[0] for s in seen]
    # 0.25 s apart, shown to a tenth.
    assert all(b - a >= 0.15 for a, b in zip(elapsed, elapsed[1:])), elapsed
    assert samples == sorted(samples) and samples[-1] > 0.5 * RATE, samples
    check_profile(out)


def test_no_progress_in_a_file(tmp_path):
    argv, _, out = record_args(tmp_path, 1)
    err = tmp_path / "stderr"
    with open(err, "w") as f:
        proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=f, text=True, timeout=60)
    text = err.read_text()
    assert proc.returncode == EXIT["PH_EXIT_OK"], text
    assert "\r" not in text and "\x1b" not in text, repr(text)
    assert statuses(text) == [], text
    m = SUMMARY.match(text.splitlines()[0])
    assert m, text
    assert int(m.group(1)) == check_profile(out)


def test_quiet_leaves_only_the_profile(tmp_path):
    argv, _, out = record_args(tmp_path, 1, ["--quiet"])
    err = tmp_path / "stderr"
    with open(err, "w") as f:
        proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=f, text=True, timeout=60)
    assert proc.returncode == EXIT["PH_EXIT_OK"], err.read_text()
    assert err.read_text() == ""
    assert proc.stdout == ""
    check_profile(out)


def test_quiet_keeps_warnings(tmp_path):
    """A -p target that is not Python is still named; the rest is quiet."""
    script = tmp_path / "spin.py"
    script.write_text(SPIN)
    marker, out = tmp_path / "running", tmp_path / "out.txt"
    sleeper = subprocess.Popen(["sleep", "60"])
    py = subprocess.Popen([PY.path, str(script), str(marker), "30"])
    try:
        wait_for(marker.exists, 20, "the workload to start")
        proc = run_pyhawk(["record", "-q", "-r", str(RATE), "-d", "1", "-f", "raw", "-o",
                           str(out), "-p", "%d,%d" % (sleeper.pid, py.pid)], timeout=60)
    finally:
        for p in (sleeper, py):
            p.kill()
            p.wait()
    assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and "PID %d is not profiled" % sleeper.pid in lines[0], proc.stderr
    check_profile(out)


def test_quiet_keeps_errors(tmp_path):
    pid = unused_pid()
    check_error(run_pyhawk(["record", "--quiet", "-p", str(pid), "-o", str(tmp_path / "o.svg")]),
                "PH_EXIT_NO_PROCESS", str(pid), "no process")


@pytest.mark.parametrize("flag,summary", [("--hideprogress", True), ("--quiet", False)])
def test_hidden_on_a_terminal(flag, summary, tmp_path, pane):
    argv, marker, out = record_args(tmp_path, 1.5, [flag])
    p = pane
    p.start(argv)
    wait_for(marker.exists, 20, "the workload to start")
    time.sleep(0.6)  # more than two redraws' worth
    assert p.capture().strip() == ""
    assert p.wait_exit() == EXIT["PH_EXIT_OK"], p.capture()
    final = p.capture()
    assert statuses(final) == [], final
    lines = final.strip().splitlines()
    if summary:
        m = SUMMARY.match(lines[0])
        assert m, final
        assert int(m.group(1)) == check_profile(out)
    else:
        assert lines == [], final
        check_profile(out)
