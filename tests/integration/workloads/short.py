# short.py: a whole Python process that lives about 50 ms: a busy function
# for ~30 ms after start-up, then exit. Its names must still be resolved.
import time


def short_lived_work():
    end = time.perf_counter() + 0.03
    x = 0
    while time.perf_counter() < end:
        x += 1  # HOT:short
    return x


short_lived_work()
