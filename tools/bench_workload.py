#!/usr/bin/env python3
"""bench_workload.py: the workloads tools/bench.py profiles. Pure Python,
stdlib only, runs on every CPython of the matrix (3.8+).

    bench_workload.py cpu [SCALE]          fixed CPU-bound work, one thread
    bench_workload.py threads N [SCALE]    the same total work split over N threads
    bench_workload.py gc-heavy [SCALE]     allocation-heavy work, one thread: ~1400
                                           automatic collections a second (3.11)
    bench_workload.py calls N              N calls of an empty function, one thread
    bench_workload.py deep DEPTH           spin with DEPTH Python frames until killed
    bench_workload.py deep-nap DEPTH       the same, sleeping 0.5 ms between calls: off
                                           a CPU most of the time, but a new stack at
                                           every tick (walked by --idle's iterator)
    bench_workload.py spin-threads N       N threads doing the cpu work until killed
    bench_workload.py sleep-threads N [MS] N threads (the main one too) asleep until
                                           killed; with MS, each wakes every MS ms for
                                           a few µs of work (a realistic idle pool)

cpu, threads, gc-heavy and calls time only the work (not interpreter start-up
nor exit) and print one JSON line to stdout, {"wall": s, "cpu": s,
"proc_cpu": s, "pid": n}: wall is time.perf_counter() around the work, cpu
is time.process_time() around it, proc_cpu is the process's CPU time (user +
sys, getrusage) since it started, pid lets the caller reap it; gc-heavy adds
"collections", the interpreter's own count (gc.get_stats) during the work.
deep and spin-threads print "ready" once they spin in shape.
"""

import gc
import json
import os
import resource
import sys
import threading
import time

# Units of work in a cpu run: ~2.5 s alone on pyenv 3.12 on the bench machine.
UNITS = 1200


def unit(seed):
    """One unit of work: calls a few levels deep, loops, arithmetic, small
    dicts and lists, like ordinary application code (~2 ms on 3.12)."""
    total = 0
    for i in range(200):
        total += layer1(seed + i)
    return total


def layer1(x):
    return layer2(x) + layer2(x + 1)


def layer2(x):
    d = {}
    for k in range(20):
        d[k] = (x * k) % 97
    return layer3(d, x)


def layer3(d, x):
    words = [str(v) for v in d.values()]
    return sum(len(w) for w in words) + leaf(x)


def leaf(x):
    acc = 0
    for k in range(30):
        acc = (acc * 31 + x + k) & 0xFFFF
    return acc


def report(wall, cpu, **extra):
    r = resource.getrusage(resource.RUSAGE_SELF)  # exact, unlike os.times()' ticks
    res = {"wall": wall, "cpu": cpu, "proc_cpu": r.ru_utime + r.ru_stime, "pid": os.getpid()}
    res.update(extra)
    print(json.dumps(res), flush=True)


def run_cpu(scale):
    units = int(UNITS * scale)
    w0, c0 = time.perf_counter(), time.process_time()
    for u in range(units):
        unit(u)
    report(time.perf_counter() - w0, time.process_time() - c0)


# Units of work in a gc-heavy run: ~2 s alone on Debian's 3.11 on the bench machine.
GC_UNITS = 1000


class Node:
    """A cycle by itself (node.me is node): only the collector frees it."""

    def __init__(self, i):
        self.me = self
        self.payload = [i]


def gc_unit(seed):
    """One unit of allocation-heavy work: 1000 nodes, two tracked objects
    each, kept until the unit ends, with a little arithmetic for each (leaf).
    Every 700 allocations (3.8-3.12's gen0 threshold) set off a collection:
    ~2.7 a unit, ~1400 a second, ~15 % of the time in the collector (on
    3.11); without leaf() the collector would take half of it."""
    batch = []
    for i in range(1000):
        batch.append(Node(leaf(seed + i)))
    return len(batch)


def gc_count():
    return sum(g["collections"] for g in gc.get_stats())


def run_gc_heavy(scale):
    units = int(GC_UNITS * scale)
    gc.collect()  # start from a clean heap: every run does the same collections
    n0 = gc_count()
    w0, c0 = time.perf_counter(), time.process_time()
    for u in range(units):
        gc_unit(u)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    report(wall, cpu, collections=gc_count() - n0)


def empty():
    pass


