"""Torn stacks: a thread that descends f1 -> ... -> f6 and returns without
pause, sampled at 1000 Hz; a sample in which some f_k's neighbour is not
f_(k-1) mixes two moments of the stack. Under --idle fewer than 0.1% may be
torn (the running thread is walked in its own context by perf_event, the
task iterator walks it when it is off a CPU); the rate of the default
perf_event path is printed beside it. dump walks the running thread from
another CPU: a stack that changed under the walk must be marked so, never
shown as whole. On every interpreter."""

import json
import re
import subprocess
import time

import pytest

from conftest import EXIT, matrix_params, record, run_pyhawk, split_label, workload

SCRIPT = workload("chain.py")
SECONDS = 3
RATE = 1000
CHAIN = ["driver"] + ["f%d" % k for k in range(1, 7)]
THREAD_ROOT = re.compile(r"^thread \((\d+)\): w-chain$")


def torn_rate(stacks):
    """(torn samples, samples) of w-chain in driver or the f_k: a sample is
    whole when, from driver (or the first f_k) on, its frames are driver,
    f1, ..., f_m, then at most an idle leaf."""
    torn = total = 0
    for stack, n in stacks.items():
        if not THREAD_ROOT.match(stack[0]):
            continue
        names = [split_label(f)[0] for f in stack[1:]]
        if names and names[-1].startswith("[idle: "):
            names.pop()
        first = next((i for i, name in enumerate(names) if name in CHAIN), None)
        if first is None:
            continue  # the thread starting or ending
        total += n
        if names[first:] != CHAIN[:len(names) - first]:
            torn += n
    return torn, total


@pytest.mark.parametrize("py", matrix_params())
def test_torn_stacks(py, tmp_path):
    _, stacks = record(py, [SCRIPT, str(SECONDS)], tmp_path,
                       extra=["--idle", "-t", "-r", str(RATE)], name="idle.txt")
    idle_torn, idle_total = torn_rate(stacks)
    _, stacks = record(py, [SCRIPT, str(SECONDS)], tmp_path, extra=["-t", "-r", str(RATE)],
                       name="oncpu.txt")
    cpu_torn, cpu_total = torn_rate(stacks)
    print("\n%s: torn stacks: --idle (task iterator) %d of %d = %.3f%%; "
          "perf_event %d of %d = %.3f%%" % (py.label, idle_torn, idle_total,
                                             100.0 * idle_torn / max(idle_total, 1), cpu_torn,
                                             cpu_total, 100.0 * cpu_torn / max(cpu_total, 1)))
    assert idle_torn < 0.001 * idle_total, "--idle: %d of %d samples torn" % (
        idle_torn, idle_total)
    # Enough samples for 0.1% to mean something (at 1000 Hz pyhawk misses
    # instants when it is late; perf_event counts CPU time, not wall).
    assert idle_total >= 0.5 * SECONDS * RATE, idle_total
    assert cpu_total >= 0.5 * SECONDS * RATE, cpu_total


DUMPS = 12


@pytest.mark.parametrize("py", matrix_params())
def test_dump_marks_moved_stacks(py):
    proc = subprocess.Popen([py.path, SCRIPT, "60"], stdout=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        whole = marked = 0
        for _ in range(DUMPS):
            d = run_pyhawk(["dump", "--json", "-p", str(proc.pid)], timeout=60)
            assert d.returncode == EXIT["PH_EXIT_OK"], d.stderr
            threads = {t["name"]: t for p in json.loads(d.stdout)["processes"]
                       for t in p["threads"]}
            # Never left out: shown, marked when its stack kept moving.
            assert "w-chain" in threads, sorted(threads)
            t = threads["w-chain"]
            names = [f["function"] for f in reversed(t["frames"])]
            first = next((i for i, n in enumerate(names) if n in CHAIN), None)
            ok = first is not None and names[first:] == CHAIN[:len(names) - first]
            if t["moved"]:
                marked += 1
            else:
                assert ok, "a torn stack shown as whole: %s" % names
                whole += 1
        print("\n%s: dump of a running call chain: %d whole, %d marked as moved of %d" % (
            py.label, whole, marked, DUMPS))
        # Marks are the exception, not the rule.
        assert whole >= DUMPS // 2, (whole, marked)
    finally:
        proc.kill()
        proc.wait()
