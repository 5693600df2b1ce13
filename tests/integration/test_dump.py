"""dump: every thread of a process whose threads are parked in known places
(running, sleep, lock, I/O, a blocking generator) is printed with its exact
stack from sys._current_frames() and its state, as text and as JSON, on
every interpreter; bad PIDs get their documented exit code and one line."""

import contextlib
import json
import os
import re
import subprocess
import time

import pytest

from conftest import EXIT, check_error, matrix_params, run_pyhawk, unused_pid, workload

SCRIPT = workload("parked.py")
PROCESS = re.compile(r"^Process (\d+): (.*)$")
THREAD = re.compile(r'^Thread (\d+) \(([^()]+)\): "(.*)"$')
FRAME = re.compile(r"^    (.*) \(([^()]*):(\d+)\)$")


@contextlib.contextmanager
def parked(py, tmp_path):
    """Runs parked.py until its threads are parked; yields its truth."""
    truth_file = tmp_path / "truth.json"
    p = subprocess.Popen([py.path, SCRIPT, str(truth_file), "120"])
    try:
        deadline = time.monotonic() + 30
        while not truth_file.exists():
            assert p.poll() is None, "parked.py exited with %s" % p.returncode
            assert time.monotonic() < deadline, "parked.py did not park its threads"
            time.sleep(0.05)
        truth = json.loads(truth_file.read_text(encoding="utf-8"))
        assert truth["pid"] == p.pid
        yield p, truth
    finally:
        p.kill()
        p.wait()


def parse_text(text):
    """dump's text -> list of processes: {pid, command, python, threads:
    [{tid, state, name, frames: [[name, file, line]...]}]}."""
    procs, thread = [], None
    for line in text.splitlines():
        m = PROCESS.match(line)
        if m:
            procs.append({"pid": int(m.group(1)), "command": m.group(2), "threads": []})
            thread = None
            continue
        if line.startswith("Python "):
            procs[-1]["python"] = line[len("Python "):]
            continue
        m = THREAD.match(line)
        if m:
            thread = {"tid": int(m.group(1)), "state": m.group(2), "name": m.group(3),
                      "frames": []}
            procs[-1]["threads"].append(thread)
            continue
        if not line:
            thread = None
            continue
        m = FRAME.match(line)
        assert m and thread is not None, "unexpected line in dump: %r" % line
        thread["frames"].append([m.group(1), m.group(2), int(m.group(3))])
    return procs


def check_stacks(truth, got_threads):
    """got_threads: tid -> (state, gil, name, frames innermost first)."""
    want = {t["tid"]: t for t in truth["threads"]}
    assert sorted(got_threads) == sorted(want), (sorted(got_threads), sorted(want))
    holders = [tid for tid, (_, gil, _, _) in got_threads.items() if gil]
    assert len(holders) <= 1, "more than one GIL holder: %s" % holders
    for tid, t in want.items():
        state, gil, name, frames = got_threads[tid]
        assert name == t["name"], (tid, name, t["name"])
        assert frames == t["stack"], "\n".join(
            ["thread %d (%s): dumped vs truth" % (tid, t["name"])]
            + ["  %s %-50s | %s" % ("  " if a == b else "!!", a, b)
               for a, b in zip(frames + [""] * (len(t["stack"]) - len(frames)),
                               t["stack"] + [""] * (len(frames) - len(t["stack"])))])
        if t["state"] == "running":
            # It spins with nothing else wanting the GIL: on a CPU, or
            # preempted by some other process; either way it holds the GIL.
            assert state in ("running", "runnable"), (t["name"], state)
            assert gil, (t["name"], state, "the spinner holds the GIL")
        else:
            assert state == t["state"], (t["name"], state, t["state"])
            assert not gil, (t["name"], "a blocked thread holds the GIL")


@pytest.mark.parametrize("py", matrix_params())
def test_dump_text(py, tmp_path):
    with parked(py, tmp_path) as (p, truth):
        proc = run_pyhawk(["dump", "-p", str(p.pid)], timeout=60)
    assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
    assert proc.stderr == "", proc.stderr
    procs = parse_text(proc.stdout)
    assert len(procs) == 1, proc.stdout
    got = procs[0]
    assert got["pid"] == p.pid
    assert got["command"].split()[1:] == [SCRIPT, str(tmp_path / "truth.json"), "120"], got
    assert got["python"] == "%d.%d" % py.minor, got["python"]
    threads = {}
    for t in got["threads"]:
        state, _, holds = t["state"].partition("+")
        assert holds in ("", "gil"), t["state"]
        threads[t["tid"]] = (state, holds == "gil", t["name"], t["frames"])
    check_stacks(truth, threads)


@pytest.mark.parametrize("py", matrix_params())
def test_dump_json(py, tmp_path):
    with parked(py, tmp_path) as (p, truth):
        proc = run_pyhawk(["dump", "--json", "-p", str(p.pid)], timeout=60)
    assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
    assert proc.stderr == "", proc.stderr
    doc = json.loads(proc.stdout)
    assert [q["pid"] for q in doc["processes"]] == [p.pid], doc
    got = doc["processes"][0]
    assert got["python"] == "%d.%d" % py.minor, got["python"]
    assert got["command"].split()[1:] == [SCRIPT, str(tmp_path / "truth.json"), "120"], got
    threads = {}
    for t in got["threads"]:
        assert isinstance(t["gil"], bool), t
        assert t["state"] in ("running", "runnable", "sleep", "lock", "I/O", "GIL wait",
                              "other"), t["state"]
        frames = [[f["function"], f["file"], f["line"]] for f in t["frames"]]
        threads[t["tid"]] = (t["state"], t["gil"], t["name"], frames)
    check_stacks(truth, threads)


