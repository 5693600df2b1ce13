# calls.py: once argv[1] exists (the profiler's probes are attached),
# calls f exactly 100000 times and g exactly 12345 times.
import os
import sys
import time


def f():
    pass


def g():
    pass


while not os.path.exists(sys.argv[1]):
    time.sleep(0.01)
for _ in range(100000):
    f()
for _ in range(12345):
    g()
