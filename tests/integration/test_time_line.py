"""record's last line, like time(1)'s: a command's wall time, its user and
system CPU time (its rusage when it is reaped; its descendants' too with -s)
and how it ended, which becomes pyhawk's exit code; a -p target's CPU time
over the capture. The figures are compared with the workload's own
getrusage."""

import os
import re
import signal
import subprocess

import pytest

from conftest import (EXIT, MATRIX, PYHAWK, check_error, parse_raw, run_pyhawk, split_label,
                      workload)
from test_cli_flags import wait_catches_sigint

PY = MATRIX[0]
SPEND = workload("spend.py")
RATE = 200

COMMAND = re.compile(r"^pyhawk: command (?:\(PID (?P<stopped>\d+)\) stopped with the capture: )?"
                     r"(?:exited with status (?P<status>\d+)"
                     r"|killed by signal (?P<signal>\d+) \((?P<name>SIG\w+)\)"
                     r"|\(PID (?P<pid>\d+)\) still running) after (?P<wall>[\d.]+) s: "
                     r"user (?P<user>[\d.]+) s, sys (?P<sys>[\d.]+) s"
                     r"(?P<children>, children included)?$")
TARGET = re.compile(r"^pyhawk: PID (?P<pid>\d+) (?:over the capture \((?P<capture>[\d.]+) s\)"
                    r"|exited (?P<exited>[\d.]+) s into the capture): "
                    r"user (?P<user>[\d.]+) s, sys (?P<sys>[\d.]+) s$")


def reported(stdout):
    """The workload's "rusage SELF CHILDREN" line: (self, children)."""
    m = re.search(r"^rusage ([\d.]+) ([\d.]+)$", stdout, re.M)
    assert m, stdout
    return float(m.group(1)), float(m.group(2))


def cpu(m):
    return float(m.group("user")) + float(m.group("sys"))


def last_line(stderr, pattern):
    lines = stderr.strip().splitlines()
    m = pattern.match(lines[-1]) if lines else None
    assert m, stderr
    return m


def spend_share(out):
    """Samples of the profile, and the share of them in spend_cpu."""
    stacks = parse_raw(out.read_text())
    total = sum(stacks.values())
    spend = sum(c for s, c in stacks.items() if split_label(s[-1])[0] == "spend_cpu")
    return total, spend / total if total else 0


@pytest.mark.statistical
@pytest.mark.parametrize("end,code", [("exit:0", "PH_EXIT_OK"), ("exit:3", 3), ("kill:9", 137)])
def test_command_status_and_cpu(end, code, tmp_path):
    """1.5 s of CPU, then the command exits or is killed: pyhawk exits with
    its status (128 + the signal), the profile written; the line's user +
    sys is the workload's own getrusage to 10 %."""
    out = tmp_path / "out.txt"
    proc = run_pyhawk(["record", "-r", str(RATE), "-f", "raw", "-o", str(out), "--", PY.path,
                       SPEND, "1.5", end], timeout=180)
    want = EXIT[code] if isinstance(code, str) else code
    assert proc.returncode == want, (proc.returncode, proc.stderr)
    total, share = spend_share(out)
    assert total >= 0.5 * RATE * 1.5 and share >= 0.9, (total, share, proc.stderr)
    m = last_line(proc.stderr, COMMAND)
    how, _, n = end.partition(":")
    if how == "exit":
        assert m.group("status") == n, m.group(0)
    else:
        assert (m.group("signal"), m.group("name")) == (n, "SIGKILL"), m.group(0)
    mine, _ = reported(proc.stdout)
    assert abs(cpu(m) - mine) <= 0.1 * mine, (m.group(0), mine)
    assert float(m.group("user")) >= 0.5 * cpu(m), m.group(0)
    # One thread: no more CPU time than the clock's (its start included).
    assert float(m.group("wall")) >= 0.95 * cpu(m), m.group(0)


