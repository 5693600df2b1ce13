"""Fault injection: pyhawk and its target met by signals at random moments
(while pyhawk starts, loads BPF, samples), a full disk, a closed stdout or a
reader that goes away, too few file descriptors, a -p target that execs or
exits while pyhawk attaches. Each case checks the same things: the exit
code and message the README documents, the profile whole or the old file
untouched (never a partial or a temporary file left), no command left
running, and no BPF program or map left in the kernel.

The moments are drawn from a seeded generator: a failure names its seed
and delay, and PYHAWK_FAULT_SEED=N reruns it."""

import json
import os
import random
import re
import signal
import subprocess
import time

import pytest

from conftest import EXIT, PYHAWK, matrix_params, parse_raw, run_pyhawk, workload
from test_lifecycle import default_stop_signals, running_with
from test_outfile import leftovers, tiny_fs  # noqa: F401 (a fixture)

BUSY = workload("busy.py")
PY = matrix_params()[0].values[0]
OLD = "the profile of yesterday\n"
SEED = int(os.environ.get("PYHAWK_FAULT_SEED", "20261203"))
STOP_SIGNALS = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1,
                signal.SIGUSR2]
SUMMARY = re.compile(r"^pyhawk: \d+ samples? from \d+ process", re.M)


def bpf_ids():
    """IDs of the BPF programs and maps in the kernel now."""
    ids = set()
    for kind in ("prog", "map"):
        out = subprocess.run(["bpftool", "-j", kind, "show"], capture_output=True, text=True,
                             check=True).stdout
        ids |= {(kind, o["id"]) for o in json.loads(out or "[]")}
    return ids


@pytest.fixture
def clean(tmp_path):
    """A marker naming this case's command (no other's), and after the case:
    no command left running with it, no BPF program or map that was not
    there before (the kernel frees a closed program's objects within
    moments: waited for, 5 s at most), no temporary file beside the
    output."""
    marker = "600.%06d" % (time.monotonic_ns() % 1000000)
    before = bpf_ids()
    yield marker
    deadline = time.time() + 5
    while time.time() < deadline and (running_with(marker) or bpf_ids() - before):
        time.sleep(0.1)
    assert running_with(marker) == [], "a command outlived pyhawk"
    assert bpf_ids() - before == set(), "BPF objects left behind"
    assert leftovers(tmp_path, "out.txt") == []


def moments(n, low, high, salt):
    """n delays in [low, high) s, reproducible from SEED and salt."""
    rng = random.Random("%d-%s" % (SEED, salt))
    return [round(rng.uniform(low, high), 3) for _ in range(n)]


def whole_or_untouched(out, rc, err, started):
    """The output after an ended capture: a whole profile (every line a
    collapsed stack) with rc 0 and its summary, or, when pyhawk was killed
    before it could hold the signal (the first instants of its life: no
    command started yet), the old file as it was."""
    text = out.read_text()
    if rc == 0:
        assert SUMMARY.search(err), err
        parse_raw(text)  # (asserts every line)
        return parse_raw(text)
    assert rc < 0 and not started, (rc, err)
    assert text == OLD
    return None


def start_record(tmp_path, marker):
    """pyhawk recording busy.py (named by marker) into out.txt, which holds
    an old profile: (out, the pyhawk process)."""
    out = tmp_path / "out.txt"
    out.write_text(OLD)
    p = subprocess.Popen([PYHAWK, "record", "-f", "raw", "-r", "200", "-o", str(out), "--",
                          PY.path, BUSY, marker], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, preexec_fn=default_stop_signals)
    return out, p


# pyhawk's start-up takes ~0.1-0.5 s here (the command starts early in it),
# sampling after that: one moment in the first 0.1 s for each signal, two
# anywhere.
SIGNAL_CASES = [(sig, delay) for sig in STOP_SIGNALS
                for delay in moments(1, 0.0, 0.1, "early-" + sig.name) +
                moments(2, 0.0, 1.5, sig.name)]


