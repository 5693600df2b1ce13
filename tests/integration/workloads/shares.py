# shares.py: three functions with a known CPU split (60/30/10 %), nested
# main -> run -> {Worker.heavy, medium, light}. Every loop iteration costs
# the same, so the split is the ratio of iteration counts.
import sys
import time


class Worker:
    def heavy(self, n):
        x = 0
        for i in range(n):
            x += (i * i + (i ^ 3) - (i & 7)) % 7  # HOT:heavy
        return x


def medium(n):
    x = 0
    for i in range(n):
        x += (i * i + (i ^ 3) - (i & 7)) % 7  # HOT:medium
    return x


def light(n):
    x = 0
    for i in range(n):
        x += (i * i + (i ^ 3) - (i & 7)) % 7  # HOT:light
    return x


def run(seconds, unit):
    # CPU seconds, not wall seconds: on a busy machine the workload still
    # gets the same number of samples.
    w = Worker()
    end = time.process_time() + seconds
    while time.process_time() < end:
        w.heavy(6 * unit)
        medium(3 * unit)
        light(unit)


def main():
    run(float(sys.argv[1]) if len(sys.argv) > 1 else 3.0, 20000)


if __name__ == "__main__":
    main()
