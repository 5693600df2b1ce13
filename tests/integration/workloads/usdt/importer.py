# importer.py: once argv[2] exists (the profiler's probes are attached),
# spins 0.3 s, imports slowmod (0.6 s of top-level code),
# spins 0.4 s; the wall and CPU time of the import and of the whole
# measured part go to argv[1] as JSON (written by hand: importing json would be an
# import of its own, slower than slowmod on a loaded machine).
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def spin(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def main(out, go):
    while not os.path.exists(go):
        time.sleep(0.01)
    c0 = time.thread_time()
    spin(0.3)
    t1, c1 = time.perf_counter(), time.thread_time()
    import slowmod  # noqa: F401
    t2, c2 = time.perf_counter(), time.thread_time()
    spin(0.4)
    c3 = time.thread_time()
    with open(out, "w") as f:
        f.write('{"import": %r, "import_cpu": %r, "cpu": %r}' % (t2 - t1, c2 - c1, c3 - c0))


main(sys.argv[1], sys.argv[2])
