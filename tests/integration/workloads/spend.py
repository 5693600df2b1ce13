# spend.py: spends CPU time in spend_cpu() and reports what getrusage says
# it spent, for a test to compare with pyhawk's account of it.
#
#   spend.py SECONDS END [--child SECONDS] [--gate]
#
# SECONDS of CPU time (process time: the same on a loaded machine, only
# slower). --child: a child Python process spends that much first, waited
# for. --gate: prints "ready", waits for a line on stdin, and counts from
# there. Then prints "rusage SELF CHILDREN" (user + sys seconds) and ends
# as END says: exit:N (SystemExit(N)), kill:N (signal N to itself), or wait
# (until stdin closes, then exit 0).
import os
import resource
import subprocess
import sys
import time


def cpu(who):
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def spend_cpu(seconds):
    # Mostly arithmetic (user time): the clock is read every 10000 rounds.
    end = time.process_time() + seconds
    x = 0
    while time.process_time() < end:
        for i in range(10000):
            x += i  # HOT:spend
    return x


def main():
    seconds, end = float(sys.argv[1]), sys.argv[2]
    args = sys.argv[3:]
    child = float(args[args.index("--child") + 1]) if "--child" in args else 0
    self0 = 0.0
    if "--gate" in args:
        print("ready", flush=True)
        sys.stdin.readline()
        self0 = cpu(resource.RUSAGE_SELF)
    if child:
        subprocess.run([sys.executable, __file__, str(child), "exit:0"],
                       stdout=subprocess.DEVNULL, check=True)
    spend_cpu(seconds)
    print("rusage %.4f %.4f" % (cpu(resource.RUSAGE_SELF) - self0,
                                cpu(resource.RUSAGE_CHILDREN)), flush=True)
    how, _, n = end.partition(":")
    if how == "exit":
        raise SystemExit(int(n))
    if how == "kill":
        os.kill(os.getpid(), int(n))
    sys.stdin.read()


if __name__ == "__main__":
    main()
