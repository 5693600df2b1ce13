# threads.py: NTHREADS threads, each running its own function worker_000 ..
# worker_NNN (made with exec, so every thread has a distinct code object),
# all started together and each spinning for CPU_SECONDS of its own CPU time.
# With the GIL one runs at a time; each still gets its CPU_SECONDS, so an
# on-CPU profile at R Hz sees every worker about R * CPU_SECONDS times.
#
#     threads.py NTHREADS CPU_SECONDS
import sys
import threading
import time

WORKER = """
def worker_{i:03d}(barrier, cpu):
    barrier.wait()
    end = time.thread_time() + cpu
    while time.thread_time() < end: pass  # HOT
"""


def make_worker(i):
    namespace = {"time": time}
    exec(compile(WORKER.format(i=i), "threads_worker.py", "exec"), namespace)
    return namespace["worker_%03d" % i]


def main():
    nthreads, cpu = int(sys.argv[1]), float(sys.argv[2])
    # 500 threads at the default 8 MiB stack reserve 4 GiB of address space:
    # fine, but small stacks keep the workload light.
    threading.stack_size(1 << 20)
    barrier = threading.Barrier(nthreads + 1)
    threads = [threading.Thread(target=make_worker(i), args=(barrier, cpu), name="worker_%03d" % i)
               for i in range(nthreads)]
    for t in threads:
        t.start()
    barrier.wait()
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
