# lines.py: three functions with a known CPU split (60/30/10 %), each doing
# all its work on one known line (the loop and its body on one line, so
# that the loop's own instructions count there too). The truth file has
# each function's CPU time and the whole process's, as the process measured
# them.
import json
import sys
import time


def sixty(n):
    x = 0
    for i in range(6 * n): x += (i * i + (i ^ 3) - (i & 7)) % 7  # HOT:sixty
    return x


def thirty(n):
    x = 0
    for i in range(3 * n): x += (i * i + (i ^ 3) - (i & 7)) % 7  # HOT:thirty
    return x


def ten(n):
    x = 0
    for i in range(n): x += (i * i + (i ^ 3) - (i & 7)) % 7  # HOT:ten
    return x


def run(seconds, unit, truth=None):
    spent = {"sixty": 0, "thirty": 0, "ten": 0}
    clock = time.thread_time_ns
    end = time.process_time() + seconds
    while time.process_time() < end:
        t0 = clock()
        sixty(unit)
        t1 = clock()
        thirty(unit)
        t2 = clock()
        ten(unit)
        t3 = clock()
        spent["sixty"] += t1 - t0
        spent["thirty"] += t2 - t1
        spent["ten"] += t3 - t2
    if truth:
        spent["process"] = time.process_time_ns()
        with open(truth, "w") as f:
            json.dump(spent, f)


if __name__ == "__main__":
    run(float(sys.argv[1]) if len(sys.argv) > 1 else 3.0, 20000,
        sys.argv[2] if len(sys.argv) > 2 else None)