@pytest.mark.parametrize("sig,delay", SIGNAL_CASES,
                         ids=["%s-%.3fs" % (s.name, d) for s, d in SIGNAL_CASES])
def test_signal_to_pyhawk(sig, delay, tmp_path, clean):
    out, p = start_record(tmp_path, clean)
    time.sleep(delay)
    started = bool(running_with(clean))
    p.send_signal(sig)
    _, err = p.communicate(timeout=30)
    stacks = whole_or_untouched(out, p.returncode, err, started)
    if stacks is not None and p.returncode == 0:
        # The command was stopped with the capture, and the time line
        # says how; or it had not run Python yet (an empty profile, said).
        assert re.search(r"^pyhawk: command \(PID \d+\) stopped with the capture", err,
                         re.M), err
        if not stacks:
            assert re.search(r"had not run Python when the capture ended|0 samples", err), err


TARGET_CASES = [(sig, delay) for sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGSEGV)
                for delay in moments(3, 0.0, 1.2, "target-" + sig.name)]


@pytest.mark.parametrize("sig,delay", TARGET_CASES,
                         ids=["%s-%.3fs" % (s.name, d) for s, d in TARGET_CASES])
def test_signal_to_command(sig, delay, tmp_path, clean):
    # The command dies by a signal at any moment: pyhawk writes what it
    # has and exits as time(1) does (128 + the signal) - or, if it died
    # before it ever ran Python, says so (exit 4) and writes nothing.
    out, p = start_record(tmp_path, clean)
    deadline = time.time() + 10
    while not running_with(clean) and time.time() < deadline:
        time.sleep(0.005)
    time.sleep(delay)
    for pid in running_with(clean):
        os.kill(pid, sig)
    _, err = p.communicate(timeout=30)
    if p.returncode == EXIT["PH_EXIT_NOT_PYTHON"]:
        assert "never ran a Python interpreter" in err, err
        assert out.read_text() == OLD
        return
    assert p.returncode == 128 + sig, (p.returncode, err)
    assert re.search(r"^pyhawk: command killed by signal %d \(%s\)" % (sig, sig.name), err,
                     re.M), err
    whole_or_untouched(out, 0, err, True)


def test_full_disk(tiny_fs, clean):  # noqa: F811 (the fixture)
    old = tiny_fs / "p.svg"
    old.write_text(OLD)
    (tiny_fs / "fill").write_bytes(b"\0" * (52 * 1024))
    proc = run_pyhawk(["record", "-q", "-o", str(old), "--", PY.path, BUSY, "0.5", clean],
                      timeout=60)
    assert proc.returncode == EXIT["PH_EXIT_OUTPUT"], proc.stderr
    assert re.fullmatch(r"Error: writing the profile to '.*p\.svg': No space left on device\n",
                        proc.stderr), proc.stderr
    assert old.read_text() == OLD
    assert leftovers(tiny_fs, "p.svg") == []


def test_closed_stdout(tmp_path, clean):
    # stdout closed: the profile still goes to its file, whole.
    out = tmp_path / "out.txt"
    proc = subprocess.run([PYHAWK, "record", "-f", "raw", "-o", str(out), "--", PY.path, BUSY,
                           "0.5", clean], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True, timeout=60, preexec_fn=lambda: os.close(1))
    assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
    assert any(s[-1].startswith("busy_loop (") for s in parse_raw(out.read_text())), out.read_text()


def test_reader_goes_away(tmp_path, clean):
    # -o - into a pipe whose reader has gone: the write fails with EPIPE
    # (not a silent death by SIGPIPE), exit 7, the command stopped.
    r, w = os.pipe()
    os.close(r)
    proc = subprocess.run([PYHAWK, "record", "-f", "raw", "-o", "-", "--", PY.path, BUSY, "0.5",
                           clean], stdout=w, stderr=subprocess.PIPE, text=True, timeout=60)
    os.close(w)
    assert proc.returncode == EXIT["PH_EXIT_OUTPUT"], proc.stderr
    assert "Broken pipe" in proc.stderr, proc.stderr


