"""Many threads and the counters: 500 threads, each in its own function, all
show up, each under its own thread; and --stats adds up (every program run
is a sample sent or exactly one drop; samples sent = samples written)."""

import os
import re

import pytest

from conftest import ROOT, matrix_params, record, split_label, workload

SCRIPT = workload("threads.py")
NTHREADS = 500
CPU_EACH = 0.01  # seconds of CPU per worker: 500 * 10 ms = 5 s of work
RATE = 2000      # so each worker is sampled ~20 times


def reason_kinds():
    """NAME -> DROP / MARK / EVENT, from bpf/errors.def (the one list)."""
    with open(os.path.join(ROOT, "bpf", "errors.def")) as f:
        return dict(re.findall(r"^X\((\w+),\s*\d+,\s*(\w+),", f.read(), re.M))


def parse_stats(stderr):
    """The counters --stats prints ('  NAME   123  text'), as NAME -> int."""
    stats = {m.group(1): int(m.group(2))
             for m in re.finditer(r"^  ([A-Z_]+)\s+(\d+)\s", stderr, re.M)}
    assert "RUNS" in stats and "SAMPLES" in stats, "no --stats counters in:\n" + stderr
    return stats


def check_counters(stderr, stacks):
    """RUNS == SAMPLES + every DROP counter; SAMPLES == samples written."""
    stats, kinds = parse_stats(stderr), reason_kinds()
    missing = sorted(set(kinds) - set(stats))
    assert not missing, "reasons missing from --stats: %s" % missing
    drops = {k: stats[k] for k, kind in kinds.items() if kind == "DROP"}
    assert stats["RUNS"] == stats["SAMPLES"] + sum(drops.values()), (
        stats["RUNS"], stats["SAMPLES"], drops)
    assert stats["SAMPLES"] == sum(stacks.values()), (stats["SAMPLES"], sum(stacks.values()))
    return stats


THREAD_ROOT = re.compile(r"^thread \((\d+)\)")
WORKER = re.compile(r"^worker_(\d{3})$")


@pytest.fixture(scope="module", params=matrix_params())
def capture(request, tmp_path_factory):
    """One 500-thread capture per interpreter, with a root frame per thread."""
    py = request.param
    tmp = tmp_path_factory.mktemp(py.label)
    proc, stacks = record(py, [SCRIPT, str(NTHREADS), str(CPU_EACH)], tmp,
                          extra=["-r", str(RATE), "-t", "--stats"], timeout=180)
    return py, proc, stacks


@pytest.mark.statistical
def test_every_thread_present(capture):
    py, proc, stacks = capture
    by_worker = {}  # worker number -> {tid: samples}
    for stack, count in stacks.items():
        m = THREAD_ROOT.match(stack[0])
        assert m, "no thread root frame: %r" % (stack,)
        workers = []
        for name, file, line in (split_label(f) for f in stack[1:]):
            w = WORKER.match(name)
            if w:
                workers.append((int(w.group(1)), file, line))
        # A worker never calls another: two in one stack means frames of two
        # threads were mixed.
        assert len(workers) <= 1, stack
        if workers:
            worker, file, line = workers[0]
            # Lines 2-5 of WORKER: the def (3.11+: RESUME, where a thread
            # entering the function may wait for the GIL), the barrier, the
            # deadline, the spin loop.
            assert file == "threads_worker.py" and line in (2, 3, 4, 5), stack
            tids = by_worker.setdefault(worker, {})
            tids[m.group(1)] = tids.get(m.group(1), 0) + count

    missing = sorted(set(range(NTHREADS)) - set(by_worker))
    assert not missing, "%d workers never seen (%s): %s" % (
        len(missing), py.label, ", ".join("worker_%03d" % i for i in missing[:20]))
    # Each worker under exactly one thread, and no thread runs two workers:
    # the kernel found each sampled thread's own thread state.
    split = {w: t for w, t in by_worker.items() if len(t) != 1}
    assert not split, "workers seen under several threads: %s" % split
    tids = [next(iter(t)) for t in by_worker.values()]
    assert len(set(tids)) == NTHREADS, "threads running two workers"
    # Each worker spun CPU_EACH seconds: about RATE * CPU_EACH samples each,
    # however the GIL scheduled it. Far fewer means samples were lost.
    fewest = min(sum(t.values()) for t in by_worker.values())
    assert fewest >= RATE * CPU_EACH / 4, "a worker got only %d samples" % fewest


def test_stats_add_up(capture):
    py, proc, stacks = capture
    stats = check_counters(proc.stderr, stacks)
    # The summary line reports the same number of samples.
    m = re.search(r"pyhawk: (\d+) samples from", proc.stderr)
    assert m and int(m.group(1)) == stats["SAMPLES"], proc.stderr
    assert stats["SAMPLES"] >= 0.5 * RATE * NTHREADS * CPU_EACH, stats
