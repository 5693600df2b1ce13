# tagged.py: a template. The tests write it out once per process as
# w_TAG.py with TAG replaced, so that every process has functions of its own
# names: a 75/25 split of CPU time between heavy_TAG and light_TAG (the
# same function body, called three times as often), until
# killed (or for argv[1] CPU seconds). Prints "ready" once it runs.
# Which one runs next is drawn at random: a fixed heavy-heavy-heavy-light
# cycle could keep step with the sampling period (seen under qemu: 0.82).
# Each function's own CPU time is measured too, and written every ~100
# calls to the script's path + ".truth.json" (under qemu the split of CPU
# time is not the split of calls: 0.81 seen). Nothing is imported for it
# (random imports os anyway): under qemu, json's imports alone kept sid's
# 3.15 from starting for 9 s.
import os
import random
import sys
import time


def heavy_TAG(n):
    x = 0
    for i in range(n):
        x += (i * i + (i ^ 3)) % 7  # HOT:heavy
    return x


def light_TAG(n):
    x = 0
    for i in range(n):
        x += (i * i + (i ^ 3)) % 7  # HOT:light
    return x


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 1e9
    spent = {"heavy_TAG": 0, "light_TAG": 0}
    print("ready", flush=True)
    rng = random.Random(75)
    clock = time.thread_time_ns
    end = time.process_time() + seconds
    calls = 0
    while time.process_time() < end:
        # Calls of one size: per-iteration costs differ with the numbers'
        # sizes (3.15 caches more small ints), per-call costs do not.
        # Short ones (~0.3 ms here): many per sampling period under qemu.
        func = heavy_TAG if rng.random() < 0.75 else light_TAG
        t0 = clock()
        func(2000)
        spent[func.__name__] += clock() - t0
        calls += 1
        if calls % 100 == 0:  # whole files only: the process is killed at any time
            with open(__file__ + ".tmp", "w") as f:
                f.write('{"heavy_TAG": %d, "light_TAG": %d}' % (spent["heavy_TAG"],
                                                                 spent["light_TAG"]))
            os.replace(__file__ + ".tmp", __file__ + ".truth.json")


if __name__ == "__main__":
    main()
