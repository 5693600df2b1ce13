# idle.py: threads whose wall-clock split is known, measured here, for
# --idle. For argv[1] seconds:
#   w-cpu     cpu_loop: a pure-Python loop, all the time
#   w-sleep   sleep_phase: one time.sleep
#   w-lock    lock_phase: blocked on a threading.Lock the main thread holds
#   w-read    read_phase: blocked reading a pipe the main thread writes to
#             at the end
#   w-mixed   cycles of spin_for (a ~30 ms pure-Python loop) and
#             sleep_for (~70 ms of time.sleep), phases.py's
# Each thread measures (phases.py) the wall and CPU time it spent in
# worker() and in each phase function; the truth goes to argv[2] as JSON:
# {name: {tid, wall, cpu, phases, phases_cpu}}.
import os
import sys
import threading
import time

from phases import Clock, duty_cycle, report, run_threads, timed

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


def worker(kind, seconds, start, truth):
    start.wait()
    clock = Clock()
    t0 = clock.t0
    if kind == "cpu":
        timed(clock, cpu_loop, t0 + seconds)
    elif kind == "sleep":
        timed(clock, sleep_phase, seconds)
    elif kind == "lock":
        timed(clock, lock_phase, seconds)
    elif kind == "read":
        timed(clock, read_phase)
    else:
        duty_cycle(clock, seconds, 0.03, 0.07)
    truth["w-" + kind] = report(clock)


def main():
    seconds, out = float(sys.argv[1]), sys.argv[2]
    HELD.acquire()
    start, truth = threading.Event(), {}
    threads = [threading.Thread(target=worker, args=(kind, seconds, start, truth),
                                name="w-" + kind)
               for kind in ("cpu", "sleep", "lock", "read", "mixed")]
    # The reader's pipe gets its byte when the others are done.
    run_threads(threads, start, truth, out,
                meanwhile=lambda: (time.sleep(seconds), os.write(PIPE_W, b"x")))


if __name__ == "__main__":
    main()
