# diffshare.py: hot() takes SHARE of the CPU time and other() the rest, for
# SECONDS of CPU time: two runs with different shares make a diff with a
# known answer. Both functions cost the same per call, and which one runs
# next is drawn at random with probability SHARE: a fixed hot-then-other
# cycle of a few milliseconds aliased with the sampling period (400 Hz) and
# gave hot 0.68 instead of 0.60 on one machine.
import random
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


def run(share, seconds, unit=1000):
    rng = random.Random(7)
    end = time.process_time() + seconds
    while time.process_time() < end:
        (hot if rng.random() < share else other)(unit)


if __name__ == "__main__":
    run(float(sys.argv[1]), float(sys.argv[2]) if len(sys.argv) > 2 else 2.0)