@pytest.mark.statistical
@pytest.mark.parametrize("flag", ["", "-s"])
def test_children_with_s(flag, tmp_path):
    """A child spends 0.8 s and is waited for, then the command spends
    0.8 s: the command's own CPU time without -s, the child's too with it
    (-s follows children: what they cost counts)."""
    out = tmp_path / "out.txt"
    proc = run_pyhawk(["record", "-r", str(RATE), "-f", "raw", "-o", str(out)] +
                      ([flag] if flag else []) +
                      ["--", PY.path, SPEND, "0.8", "exit:0", "--child", "0.8"], timeout=180)
    assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
    m = last_line(proc.stderr, COMMAND)
    mine, children = reported(proc.stdout)
    assert children >= 0.8, proc.stdout
    want = mine + children if flag else mine
    assert abs(cpu(m) - want) <= 0.1 * want, (m.group(0), mine, children)
    assert bool(m.group("children")) == bool(flag), m.group(0)


@pytest.mark.statistical
def test_quiet_keeps_the_status(tmp_path):
    out = tmp_path / "out.txt"
    proc = run_pyhawk(["record", "-q", "-r", str(RATE), "-f", "raw", "-o", str(out), "--",
                       PY.path, SPEND, "0.5", "exit:3"], timeout=120)
    assert proc.returncode == 3, proc.stderr
    assert proc.stderr == ""
    # Half a second: the interpreter's start-up is a part of it.
    assert spend_share(out)[1] >= 0.75


def test_own_failure_comes_first(tmp_path):
    """A command that never ran Python and exited 3: pyhawk's code, not
    the command's."""
    check_error(run_pyhawk(["record", "-o", str(tmp_path / "o.svg"), "--", "sh", "-c", "exit 3"]),
                "PH_EXIT_NOT_PYTHON", "sh")


def test_duration_stops_the_command(tmp_path):
    """-d ends the capture and the command with it (as py-spy's does):
    SIGTERM, pyhawk's own exit code, and the line says so, with the
    command's whole CPU time; nothing is left running."""
    out = tmp_path / "out.txt"
    proc = run_pyhawk(["record", "-d", "1", "-r", str(RATE), "-f", "raw", "-o", str(out),
                       "--capture", "--", PY.path, SPEND, "600", "exit:0"], timeout=120)
    m = last_line(proc.stderr, COMMAND)
    pid = int(m.group("stopped"))
    assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
    assert m.group("name") == "SIGTERM", m.group(0)
    assert 0.9 <= float(m.group("wall")) < 3, m.group(0)
    assert 0.05 <= cpu(m) <= float(m.group("wall")) + 0.02, m.group(0)
    assert gone(pid), m.group(0)


def gone(pid):
    """No process pid, or another one than the workload (the PID reused)."""
    try:
        with open("/proc/%d/cmdline" % pid) as f:
            return SPEND not in f.read()
    except OSError:
        return True


def gated_target():
    p = subprocess.Popen([PY.path, SPEND, "1.5", "wait", "--gate"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    return p


@pytest.mark.statistical
@pytest.mark.parametrize("ending", ["exit", "sigint"])
def test_pid_cpu_over_the_capture(ending, tmp_path):
    """A -p target spends 1.5 s once the capture has started; then it exits
    (the capture ends with it), or waits until pyhawk is stopped. The
    line's CPU time is the workload's own over that time, to 10 %; a -p
    target's status is not pyhawk's."""
    target = gated_target()
    out = tmp_path / "out.txt"
    try:
        p = subprocess.Popen([PYHAWK, "record", "-r", str(RATE), "-f", "raw", "-o", str(out),
                              "-p", str(target.pid)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wait_catches_sigint(p)
        target.stdin.write("go\n")
        target.stdin.flush()
        mine, _ = reported(target.stdout.readline())
        if ending == "exit":
            target.stdin.close()
        else:
            p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=60)
        assert p.returncode == EXIT["PH_EXIT_OK"], err
        m = last_line(err, TARGET)
        assert int(m.group("pid")) == target.pid
        assert bool(m.group("exited")) == (ending == "exit"), m.group(0)
        assert abs(cpu(m) - mine) <= 0.1 * mine, (m.group(0), mine)
        assert spend_share(out)[1] >= 0.9
    finally:
        target.kill()
        target.wait()
