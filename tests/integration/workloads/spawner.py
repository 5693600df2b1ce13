# spawner.py: the main thread starts a thread every 20 ms for SECONDS, each
# spinning CPU_EACH seconds of its own CPU time in spawned_N, so threads
# are being started whenever a profiler attaches. TRUTH_FILE gets
# {name: [tid, cpu seconds]}.
#
#     spawner.py SECONDS CPU_EACH TRUTH_FILE
import json
import sys
import threading
import time

FUNC = """
def {name}(cpu, out):
    t0 = time.thread_time()
    while time.thread_time() < t0 + cpu: pass
    out[{name!r}] = [threading.get_native_id(), time.thread_time() - t0]
"""


def make(name):
    ns = {"time": time, "threading": threading}
    exec(compile(FUNC.format(name=name), "spawner_func.py", "exec"), ns)
    return ns[name]


def main():
    seconds, cpu, truth = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
    out, threads = {}, []
    print("ready", flush=True)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        name = "spawned_%d" % len(threads)
        t = threading.Thread(target=make(name), args=(cpu, out), name=name)
        t.start()
        threads.append(t)
        time.sleep(0.02)
    for t in threads:
        t.join()
    with open(truth, "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
