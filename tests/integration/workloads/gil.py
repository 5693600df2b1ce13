# gil.py: threads whose hold on the GIL is known, for --gil and --idle.
#   gil.py hash SECONDS OUT        w-spin: py_spin, pure Python (holds the
#                                  GIL but for switches); w-hash: hash_loop,
#                                  sha256 of 8 MiB buffers (hashlib releases
#                                  the GIL while it hashes)
#   gil.py contend SECONDS OUT     the same and w-contend: contend_spin, a
#                                  second pure-Python spinner, so that two
#                                  threads want the GIL all the time
#   gil.py duty SECONDS OUT        w-duty alone: cycles of spin_for (40 ms
#                                  of pure Python) and sleep_for (60 ms); it
#                                  prints "ready" when it starts, for -p
# The main thread only waits (join: no GIL). Each thread measures (phases.py)
# its wall and CPU time and those of its phases; the truth goes to OUT as
# JSON: {name: {tid, wall, cpu, phases, phases_cpu}}.
import hashlib
import sys
import threading
import time

from phases import Clock, duty_cycle, report, run_threads, timed

BUFFER = b"\x5a" * (8 << 20)


def py_spin(end):
    x = 0
    while time.perf_counter() < end:
        x += 1


def contend_spin(end):
    x = 0
    while time.perf_counter() < end:
        x += 1


def hash_loop(end):
    while time.perf_counter() < end:
        hashlib.sha256(BUFFER).digest()


def worker(func, seconds, start, results):
    start.wait()
    clock = Clock()
    if func is duty_cycle:
        print("ready", flush=True)
        duty_cycle(clock, seconds, 0.04, 0.06)
    else:
        timed(clock, func, clock.t0 + seconds)
    results[threading.current_thread().name] = report(clock)


def main():
    mode, seconds, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    funcs = {"hash": [py_spin, hash_loop], "contend": [py_spin, hash_loop, contend_spin],
             "duty": [duty_cycle]}[mode]
    names = {py_spin: "w-spin", hash_loop: "w-hash", contend_spin: "w-contend",
             duty_cycle: "w-duty"}
    start, results = threading.Event(), {}
    threads = [threading.Thread(target=worker, args=(f, seconds, start, results), name=names[f])
               for f in funcs]
    run_threads(threads, start, results, out)


if __name__ == "__main__":
    main()
