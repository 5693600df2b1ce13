"""--idle: wall-clock shares of threads that run, sleep, wait for a lock or
for a pipe, measured by the workload itself; the leaf of their off-CPU
samples names the right state; without --idle the blocked ones are absent
and the running ones split by CPU time. On every interpreter."""

import collections
import json
import math
import os
import re
import subprocess
import time

import pytest

from conftest import EXIT, PYHAWK, matrix_params, record, split_label, workload
from test_cli_flags import wait_catches_sigint

SCRIPT = workload("idle.py")
SECONDS = 3
RATE = 200
THREAD_ROOT = re.compile(r"^thread \((\d+)\): ")
# The state every off-CPU sample of a phase must name, when it is not one of
# the passing states of any thread (TRANSIENT); None: the phase runs Python.
PHASE_STATE = {"cpu_loop": None, "sleep_phase": "sleep", "lock_phase": "lock",
               "read_phase": "I/O", "spin_for": None, "sleep_for": "sleep"}
# A thread that wants the GIL back after a blocking call waits for it (up to
# the 5 ms switch interval) and may wait for a CPU, still in the phase.
TRANSIENT = ("GIL wait", "runnable")
IDLE_LEAF = re.compile(r"^\[idle: (.*)\]$")


def by_thread(stacks):
    """tid -> Counter of (phase function or None, idle state or None)
    for the stacks inside the workload's timed phases."""
    out = collections.defaultdict(collections.Counter)
    for stack, n in stacks.items():
        m = THREAD_ROOT.match(stack[0])
        assert m, "no thread root frame: %r" % (stack[:1],)
        leaf = IDLE_LEAF.match(stack[-1])
        names = [split_label(f)[0] for f in stack[1:len(stack) - bool(leaf)]]
        if "timed" not in names:
            continue  # start-up, the start barrier, the main thread
        # None: in timed() itself, between two phases.
        phase = names[names.index("timed") + 1:names.index("timed") + 2]
        out[int(m.group(1))][(phase[0] if phase else None, leaf and leaf.group(1))] += n
    return out


def capture(py, tmp_path, extra):
    truth_file = tmp_path / "truth.json"
    proc, stacks = record(py, [SCRIPT, str(SECONDS), str(truth_file)], tmp_path,
                          extra=["-t", "-r", str(RATE)] + extra)
    return proc, by_thread(stacks), json.loads(truth_file.read_text())


@pytest.mark.statistical
@pytest.mark.parametrize("py", matrix_params())
def test_idle_shares_and_states(py, tmp_path):
    _, threads, truth = capture(py, tmp_path, ["--idle"])
    for name, t in truth.items():
        got = threads.get(t["tid"])
        assert got, "%s (%d) has no samples in its phases; threads: %s" % (
            name, t["tid"], sorted(threads))
        total = sum(got.values())
        timed = sum(t["phases"].values())
        # Wall clock: the rate's samples per second whatever the thread
        # does: off a CPU one per tick of the iterator, on a CPU the
        # perf_event sampler's (statistical; the CPU pyhawk itself takes is
        # nobody's sample).
        assert 0.85 * timed * RATE <= total <= 1.10 * timed * RATE, (
            "%s: %d samples in %.2f s at %d Hz" % (name, total, timed, RATE))
        assert {p for p, _ in got} - {None} == set(t["phases"]), (name, got)
        for phase, spent in t["phases"].items():
            in_phase = {s: n for (p, s), n in got.items() if p == phase}
            share, want = sum(in_phase.values()) / total, spent / timed
            assert abs(share - want) <= 0.05, "%s: %s share %.3f, want %.3f +- 0.05" % (
                name, phase, share, want)
            expected = PHASE_STATE[phase]
            wrong = {s: n for s, n in in_phase.items()
                     if s is not None and s != expected and s not in TRANSIENT}
            assert not wrong, "%s: %s sampled in states %s (want %s)" % (
                name, phase, in_phase, expected)
            if expected:
                named = in_phase.get(expected, 0) / sum(in_phase.values())
                assert named >= 0.85, "%s: only %.1f%% of %s is [idle: %s]: %s" % (
                    name, 100 * named, phase, expected, in_phase)


