# short_threads.py: N threads named "short-000", "short-001", ... started one
# after another, each spinning SECONDS of its own CPU time and then ending
# before the next starts (glibc gives each the last one's stack, so they
# share a pthread id). Prints "THREAD NAME NATIVE_ID" for each at the end.
#
#     short_threads.py N SECONDS
import sys
import threading
import time


def spin(cpu, ids):
    ids.append((threading.current_thread().name, threading.get_native_id()))
    end = time.thread_time() + cpu
    while time.thread_time() < end:
        pass


def main():
    n, cpu = int(sys.argv[1]), float(sys.argv[2])
    ids = []
    for i in range(n):
        t = threading.Thread(target=spin, args=(cpu, ids), name="short-%03d" % i)
        t.start()
        t.join()
    for name, tid in ids:
        print("THREAD %s %d" % (name, tid))


if __name__ == "__main__":
    main()
