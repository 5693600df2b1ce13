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


def settled(pyhawk, until=None):
    """pyhawk's perf events once they stop changing (the same for 1 s), or
    once they are `until`; at most 10 s."""
    n, since, deadline = perf_fds(pyhawk), time.time(), time.time() + 10
    while time.time() < deadline and n != until and time.time() - since < 1.0:
        time.sleep(0.1)
        m = perf_fds(pyhawk)
        if m != n:
            n, since = m, time.time()
    return n


def main(out):
    pyhawk = os.getppid()
    before = peak = settled(pyhawk)  # this process's own probes attached
    for _ in range(8):
        child = subprocess.Popen([sys.executable, "-c", CHILD])
        time.sleep(0.25)
        peak = max(peak, perf_fds(pyhawk))
        child.wait()
    after = settled(pyhawk, until=before)  # each detach waits for the kernel
    with open(out, "w") as f:
        json.dump({"before": before, "peak": peak, "after": after}, f)


main(sys.argv[1])