@pytest.mark.parametrize("json_flag", [[], ["--json"]], ids=["text", "json"])
def test_dump_exited_process(json_flag):
    py = matrix_params()[0].values[0]
    p = subprocess.run([py.path, "-c", "import os; print(os.getpid())"], capture_output=True,
                       text=True, timeout=60)
    pid = int(p.stdout)
    assert not os.path.exists("/proc/%d" % pid), "PID %d was reused" % pid
    check_error(run_pyhawk(["dump"] + json_flag + ["-p", str(pid)]), "PH_EXIT_NO_PROCESS",
                str(pid), "no process")
    pid = unused_pid()
    check_error(run_pyhawk(["dump"] + json_flag + ["-p", str(pid)]), "PH_EXIT_NO_PROCESS",
                str(pid), "no process")
    # Exited but not reaped yet (a zombie): no process to dump either, as
    # record -p says.
    z = subprocess.Popen([py.path, "-c", "pass"])
    try:
        deadline = time.monotonic() + 30
        while open("/proc/%d/stat" % z.pid).read().rpartition(")")[2].split()[0] != "Z":
            assert time.monotonic() < deadline, "PID %d did not exit" % z.pid
            time.sleep(0.05)
        check_error(run_pyhawk(["dump"] + json_flag + ["-p", str(z.pid)]),
                    "PH_EXIT_NO_PROCESS", str(z.pid), "no process")
    finally:
        z.wait()


@pytest.mark.parametrize("json_flag", [[], ["--json"]], ids=["text", "json"])
def test_dump_not_python(json_flag):
    p = subprocess.Popen(["sleep", "60"])
    try:
        check_error(run_pyhawk(["dump"] + json_flag + ["-p", str(p.pid)]), "PH_EXIT_NOT_PYTHON",
                    str(p.pid), "not a Python process")
    finally:
        p.kill()
        p.wait()
    # PID 2 is kthreadd on Linux.
    check_error(run_pyhawk(["dump"] + json_flag + ["-p", "2"]), "PH_EXIT_NOT_PYTHON",
                "kernel thread")


LOCALS_SCRIPT = workload("locals_park.py")
VAR = re.compile(r"^            (\w+): (.*)$")
# work()'s own variables that build the truth, not in it.
BOOKKEEPING = {"args_of", "truth"}


def parked_locals(py, tmp_path):
    """Starts locals_park.py; returns (process, truth) once it is parked."""
    truth_file = tmp_path / "locals.json"
    p = subprocess.Popen([py.path, LOCALS_SCRIPT, str(truth_file), "120"])
    deadline = time.time() + 30
    while not truth_file.exists():
        assert p.poll() is None and time.time() < deadline, "locals_park.py did not park"
        time.sleep(0.05)
    time.sleep(0.2)  # from writing the truth to waiting in work()
    return p, json.loads(truth_file.read_text())


@pytest.mark.parametrize("py", matrix_params())
def test_dump_locals(py, tmp_path):
    p, truth = parked_locals(py, tmp_path)
    try:
        text = run_pyhawk(["dump", "--locals", "-p", str(p.pid)], timeout=60)
        js = run_pyhawk(["dump", "--locals", "--json", "-p", str(p.pid)], timeout=60)
    finally:
        p.kill()
        p.wait()
    want = {k: (v["value"], v["arg"]) for k, v in truth["locals"].items()}
    # Text: the work frame of the thread, then its Arguments / Locals.
    assert text.returncode == EXIT["PH_EXIT_OK"], text.stderr
    lines = text.stdout.splitlines()
    start = next(i for i, l in enumerate(lines) if l.startswith("Thread %d " % truth["tid"]))
    at = next(i for i in range(start, len(lines)) if lines[i].startswith("    work ("))
    got, section = {}, None
    for line in lines[at + 1:]:
        if line in ("        Arguments:", "        Locals:"):
            section = line.strip() == "Arguments:"
            continue
        m = VAR.match(line)
        if not m:
            break
        got[m.group(1)] = (m.group(2), section)
    # Every variable, with its bookkeeping ones (bound after the truth).
    assert set(got) == set(want) | BOOKKEEPING, (sorted(got), sorted(want))
    assert {k: got[k] for k in want} == want, (got, want)
    # JSON: the same, in the work frame's "locals".
    assert js.returncode == EXIT["PH_EXIT_OK"], js.stderr
    doc = json.loads(js.stdout)
    thread = next(t for q in doc["processes"] for t in q["threads"] if t["tid"] == truth["tid"])
    frame = next(f for f in thread["frames"] if f["function"] == "work")
    got = {v["name"]: (v["value"], v["arg"]) for v in frame["locals"]}
    assert set(got) == set(want) | BOOKKEEPING and {k: got[k] for k in want} == want, frame
