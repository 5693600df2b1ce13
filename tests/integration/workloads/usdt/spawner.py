# spawner.py: run as `pyhawk record -s -- python spawner.py OUT`: counts
# the perf events pyhawk (its parent) holds before, while and after 8
# short-lived children of the same interpreter run one after another, and
# writes {"before", "peak", "after"} to OUT.
import json
import os
import subprocess
import sys
import time

CHILD = "import time\nend = time.time() + 0.4\nwhile time.time() < end: pass\n"


def perf_fds(pid):
    n = 0
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            n += os.readlink("/proc/%d/fd/%s" % (pid, fd)) == "anon_inode:[perf_event]"
        except OSError:
            pass
    return n


def main(out):
    pyhawk = os.getppid()
    time.sleep(1.0)  # this process's own probes are attached by now
    before = peak = perf_fds(pyhawk)
    for _ in range(8):
        child = subprocess.Popen([sys.executable, "-c", CHILD])
        time.sleep(0.25)
        peak = max(peak, perf_fds(pyhawk))
        child.wait()
    time.sleep(1.0)
    with open(out, "w") as f:
        json.dump({"before": before, "peak": peak, "after": perf_fds(pyhawk)}, f)


main(sys.argv[1])
