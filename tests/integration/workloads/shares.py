# shares.py: three functions with a known CPU split (60/30/10 %), nested
# main -> run -> {Worker.heavy, medium, light}. Every loop iteration costs
# the same, so the split is the ratio of iteration counts.
import json
import sys
import time


class Worker:
    def heavy(self, n):
        x = 0
        for i in range(n):
            x += (i * i + (i ^ 3) - (i & 7)) % 7  # HOT:heavy
        return x


def medium(n):
    x = 0
    for i in range(n):
        x += (i * i + (i ^ 3) - (i & 7)) % 7  # HOT:medium
    return x


def light(n):
    x = 0
    for i in range(n):
        x += (i * i + (i ^ 3) - (i & 7)) % 7  # HOT:light
    return x


def run(seconds, unit, truth=None):
    # CPU seconds, not wall seconds: on a busy machine the workload still
    # gets the same number of samples. Each function's own CPU time is
    # measured too (truth: where the split is not what the iteration counts
    # say, e.g. under an emulator whose cost per instruction varies).
    w = Worker()
    spent = {"heavy": 0, "medium": 0, "light": 0}
    clock = time.thread_time_ns
    end = time.process_time() + seconds
    while time.process_time() < end:
        t0 = clock()
        w.heavy(6 * unit)
        t1 = clock()
        medium(3 * unit)
        t2 = clock()
        light(unit)
        t3 = clock()
        spent["heavy"] += t1 - t0
        spent["medium"] += t2 - t1
        spent["light"] += t3 - t2
    if truth:
        with open(truth, "w") as f:
            json.dump(spent, f)


def main():
    run(float(sys.argv[1]) if len(sys.argv) > 1 else 3.0, 20000,
        sys.argv[2] if len(sys.argv) > 2 else None)


if __name__ == "__main__":
    main()
