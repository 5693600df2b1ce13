# calls.py: after a pause (the probes attach meanwhile), calls f exactly
# 100000 times and g exactly 12345 times.
import time


def f():
    pass


def g():
    pass


time.sleep(float(__import__("sys").argv[1]))
for _ in range(100000):
    f()
for _ in range(12345):
    g()
