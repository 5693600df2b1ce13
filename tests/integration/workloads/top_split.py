# top_split.py: `pyhawk top`'s workload: a 60/30/10 split of CPU time among
# three leaves, topsplit_sixty, topsplit_thirty and topsplit_ten, called 6, 3
# and 1 times per round by topsplit_outer (calls of one size: the same body
# costs the same per call on every interpreter). topsplit_outer is the first
# frame of its thread (_thread.start_new_thread: no threading frames below
# it), so by %Total it comes first. Each leaf's loop is one line (marked
# LOOP:name), so by line its samples fall on that line; CALL:name marks the
# outer function's call of each leaf.
# argv: [CPU seconds, default until killed] [exit status, default 0]
# [PID file]. Prints "ready" once the worker thread runs.
import _thread
import os
import sys
import time

N = 20000


def topsplit_sixty(n):
    i = x = 0
    while i < n: i += 1; x += (i * i + (i ^ 3)) % 7  # noqa: E701 LOOP:topsplit_sixty
    return x


def topsplit_thirty(n):
    i = x = 0
    while i < n: i += 1; x += (i * i + (i ^ 3)) % 7  # noqa: E701 LOOP:topsplit_thirty
    return x


def topsplit_ten(n):
    i = x = 0
    while i < n: i += 1; x += (i * i + (i ^ 3)) % 7  # noqa: E701 LOOP:topsplit_ten
    return x


def topsplit_outer(seconds, started, done):
    started.release()
    end = time.process_time() + seconds
    while time.process_time() < end:
        for _ in range(6):
            topsplit_sixty(N)  # CALL:topsplit_sixty
        for _ in range(3):
            topsplit_thirty(N)  # CALL:topsplit_thirty
        topsplit_ten(N)  # CALL:topsplit_ten
    done.release()


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 1e9
    status = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    if len(sys.argv) > 3:
        with open(sys.argv[3], "w") as f:
            f.write("%d\n" % os.getpid())
    started, done = _thread.allocate_lock(), _thread.allocate_lock()
    started.acquire()
    done.acquire()
    _thread.start_new_thread(topsplit_outer, (seconds, started, done))
    started.acquire()
    print("ready", flush=True)
    done.acquire()
    sys.exit(status)


if __name__ == "__main__":
    main()
