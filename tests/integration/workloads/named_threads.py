# named_threads.py: two threads named by threading, "busy-A" and "busy-B",
# spinning for 2 * UNIT and UNIT seconds of their own CPU time (a 2/3 - 1/3
# split of the on-CPU samples, however the GIL interleaves them). Once both
# run, prints "THREAD NAME NATIVE_ID" for them and for MainThread, then
# waits for them.
#
#     named_threads.py [UNIT]
import sys
import threading
import time


def spin(cpu):
    end = time.thread_time() + cpu
    while time.thread_time() < end:
        pass


def main():
    unit = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    started = threading.Barrier(3)

    def work(cpu):
        started.wait()
        spin(cpu)

    threads = [threading.Thread(target=work, args=(2 * unit,), name="busy-A"),
               threading.Thread(target=work, args=(unit,), name="busy-B")]
    for t in threads:
        t.start()
    started.wait()
    for t in [threading.current_thread()] + threads:
        print("THREAD %s %d" % (t.name, t.native_id), flush=True)
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
