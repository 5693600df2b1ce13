"""Short-lived processes, attaching with -p, and the ways a capture ends
(SIGINT, SIGTERM, the target's exit, --duration): each writes the profile
and the summary."""

import os
import re
import signal
import subprocess
import time

import pytest

from conftest import EMULATED, EXIT, PYHAWK, matrix_params, parse_raw, record, run_pyhawk, split_label, workload
from test_cli_flags import wait_catches_sigint

BUSY = workload("busy.py")


def has_func(stacks, name, file=None):
    return any(split_label(f)[0] == name and (file is None or split_label(f)[1] == file)
               for s in stacks for f in s)


@pytest.mark.parametrize("py", matrix_params())
def test_short_lived_process(py, tmp_path):
    t0 = time.time()
    proc, stacks = record(py, [workload("short.py")], tmp_path, extra=["-r", "2000"])
    assert time.time() - t0 < (60 if EMULATED else 10)  # qemu: BPF load takes seconds
    # The process is gone before the capture ends: names and lines came from
    # the kernel's descriptions, not from reading its memory afterwards.
    assert has_func(stacks, "short_lived_work", "short.py"), stacks
    assert "samples from 1 process" in proc.stderr


def cpu_seconds(pid):
    """utime + stime of a process, from /proc/PID/stat."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_busy(py, seconds=600):
    p = subprocess.Popen([py.path, BUSY, str(seconds)], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    return p


@pytest.mark.statistical
@pytest.mark.parametrize("py", matrix_params())
def test_attach_pid(py, tmp_path):
    target = start_busy(py)
    try:
        out = tmp_path / "out.txt"
        proc = subprocess.Popen([PYHAWK, "record", "-p", str(target.pid), "-d", "2", "-r", "200",
                                 "-f", "raw", "-o", str(out)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # From the start of the capture (pyhawk's own start-up, loading
        # BPF, can take a second on a loaded machine).
        wait_catches_sigint(proc)
        cpu0 = cpu_seconds(target.pid)
        _, err = proc.communicate(timeout=60)
        cpu = cpu_seconds(target.pid) - cpu0
        assert proc.returncode == EXIT["PH_EXIT_OK"], err
        stacks = parse_raw(out.read_text())
        busy = sum(c for s, c in stacks.items() if split_label(s[-1])[0] == "busy_loop")
        total = sum(stacks.values())
        # On-CPU sampling: 200 samples per CPU second the target used over
        # the capture (the machine may be shared, so compare with its CPU
        # time, not the clock), nearly all in busy_loop. The capture's own
        # span is what pyhawk's time line reports, the kernel's figures at
        # its start and end; the test's window holds it and pyhawk's start
        # and exit too (detaching sid's uprobes alone takes ~0.3 s here), so
        # it only bounds it from above.
        m = re.search(r"^pyhawk: PID %d over the capture \(([\d.]+) s\): user ([\d.]+) s, "
                      r"sys ([\d.]+) s$" % target.pid, err, re.M)
        assert m, err
        span, used = float(m.group(1)), float(m.group(2)) + float(m.group(3))
        assert 1.9 <= span <= 2.5, err
        assert used <= cpu + 0.05, (used, cpu, err)
        assert used > 0.2
        assert abs(total - 200 * used) <= 0.2 * 200 * used + 10, (total, used, cpu, err)
        assert busy >= 0.95 * total
        assert target.poll() is None, "the target must keep running (never paused or killed)"
    finally:
        target.kill()
        target.wait()


def default_stop_signals():
    """pyhawk, and the command it launches, with the stopping signals'
    default actions: a test run under nohup would otherwise have the
    command ignore SIGHUP (pyhawk passes on what it was given)."""
    for sig in STOP_SIGNALS:
        signal.signal(sig, signal.SIG_DFL)


def record_until(tmp_path, args, stop):
    """Starts a capture, lets it run, stops it with stop(proc); returns
    (returncode, stderr, stacks)."""
    out = tmp_path / "out.txt"
    p = subprocess.Popen([PYHAWK, "record", "-f", "raw", "-r", "200", "-o", str(out)] + args,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         preexec_fn=default_stop_signals)
    # Sampling first (a signal during start-up would end it before any
    # sample, on a loaded machine), then a second of it.
    wait_catches_sigint(p)
    time.sleep(1.0)
    stop(p)
    _, err = p.communicate(timeout=30)
    return p.returncode, err, parse_raw(out.read_text()) if out.exists() else {}


def running_with(marker):
    """PIDs of the processes whose command line holds marker (pyhawk's
    own left out: its command line has it too)."""
    pids = []
    for d in os.listdir("/proc"):
        try:
            with open("/proc/%s/cmdline" % d, "rb") as f:
                args = f.read().split(b"\0")
            if marker.encode() in args and not args[0].endswith(b"pyhawk"):
                pids.append(int(d))
        except (OSError, ValueError):
            pass
    return pids


def unique_seconds():
    """A duration for busy.py that names its process (no other test's)."""
    return "600.%06d" % (time.monotonic_ns() % 1000000)


STOP_SIGNALS = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1,
                signal.SIGUSR2]


