# calls.py: once argv[1] exists (the profiler's probes are attached),
# calls f exactly 100000 times and g exactly 12345 times. Each call does some
# work, so that both functions are sampled (~0.1 s and ~0.2 s of CPU): a flame
# graph has a frame, and so a call count, only for a function with samples.
import os
import sys
import time


def f():
    x = 0
    for i in range(20):
        x += i
    return x


def g():
    x = 0
    for i in range(400):
        x += i
    return x


while not os.path.exists(sys.argv[1]):
    time.sleep(0.01)
for _ in range(100000):
    f()
for _ in range(12345):
    g()
