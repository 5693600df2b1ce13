# phases.py: the workloads' own clock for threads that run in phases: the
# wall time (perf_counter) and CPU time (thread_time) of each phase function,
# summed over its calls, and the thread's truth record built from them,
# with the kernel's account of the thread (schedstat: time on a CPU, time
# runnable but waiting for one).
import json
import threading
import time


class Clock:
    """One thread's clock, started where its measured part starts."""

    def __init__(self):
        self.wall, self.cpu = {}, {}
        self.t0, self.c0 = time.perf_counter(), time.thread_time()
        self.s0 = schedstat()


def schedstat():
    """(seconds on a CPU, seconds waiting on a run queue) of this thread."""
    with open("/proc/thread-self/schedstat") as f:
        oncpu, runqueue, _ = f.read().split()
    return int(oncpu) / 1e9, int(runqueue) / 1e9


def timed(clock, func, *args):
    """Calls func(*args) and adds its wall and CPU time under its name."""
    t0, c0 = time.perf_counter(), time.thread_time()
    result = func(*args)
    name = func.__name__
    clock.wall[name] = clock.wall.get(name, 0.0) + time.perf_counter() - t0
    clock.cpu[name] = clock.cpu.get(name, 0.0) + time.thread_time() - c0
    return result


def report(clock):
    """The thread's record: tid, wall and CPU time since the clock started,
    the seconds it was on a CPU and runnable (oncpu, runnable: schedstat),
    and per phase (phases: wall, phases_cpu)."""
    s1 = schedstat()
    return {"tid": threading.get_native_id(), "phases": clock.wall, "phases_cpu": clock.cpu,
            "wall": time.perf_counter() - clock.t0, "cpu": time.thread_time() - clock.c0,
            "oncpu": s1[0] - clock.s0[0], "runnable": s1[1] - clock.s0[1]}


def spin_for(seconds):
    """Pure Python for that long (it holds the GIL if nobody else wants it)."""
    end = time.perf_counter() + seconds
    x = 0
    while time.perf_counter() < end:
        x += 1


def sleep_for(seconds):
    time.sleep(seconds)


def duty_cycle(clock, seconds, spin, sleep):
    """Cycles of spin_for(spin) and sleep_for(sleep) for seconds."""
    while time.perf_counter() < clock.t0 + seconds:
        timed(clock, spin_for, spin)
        timed(clock, sleep_for, sleep)


def run_threads(threads, start, results, out, meanwhile=None):
    """Starts the threads, lets them go (start: their Event), calls
    meanwhile() if given, waits for them and writes results to out."""
    for t in threads:
        t.start()
    start.set()
    if meanwhile:
        meanwhile()
    for t in threads:
        t.join()
    with open(out, "w") as f:
        json.dump(results, f)
