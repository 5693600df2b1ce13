# short.py: a whole Python process that lives about 50 ms: a busy function
# for ~30 ms of its own CPU time after start-up (CPU time, so that it gets
# its samples however busy the machine), then exit. Its names must still be
# resolved.
import time


def short_lived_work():
    end = time.process_time() + 0.03
    x = 0
    while time.process_time() < end:
        x += 1  # HOT:short
    return x


short_lived_work()