def run_calls(n):
    """n calls of empty(): the interpreter's call path and little else, so
    that a per-call cost (a uprobe on function__entry) stands out."""
    f = empty
    w0, c0 = time.perf_counter(), time.process_time()
    for _ in range(n):
        f()
    report(time.perf_counter() - w0, time.process_time() - c0)


def run_threads(nthreads, scale):
    """The cpu work split over nthreads threads started together; timed from
    the start signal to the last join, so thread creation is not counted."""
    units = int(UNITS * scale)
    share = [units // nthreads + (1 if i < units % nthreads else 0) for i in range(nthreads)]
    start = threading.Barrier(nthreads + 1)

    def worker(n, base):
        start.wait()
        for u in range(n):
            unit(base + u)

    # Pure-Python threads need little stack; 500 * 8 MiB would only
    # reserve address space, but small stacks keep the process light.
    threading.stack_size(1 << 20)
    threads = [threading.Thread(target=worker, args=(n, sum(share[:i])))
               for i, n in enumerate(share)]
    for t in threads:
        t.start()
    w0, c0 = time.perf_counter(), time.process_time()
    start.wait()
    for t in threads:
        t.join()
    report(time.perf_counter() - w0, time.process_time() - c0)


def spin_at(levels, depth, nap=0.0):
    """Recurses `levels` more times, then calls leaf() forever (sleeping
    nap seconds between calls, if any): leaf's stack then holds `depth`
    Python frames, time.sleep's one fewer."""
    if levels > 1:
        return spin_at(levels - 1, depth, nap)
    print("ready", flush=True)
    while True:
        leaf(depth)
        if nap:
            time.sleep(nap)


def run_deep(depth, nap=0.0):
    sys.setrecursionlimit(depth + 100)
    # <module>, main and run_deep are below, leaf above the spin_at frames.
    spin_at(depth - 4, depth, nap)


def run_spin_threads(nthreads):
    """nthreads threads doing units of work forever; "ready" once all run."""
    start = threading.Barrier(nthreads + 1)

    def worker(base):
        start.wait()
        u = base
        while True:
            unit(u)
            u += 1

    threading.stack_size(1 << 20)
    for i in range(nthreads):
        threading.Thread(target=worker, args=(i,), daemon=True).start()
    start.wait()
    print("ready", flush=True)
    while True:
        time.sleep(1)


def run_sleep_threads(nthreads, wake_ms):
    """nthreads - 1 threads plus the main one, each asleep in time.sleep
    (a few frames deep, as in real code) forever, or waking every wake_ms
    ms, each at its own phase, for a little work; "ready" once all sleep."""
    start = threading.Barrier(nthreads)

    def nap(i):
        if wake_ms is None:
            while True:
                time.sleep(3600)
        period = wake_ms / 1000.0
        time.sleep(period * i / nthreads)  # spread the wake-ups over the period
        while True:
            leaf(i)
            time.sleep(period)

    def worker(i):
        start.wait()
        nap(i)

    threading.stack_size(1 << 20)
    for i in range(1, nthreads):
        threading.Thread(target=worker, args=(i,), daemon=True).start()
    start.wait()
    print("ready", flush=True)
    nap(0)


def main(argv):
    mode = argv[1] if len(argv) > 1 else ""
    if mode == "cpu" and len(argv) <= 3:
        run_cpu(float(argv[2]) if len(argv) > 2 else 1.0)
    elif mode == "gc-heavy" and len(argv) <= 3:
        run_gc_heavy(float(argv[2]) if len(argv) > 2 else 1.0)
    elif mode == "calls" and len(argv) == 3 and int(argv[2]) >= 1:
        run_calls(int(argv[2]))
    elif mode == "threads" and 3 <= len(argv) <= 4:
        run_threads(int(argv[2]), float(argv[3]) if len(argv) > 3 else 1.0)
    elif mode == "deep" and len(argv) == 3 and int(argv[2]) >= 5:
        run_deep(int(argv[2]))
    elif mode == "deep-nap" and len(argv) == 3 and int(argv[2]) >= 5:
        run_deep(int(argv[2]), 0.0005)
    elif mode == "spin-threads" and len(argv) == 3:
        run_spin_threads(int(argv[2]))
    elif mode == "sleep-threads" and 3 <= len(argv) <= 4 and int(argv[2]) >= 1:
        run_sleep_threads(int(argv[2]), float(argv[3]) if len(argv) > 3 else None)
    else:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
