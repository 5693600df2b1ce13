"""Per-task sampling: a targeted capture (-p, the command, -s) samples with
the target threads' own cpu-clock events, so a CPU that runs something else
takes no interrupt of pyhawk's. Threads that exist when pyhawk attaches get
events of their own; threads and processes started later inherit them.
When the kernel refuses per-task events, every CPU is sampled instead, and
--verbose says so."""

import json
import os
import re
import subprocess

import pytest

from conftest import EMULATED, EXIT, MATRIX, PYHAWK, ends_params, parse_raw, split_label, workload
from test_cli_flags import wait_catches_sigint

BUSY = workload("busy.py")
LATE = workload("late_threads.py")
SPAWNER = workload("spawner.py")
PY = MATRIX[0]
THREAD = re.compile(r"^thread \((\d+)\)")
PER_TASK = "pyhawk: sampling the targets' own threads"
PER_CPU = "pyhawk: sampling every CPU"


def start_busy(py):
    p = subprocess.Popen([py.path, BUSY, "600"], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    return p


def runs_and_samples(stderr):
    """(BPF program runs, samples) from --stats."""
    runs = re.search(r"^  BPF_NS_PER_RUN\s+\d+\s.*\((\d+) runs", stderr, re.M)
    samples = re.search(r"^  SAMPLES\s+(\d+)\s", stderr, re.M)
    assert runs and samples, stderr
    return int(runs.group(1)), int(samples.group(1))


@pytest.mark.statistical
def test_attach_runs_only_on_the_target(tmp_path):
    """A busy single-threaded target and a busy bystander on a 2-CPU
    machine: per task, the BPF program runs once per sample (the issue's
    bound: 1.05x); on every CPU it also runs on the bystander's CPU."""
    target, bystander = start_busy(PY), start_busy(PY)
    try:
        got = {}
        for mode, env in (("task", {}), ("cpu", {"PYHAWK_PER_CPU": "1"})):
            proc = subprocess.run([PYHAWK, "record", "-p", str(target.pid), "-d", "2", "-r",
                                   "1000", "--stats", "--verbose", "-f", "raw", "-o",
                                   str(tmp_path / (mode + ".txt"))],
                                  capture_output=True, text=True, timeout=60,
                                  env=dict(os.environ, **env))
            assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
            got[mode] = runs_and_samples(proc.stderr)
            assert (PER_TASK if mode == "task" else PER_CPU) in proc.stderr, proc.stderr
        runs, samples = got["task"]
        assert samples >= 500, got
        assert runs <= 1.05 * samples, got
        runs, samples = got["cpu"]
        assert runs >= 1.5 * samples, got
        assert target.poll() is None and bystander.poll() is None
    finally:
        for p in (target, bystander):
            p.kill()
            p.wait()


@pytest.mark.statistical
@pytest.mark.parametrize("py", ends_params())
def test_threads_before_and_after_attach(py, tmp_path):
    """-p -s on a process with two threads running, which then starts two
    more and a child process: every one of them sampled for its own CPU
    time, under its own thread."""
    truth_file, out = tmp_path / "truth.json", tmp_path / "out.txt"
    rate, cpu = 500, 0.4
    target = subprocess.Popen([py.path, LATE, "2", "2", str(cpu), str(truth_file), "--child"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert target.stdout.readline().strip() == "ready"
        proc = subprocess.Popen([PYHAWK, "record", "-p", str(target.pid), "-s", "-t", "-r",
                                 str(rate), "--stats", "--verbose", "-f", "raw", "-o", str(out)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wait_catches_sigint(proc)
        target.stdin.write("go\n")
        target.stdin.flush()
        assert target.wait(timeout=120) == 0
        _, err = proc.communicate(timeout=60)
    finally:
        target.kill()
        target.wait()
    assert proc.returncode == EXIT["PH_EXIT_OK"], err
    assert PER_TASK in err, err
    truth = json.loads(truth_file.read_text())
    stacks = parse_raw(out.read_text())
    per_func = {}
    for stack, count in stacks.items():
        name = split_label(stack[-1])[0]
        root = next((m for m in map(THREAD.match, stack[:2]) if m), None)
        per_func.setdefault(name, {}).setdefault(root and int(root.group(1)), 0)
        per_func[name][root and int(root.group(1))] += count
    # Each thread under its own id only, and its share of the samples its
    # share of the CPU time.
    total = sum(sum(per_func.get(name, {}).values()) for name in truth)
    total_cpu = sum(used for _, used in truth.values())
    for name, (tid, used) in truth.items():
        seen = per_func.get(name, {})
        assert set(seen) == {tid}, (name, tid, seen)
        share = sum(seen.values()) / total
        assert abs(share - used / total_cpu) <= 0.05, (name, share, used / total_cpu, per_func)
        check_count(sum(seen.values()), rate * used, name)
    # The child (started after the attach, by a late thread's process):
    # its spin of cpu seconds, inherited with nothing opened for it. Under
    # qemu pyhawk takes about as long to classify a new process (reading its
    # ELF files) as this child lives: there only the upper bound holds.
    child = sum(per_func.get("child_spin", {}).values())
    if EMULATED:
        assert child <= 1.25 * rate * cpu + 10, child
    else:
        check_count(child, rate * cpu, "child_spin")


@pytest.mark.statistical
def test_threads_started_while_attaching(tmp_path):
    """Threads started while pyhawk opens events (a pause after the main
    thread's, PYHAWK_TEST_ATTACH_PAUSE_MS, makes sure some are): each
    inherits the main thread's event and gets no second one, so no thread
    is sampled twice."""
    truth_file, out, rate = tmp_path / "truth.json", tmp_path / "out.txt", 1000
    target = subprocess.Popen([PY.path, SPAWNER, "2", "0.05", str(truth_file)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert target.stdout.readline().strip() == "ready"
        proc = subprocess.run([PYHAWK, "record", "-p", str(target.pid), "-t", "-r", str(rate),
                               "-f", "raw", "-o", str(out)],
                              capture_output=True, text=True, timeout=120,
                              env=dict(os.environ, PYHAWK_TEST_ATTACH_PAUSE_MS="300"))
        assert target.wait(timeout=60) == 0
    finally:
        target.kill()
        target.wait()
    assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
    truth = json.loads(truth_file.read_text())
    per_thread = {}
    for stack, count in parse_raw(out.read_text()).items():
        root = THREAD.match(stack[0])
        if root and split_label(stack[-1])[0].startswith("spawned_"):
            per_thread[int(root.group(1))] = per_thread.get(int(root.group(1)), 0) + count
    # Every thread at most its CPU time's worth (two timers would double
    # it); together nearly all of it (pyhawk attached within ~0.5 s of a
    # workload that needs ~5 s of CPU; not under qemu, where pyhawk's
    # start-up takes seconds).
    for name, (tid, used) in truth.items():
        assert per_thread.get(tid, 0) <= 1.25 * rate * used + 10, (name, per_thread.get(tid), used)
    total = rate * sum(used for _, used in truth.values())
    assert EMULATED or sum(per_thread.values()) >= 0.7 * total, (per_thread, total)


def check_count(got, want, what):
    """Samples of a thread against rate x its CPU time: within 25 % on a
    real CPU. Under qemu the emulated timer fires less often (60-90 % of
    the rate seen, every CPU's events as well as per-task ones), so only
    the upper bound holds there: a thread timed twice would be near 2x."""
    if EMULATED:
        assert 0.4 * want <= got <= 1.25 * want + 10, (what, got, want)
    else:
        assert abs(got - want) <= 0.25 * want + 10, (what, got, want)


def test_refused_per_task_falls_back_to_every_cpu(tmp_path):
    """Per-task events for 100 threads need 200 descriptors; with a hard
    limit of 100 the kernel refuses them: pyhawk samples every CPU instead,
    says why with --verbose, and the capture is whole."""
    script = tmp_path / "many.py"
    script.write_text(
        "import threading, time\n"
        "ev = threading.Event()\n"
        "for _ in range(100): threading.Thread(target=ev.wait, daemon=True).start()\n"
        "print('ready', flush=True)\n"
        "def fallback_spin():\n"
        "    while True: pass\n"
        "fallback_spin()\n")
    target = subprocess.Popen([PY.path, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert target.stdout.readline().strip() == "ready"
        proc = subprocess.run(["prlimit", "--nofile=100:100", PYHAWK, "record", "-p",
                               str(target.pid), "-d", "1", "-r", "1000", "--verbose", "-f", "raw",
                               "-o", str(tmp_path / "out.txt")],
                              capture_output=True, text=True, timeout=60)
    finally:
        target.kill()
        target.wait()
    assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
    assert re.search(r"^pyhawk: per-task perf events refused \(Too many open files\): "
                     r"sampling every CPU$", proc.stderr, re.M), proc.stderr
    stacks = parse_raw((tmp_path / "out.txt").read_text())
    spin = sum(c for s, c in stacks.items() if split_label(s[-1])[0] == "fallback_spin")
    assert spin >= 100, (spin, proc.stderr)
