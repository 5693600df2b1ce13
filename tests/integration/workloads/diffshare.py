# diffshare.py: hot() takes SHARE of the CPU time and other() the rest, for
# SECONDS of CPU time: two runs with different shares make a diff with a
# known answer. Every loop iteration costs the same, so the split is the
# ratio of iteration counts.
import sys
import time


def hot(n):
    x = 0
    for i in range(n):
        x += (i * i + (i ^ 3) - (i & 7)) % 7
    return x


def other(n):
    x = 0
    for i in range(n):
        x += (i * i + (i ^ 3) - (i & 7)) % 7
    return x


def run(share, seconds, unit=20000):
    end = time.process_time() + seconds
    while time.process_time() < end:
        hot(round(share * unit))
        other(round((1 - share) * unit))


if __name__ == "__main__":
    run(float(sys.argv[1]), float(sys.argv[2]) if len(sys.argv) > 2 else 2.0)
