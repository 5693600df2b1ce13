# gc_share.py: a loop whose CPU time is split between building cyclic
# garbage and the collector reclaiming it, for argv[1] seconds; the share
# of the loop's CPU spent in collections (gc.callbacks: thread CPU time
# between "start" and "stop") and the collections per generation
# (gc.get_stats() deltas) go to argv[2] as JSON. Collections are made
# large (a high generation-0 threshold) so the callbacks' own cost is
# negligible beside them.
import gc
import json
import sys
import time


class Node:
    def __init__(self):
        self.me = self  # a cycle: only the collector frees it


def build(n):
    nodes = [Node() for _ in range(n)]
    return len(nodes)


def measured(seconds, out):
    spent = [0.0, 0.0]  # in collections, start of the current one

    def on_gc(phase, info):
        if phase == "start":
            spent[1] = time.thread_time()
        else:
            spent[0] += time.thread_time() - spent[1]

    gc.set_threshold(20000, 10, 10)
    stats0 = gc.get_stats()
    gc.callbacks.append(on_gc)
    c0, end = time.thread_time(), time.perf_counter() + seconds
    while time.perf_counter() < end:
        build(2000)
    cpu = time.thread_time() - c0
    gc.callbacks.remove(on_gc)
    stats1 = gc.get_stats()
    with open(out, "w") as f:
        json.dump({"gc_share": spent[0] / cpu, "cpu": cpu,
                   "collections": [b["collections"] - a["collections"]
                                   for a, b in zip(stats0, stats1)]}, f)


if __name__ == "__main__":
    measured(float(sys.argv[1]), sys.argv[2])
