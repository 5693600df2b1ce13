# gc_counts.py: prints "ready", waits for argv[1] to exist (the profiler is
# attached by then), then collects cyclic garbage for argv[2] seconds with
# automatic collections on, and writes the collections per generation of
# that window (gc.get_stats() deltas) to argv[3]. The collector is off
# outside the window, so no collection falls outside it.
import gc
import json
import os
import sys
import time


class Node:
    def __init__(self):
        self.me = self


def main(go, seconds, out):
    gc.disable()
    print("ready", flush=True)
    while not os.path.exists(go):
        time.sleep(0.01)
    s0 = gc.get_stats()
    gc.enable()
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        [Node() for _ in range(1000)]
    gc.disable()
    s1 = gc.get_stats()
    with open(out, "w") as f:
        json.dump([b["collections"] - a["collections"] for a, b in zip(s0, s1)], f)
    sys.stdout.flush()
    time.sleep(30)  # the test ends the capture and kills it


main(sys.argv[1], float(sys.argv[2]), sys.argv[3])
