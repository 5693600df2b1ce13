# late_threads.py: threads that exist before a profiler attaches and threads
# (and, with --child, a process) started after it, each spinning a known
# amount of its own CPU time in a function named after it: early_N, late_N,
# child_spin. For per-task sampling: the early threads need events of their
# own, the late ones and the child inherit them.
#
#     late_threads.py EARLY LATE CPU_SECONDS TRUTH_FILE [--child]
#
# Starts EARLY threads, prints "ready" once they all wait, waits for a line
# on stdin, then lets them go and starts LATE threads (and the child). Each
# thread then spins CPU_SECONDS of its own CPU time. TRUTH_FILE gets
# {name: [tid, cpu seconds from the go]}.
import json
import subprocess
import sys
import threading
import time

FUNC = """
def {name}(cpu, started, go, out):
    started.release()
    go.wait()
    t0 = time.thread_time()
    end = t0 + cpu
    while time.thread_time() < end: pass  # HOT
    out[{name!r}] = [threading.get_native_id(), time.thread_time() - t0]
"""

CHILD = """
import time
def child_spin(cpu):
    end = time.thread_time() + cpu
    while time.thread_time() < end: pass
child_spin({cpu})
"""


def make(name):
    ns = {"time": time, "threading": threading}
    exec(compile(FUNC.format(name=name), "late_threads_func.py", "exec"), ns)
    return ns[name]


def start(names, cpu, go, out):
    started = threading.Semaphore(0)
    threads = [threading.Thread(target=make(n), args=(cpu, started, go, out), name=n)
               for n in names]
    for t in threads:
        t.start()
    for _ in threads:
        started.acquire()
    return threads


def main():
    early, late, cpu, truth = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    out, go = {}, threading.Event()
    first = start(["early_%d" % i for i in range(early)], cpu, go, out)
    print("ready", flush=True)
    sys.stdin.readline()
    go.set()
    child = None
    if "--child" in sys.argv:
        child = subprocess.Popen([sys.executable, "-c", CHILD.format(cpu=cpu)])
    for t in first + start(["late_%d" % i for i in range(late)], cpu, go, out):
        t.join()
    if child:
        child.wait()
    with open(truth, "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
