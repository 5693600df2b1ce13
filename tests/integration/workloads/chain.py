# chain.py: a thread (w-chain) that descends driver -> f1 -> ... -> f6 and
# returns, over and over, for argv[1] seconds: f_k is only ever called by
# f_(k-1), so any sampled stack with another pair of neighbours was torn
# (read while the thread pushed or popped frames). The main thread only
# waits (join).
import sys
import threading
import time


def f6(n):
    for i in range(20):
        n += i
    return n


def f5(n):
    return f6(n + 1) + 1


def f4(n):
    return f5(n + 1) + 1


def f3(n):
    return f4(n + 1) + 1


def f2(n):
    return f3(n + 1) + 1


def f1(n):
    return f2(n + 1) + 1


def driver(seconds):
    end = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < end:
        n = f1(n) & 0xffff


def main():
    t = threading.Thread(target=driver, args=(float(sys.argv[1]),), name="w-chain")
    t.start()
    t.join()


if __name__ == "__main__":
    main()
