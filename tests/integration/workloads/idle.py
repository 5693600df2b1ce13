# idle.py: threads whose wall-clock split is known, measured here, for
# --idle. For argv[1] seconds:
#   w-cpu     cpu_loop: a pure-Python loop, all the time
#   w-sleep   sleep_phase: one time.sleep
#   w-lock    lock_phase: blocked on a threading.Lock the main thread holds
#   w-read    read_phase: blocked reading a pipe the main thread writes to
#             at the end
#   w-mixed   cycles of mixed_cpu (a ~30 ms pure-Python loop) and
#             mixed_sleep (~70 ms of time.sleep)
# Each thread measures with perf_counter the wall time it spent in
# worker() and in each phase function, and with thread_time the CPU time;
# the truth goes to argv[2] as JSON: {name: {tid, wall, cpu, phases,
# phases_cpu}}.
import json
import os
import sys
import threading
import time

HELD = threading.Lock()
PIPE_R, PIPE_W = os.pipe()


def cpu_loop(end):
    x = 0
    while time.perf_counter() < end:
        x += 1


def sleep_phase(seconds):
    time.sleep(seconds)


def lock_phase(seconds):
    HELD.acquire(timeout=seconds)


def read_phase():
    os.read(PIPE_R, 1)


def mixed_cpu(seconds):
    end = time.perf_counter() + seconds
    x = 0
    while time.perf_counter() < end:
        x += 1


def mixed_sleep(seconds):
    time.sleep(seconds)


def timed(phases, cpu, func, *args):
    t0, c0 = time.perf_counter(), time.thread_time()
    func(*args)
    name = func.__name__
    phases[name] = phases.get(name, 0.0) + time.perf_counter() - t0
    cpu[name] = cpu.get(name, 0.0) + time.thread_time() - c0


def worker(kind, seconds, start, truth):
    start.wait()
    t0, c0 = time.perf_counter(), time.thread_time()
    phases, cpu = {}, {}
    if kind == "cpu":
        timed(phases, cpu, cpu_loop, t0 + seconds)
    elif kind == "sleep":
        timed(phases, cpu, sleep_phase, seconds)
    elif kind == "lock":
        timed(phases, cpu, lock_phase, seconds)
    elif kind == "read":
        timed(phases, cpu, read_phase)
    else:
        while time.perf_counter() < t0 + seconds:
            timed(phases, cpu, mixed_cpu, 0.03)
            timed(phases, cpu, mixed_sleep, 0.07)
    truth["w-" + kind] = {"tid": threading.get_native_id(), "phases": phases,
                          "phases_cpu": cpu, "wall": time.perf_counter() - t0,
                          "cpu": time.thread_time() - c0}


def main():
    seconds, out = float(sys.argv[1]), sys.argv[2]
    HELD.acquire()
    start, truth = threading.Event(), {}
    threads = [threading.Thread(target=worker, args=(kind, seconds, start, truth),
                                name="w-" + kind)
               for kind in ("cpu", "sleep", "lock", "read", "mixed")]
    for t in threads:
        t.start()
    start.set()
    time.sleep(seconds)
    os.write(PIPE_W, b"x")
    for t in threads:
        t.join()
    with open(out, "w") as f:
        json.dump(truth, f)


if __name__ == "__main__":
    main()
