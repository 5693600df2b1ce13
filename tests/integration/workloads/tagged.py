# tagged.py: a template. The tests write it out once per process as
# w_TAG.py with TAG replaced, so that every process has functions of its own
# names: a 75/25 split of CPU time between heavy_TAG and light_TAG (the
# same function body, called three times as often), until
# killed (or for argv[1] CPU seconds). Prints "ready" once it runs.
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
    end = time.process_time() + seconds
    while time.process_time() < end:
        # Calls of one size: per-iteration costs differ with the numbers'
        # sizes (3.15 caches more small ints), per-call costs do not.
        heavy_TAG(20000)
        heavy_TAG(20000)
        heavy_TAG(20000)
        light_TAG(20000)


if __name__ == "__main__":
    main()