@pytest.mark.statistical
@pytest.mark.parametrize("py", matrix_params())
def test_without_idle_on_cpu_only(py, tmp_path):
    _, threads, truth = capture(py, tmp_path, [])
    assert not any(s for got in threads.values() for _, s in got), "idle frames without --idle"
    # Blocked from start to end: on a CPU in their phase only to enter it and
    # to wake up (well under a millisecond, their phases_cpu): one sample
    # at the most, where --idle gives them one per tick.
    for name in ("w-sleep", "w-lock", "w-read"):
        got = threads.get(truth[name]["tid"], {})
        assert sum(got.values()) <= 1, (name, got, truth[name]["phases_cpu"])
    # The mixed thread's samples split by the CPU time of its phases:
    # sleep_for has only what waking up costs.
    mixed, spent = threads[truth["w-mixed"]["tid"]], truth["w-mixed"]["phases_cpu"]
    for phase in ("spin_for", "sleep_for"):
        share = mixed[(phase, None)] / sum(mixed.values())
        want = spent[phase] / sum(spent.values())
        assert abs(share - want) <= 0.05, "w-mixed: %s share %.3f of its on-CPU samples, " \
            "want %.3f +- 0.05 (its CPU time)" % (phase, share, want)
    # The running threads split the samples by their CPU time.
    cpu = threads[truth["w-cpu"]["tid"]]
    share = sum(cpu.values()) / (sum(cpu.values()) + sum(mixed.values()))
    want = truth["w-cpu"]["cpu"] / (truth["w-cpu"]["cpu"] + truth["w-mixed"]["cpu"])
    assert abs(share - want) <= 0.05, "w-cpu: share %.3f of the on-CPU samples, want %.3f" % (
        share, want)


@pytest.mark.statistical
@pytest.mark.parametrize("py", matrix_params())
def test_idle_running_runnable(py, tmp_path):
    # The kernel's account of each thread (schedstat: on a CPU, runnable
    # but waiting for one) is the truth of the samples' states: a sample
    # without an idle leaf is a thread on a CPU, [idle: runnable] one that
    # waits for a CPU.
    _, threads, truth = capture(py, tmp_path, ["--idle"])
    for name, t in truth.items():
        got = collections.Counter()
        for (_, state), n in threads[t["tid"]].items():
            got[state] += n
        total = sum(got.values())
        for state, key in ((None, "oncpu"), ("runnable", "runnable")):
            share, want = got[state] / total, t[key] / t["wall"]
            # 0.05, or four standard errors of a share of this many samples
            # where that is more (w-mixed: ~600 samples, 15% running: 0.059).
            tol = max(0.05, 4 * math.sqrt(want * (1 - want) / total))
            assert abs(share - want) <= tol, "%s: %s in %.3f of its samples, want %.3f +- " \
                "%.3f (schedstat); samples: %s" % (name, state or "running", share, want, tol,
                                                   dict(got))


def bpf_links(pid):
    """BPF links pyhawk holds open (one per thread it visits, and its
    programs' attachments)."""
    n = 0
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            n += os.readlink("/proc/%d/fd/%s" % (pid, fd)) == "anon_inode:bpf_link"
        except OSError:
            pass
    return n


def test_idle_short_threads_leave_nothing(tmp_path):
    """Threads of 5 ms, one after another (~150 a second): each gets a task
    iterator when it begins and must lose it when it ends, also one that
    ends before its first visit. Before, those iterators stayed: 3000
    links (and a run of each per tick) after 30 s."""
    py = matrix_params()[0].values[0]
    out = tmp_path / "out.txt"
    p = subprocess.Popen([PYHAWK, "record", "--idle", "-r", "200", "-f", "raw", "-o", str(out),
                          "--", py.path, workload("short_threads.py"), "1500", "0.005"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_catches_sigint(p)  # attached: its own links are all there
        time.sleep(1.5)
        first = bpf_links(p.pid)
        time.sleep(4)
        last = bpf_links(p.pid) if p.poll() is None else None
        _, err = p.communicate(timeout=120)
    finally:
        p.kill()
    assert p.returncode == EXIT["PH_EXIT_OK"], err
    assert last is not None, "the workload ended too soon to measure:\n" + err
    threads = int(re.search(r" (\d+) threads in ", err).group(1))
    assert threads >= 400, err
    assert last - first <= 4, (first, last, err)
