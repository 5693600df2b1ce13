# callers.py: a known split for pstats: hot() does 5 units of work of every
# 8, helper() 3, called from two places: left() asks it for 2 units, right()
# for 1. Every loop iteration costs the same, so hot's share is 5/8 and
# helper's callers share its time 2:1. Each part's own CPU time is measured
# too (the truth file), as shares.py does, and how many rounds ran (each
# calls hot, left and right once, helper twice). With a third argument, a
# file, it starts once that file exists (the profiler's probes attached).
import json
import os
import sys
import time


def hot(n):
    x = 0
    for i in range(n):
        x += (i * i + (i ^ 3) - (i & 7)) % 7
    return x


def helper(n):
    x = 0
    for i in range(n):
        x += (i * i + (i ^ 3) - (i & 7)) % 7
    return x


def left(n):
    return helper(2 * n)


def right(n):
    return helper(n)


def run(seconds, unit, truth=None):
    spent = {"hot": 0, "left": 0, "right": 0, "rounds": 0}
    clock = time.thread_time_ns
    end = time.process_time() + seconds
    while time.process_time() < end:
        t0 = clock()
        hot(5 * unit)
        t1 = clock()
        left(unit)
        t2 = clock()
        right(unit)
        t3 = clock()
        spent["hot"] += t1 - t0
        spent["left"] += t2 - t1
        spent["right"] += t3 - t2
        spent["rounds"] += 1
    if truth:
        with open(truth, "w") as f:
            json.dump(spent, f)


if __name__ == "__main__":
    while len(sys.argv) > 3 and not os.path.exists(sys.argv[3]):
        time.sleep(0.01)
    run(float(sys.argv[1]) if len(sys.argv) > 1 else 3.0, 20000,
        sys.argv[2] if len(sys.argv) > 2 else None)