@pytest.mark.parametrize("sig", STOP_SIGNALS, ids=[s.name for s in STOP_SIGNALS])
def test_signal_writes_profile(sig, tmp_path):
    # Every signal that would end pyhawk ends the capture: the profile is
    # written, and the command (sent the same signal) is gone with it.
    py = next(p for p in matrix_params()).values[0]
    seconds = unique_seconds()
    rc, err, stacks = record_until(tmp_path, ["--", py.path, BUSY, seconds],
                                   lambda p: p.send_signal(sig))
    assert rc == EXIT["PH_EXIT_OK"], err
    assert has_func(stacks, "busy_loop", "busy.py"), stacks
    assert "samples from 1 process" in err
    assert re.search(r"^pyhawk: command .*(%s|exited with status)" % sig.name, err, re.M), err
    assert running_with(seconds) == [], err


def test_stubborn_command_is_killed(tmp_path):
    # A command that ignores SIGINT and SIGTERM: -d ends the capture, and
    # the command 2 s later (SIGKILL).
    py = next(p for p in matrix_params()).values[0]
    seconds = unique_seconds()
    code = ("import signal, sys, time\n"
            "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
            "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
            "end = time.time() + float(sys.argv[1])\n"
            "while time.time() < end: pass\n")
    t0 = time.time()
    proc = run_pyhawk(["record", "-d", "1", "-f", "raw", "-o", str(tmp_path / "o.txt"), "--",
                       py.path, "-c", code, seconds], timeout=60)
    assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
    assert re.search(r"^pyhawk: command \(PID \d+\) stopped with the capture: killed by signal 9 "
                     r"\(SIGKILL\) after [\d.]+ s", proc.stderr, re.M), proc.stderr
    assert time.time() - t0 < 10
    assert running_with(seconds) == []


def test_command_dies_with_pyhawk(tmp_path):
    # pyhawk killed outright (SIGKILL: no profile, no handler): the kernel
    # ends the command too (PR_SET_PDEATHSIG), none is left orphaned.
    py = next(p for p in matrix_params()).values[0]
    seconds = unique_seconds()
    p = subprocess.Popen([PYHAWK, "record", "-f", "raw", "-o", str(tmp_path / "o.txt"), "--",
                          py.path, BUSY, seconds], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    wait_catches_sigint(p)
    deadline = time.time() + 10
    while not running_with(seconds) and time.time() < deadline:
        time.sleep(0.05)  # (until it has run exec)
    assert len(running_with(seconds)) == 1
    p.kill()
    p.wait()
    deadline = time.time() + 5
    while running_with(seconds) and time.time() < deadline:
        time.sleep(0.05)
    assert running_with(seconds) == []


def test_target_exit_writes_profile(tmp_path):
    py = next(p for p in matrix_params()).values[0]
    target = start_busy(py)
    out = tmp_path / "out.txt"
    try:
        proc = subprocess.Popen([PYHAWK, "record", "-p", str(target.pid), "-r", "200", "-f",
                                 "raw", "-o", str(out)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # Ended once the capture runs (a timed exit could come first: pyhawk
        # can take more than a second to start on a loaded machine). Not
        # reaped until pyhawk is done: a zombie must not keep it waiting.
        wait_catches_sigint(proc)
        time.sleep(1.0)
        target.terminate()
        _, err = proc.communicate(timeout=30)
    finally:
        target.kill()
        target.wait()
    assert proc.returncode == EXIT["PH_EXIT_OK"], err
    assert has_func(parse_raw(out.read_text()), "busy_loop", "busy.py")
    assert re.search(r"^pyhawk: PID %d exited [\d.]+ s into the capture: " % target.pid, err,
                     re.M), err


def test_duration_stops_capture(tmp_path):
    py = next(p for p in matrix_params()).values[0]
    target = start_busy(py)
    try:
        t0 = time.time()
        proc = run_pyhawk(["record", "-p", str(target.pid), "-d", "1", "-f", "raw", "-o",
                           str(tmp_path / "o.txt")])
        assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
        assert 0.9 <= time.time() - t0 < 5
    finally:
        target.kill()
        target.wait()


def test_summary_counts(tmp_path):
    """The end-of-record summary: samples, processes, threads; with --stats
    every counter, and they add up."""
    py = next(p for p in matrix_params()).values[0]
    out = tmp_path / "out.txt"
    proc = run_pyhawk(["record", "--stats", "-r", "300", "-f", "raw", "-o", str(out), "--",
                       py.path, BUSY, "1.5"])
    assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
    total = sum(parse_raw(out.read_text()).values())
    assert "pyhawk: %d samples from 1 process, 1 thread in" % total in proc.stderr, proc.stderr
    counters = {}
    for line in proc.stderr.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].isupper() and parts[1].isdigit():
            counters[parts[0]] = int(parts[1])
    for name in ("RUNS", "SAMPLES", "NO_THREAD_STATE", "RINGBUF_FULL", "TRUNCATED", "READ_FRAME"):
        assert name in counters, proc.stderr
    assert counters["SAMPLES"] == total
    assert "BPF_NS_PER_SAMPLE" in counters