@pytest.mark.parametrize("limit", [8, 16, 40])
def test_too_few_file_descriptors(limit, tmp_path, clean):
    # A hard limit below what pyhawk needs: one line, exit 1, and neither
    # a command nor an output file.
    out = tmp_path / "out.txt"
    proc = subprocess.run(["prlimit", "--nofile=%d:%d" % (limit, limit), PYHAWK, "record",
                           "-o", str(out), "--", PY.path, BUSY, "5", clean],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == EXIT["PH_EXIT_ERROR"], proc.stderr
    assert re.fullmatch(r"Error: too few file descriptors: .*may open %d.*ulimit -n.*\n" % limit,
                        proc.stderr), proc.stderr
    assert not out.exists()


EXEC_CASES = moments(4, 0.0, 1.0, "exec")


@pytest.mark.parametrize("delay", EXEC_CASES, ids=["%.3fs" % d for d in EXEC_CASES])
def test_target_execs_while_attaching(delay, tmp_path, clean):
    # A -p target that turns into another program (exec) at any moment of
    # pyhawk's start: a whole profile of what it ran as Python (exit 0), or,
    # when it was not Python any more by the look, that refusal (exit 4).
    code = ("import os, sys, time\n"
            "print('ready', flush=True)\n"
            "end = time.time() + float(sys.argv[1])\n"
            "while time.time() < end: pass\n"
            "os.execv('/bin/sleep', [sys.argv[2], '2'])\n")  # (argv[0]: the marker)
    target = subprocess.Popen([PY.path, "-c", code, str(delay), clean], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert target.stdout.readline() == "ready\n"
        out = tmp_path / "out.txt"
        proc = run_pyhawk(["record", "-p", str(target.pid), "-r", "200", "-f", "raw", "-o",
                           str(out)], timeout=60)
    finally:
        target.kill()
        target.wait()
    if proc.returncode == EXIT["PH_EXIT_NOT_PYTHON"]:
        assert re.fullmatch(r"Error: .*PID %d.* not a Python process.*\n" % target.pid,
                            proc.stderr, re.S), proc.stderr
        assert not out.exists()
        return
    assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
    assert SUMMARY.search(proc.stderr), proc.stderr
    parse_raw(out.read_text())
    assert re.search(r"^pyhawk: PID %d (exited|exec)" % target.pid, proc.stderr,
                     re.M), proc.stderr


EXIT_CASES = moments(4, 0.0, 1.0, "exit")


@pytest.mark.parametrize("delay", EXIT_CASES, ids=["%.3fs" % d for d in EXIT_CASES])
def test_target_exits_while_attaching(delay, tmp_path, clean):
    # A -p target that exits at any moment of pyhawk's start: gone before
    # pyhawk looked (exit 3, nothing written), or a whole profile with its
    # exit in the time line (exit 0, or 10 and an empty profile when it
    # went before a sample could be taken - never a hang or a lost file).
    target = subprocess.Popen([PY.path, BUSY, str(delay), clean], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert target.stdout.readline() == "ready\n"
        out = tmp_path / "out.txt"
        t0 = time.time()
        proc = run_pyhawk(["record", "-p", str(target.pid), "-r", "200", "-f", "raw", "-o",
                           str(out)], timeout=60)
    finally:
        target.wait()
    if proc.returncode == EXIT["PH_EXIT_NO_PROCESS"]:
        assert re.fullmatch(r"Error: .*%d.*\n" % target.pid, proc.stderr), proc.stderr
        assert not out.exists()
        return
    assert proc.returncode in (EXIT["PH_EXIT_OK"], EXIT["PH_EXIT_NO_SAMPLES"]), proc.stderr
    assert time.time() - t0 < 10
    assert SUMMARY.search(proc.stderr), proc.stderr
    parse_raw(out.read_text())
    assert re.search(r"^pyhawk: PID %d exited" % target.pid, proc.stderr, re.M), proc.stderr
