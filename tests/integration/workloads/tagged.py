# tagged.py: a template. The tests write it out once per process as
# w_TAG.py with TAG replaced, so that every process has functions of its own
# names: a 75/25 split of CPU time between heavy_TAG and light_TAG (the
# same function body, called three times as often), until
# killed (or for argv[1] CPU seconds). Prints "ready" once it runs.
# Which one runs next is drawn at random: a fixed heavy-heavy-heavy-light
# cycle could keep step with the sampling period (seen under qemu: 0.82).
import random
import sys
import time


def heavy_TAG(n):
    x = 0
    for i in range(n):
        x += (i * i + (i ^ 3)) % 7  # HOT:heavy
    return x


def light_TAG(n):
    x = 0
    for i in range(n):
        x += (i * i + (i ^ 3)) % 7  # HOT:light
    return x


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 1e9
    print("ready", flush=True)
    rng = random.Random(75)
    end = time.process_time() + seconds
    while time.process_time() < end:
        # Calls of one size: per-iteration costs differ with the numbers'
        # sizes (3.15 caches more small ints), per-call costs do not.
        # Short ones (~0.3 ms here): many per sampling period under qemu.
        (heavy_TAG if rng.random() < 0.75 else light_TAG)(2000)


if __name__ == "__main__":
    main()
