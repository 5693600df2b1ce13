# family.py SECONDS: a parent and its children, each burning SECONDS of CPU
# in a function named after how it was started: the parent itself, a
# multiprocessing child started with fork, one with spawn, one with
# forkserver, a
# `subprocess` running sys.executable, and one started through a shell
# (`sh -c "...; true"`: the shell forks, it does not exec). One after the
# other, so each is 1/6 of the work.
import multiprocessing
import os
import subprocess
import sys
import time


def burn(seconds, fn):
    end = time.process_time() + seconds
    while time.process_time() < end:
        fn()


def step():
    x = 0
    for i in range(2000):
        x += (i * i) % 7
    return x


def parent_work(seconds):
    burn(seconds, step)


def fork_work(seconds):
    burn(seconds, step)


def spawn_work(seconds):
    burn(seconds, step)


def forkserver_work(seconds):
    burn(seconds, step)


def subprocess_work(seconds):
    burn(seconds, step)


def shell_work(seconds):
    burn(seconds, step)


CHILD = {"subprocess": subprocess_work, "shell": shell_work}


def main():
    if len(sys.argv) > 2:  # a child started by a command line
        CHILD[sys.argv[2]](float(sys.argv[1]))
        return
    seconds = float(sys.argv[1])
    parent_work(seconds)
    for method, fn in (("fork", fork_work), ("spawn", spawn_work),
                       ("forkserver", forkserver_work)):
        p = multiprocessing.get_context(method).Process(target=fn, args=(seconds,))
        p.start()
        p.join()
    me = os.path.abspath(__file__)
    subprocess.run([sys.executable, me, str(seconds), "subprocess"], check=True)
    subprocess.run(["sh", "-c", '"$0" "$1" "$2" shell; true', sys.executable, me, str(seconds)],
                   check=True)


if __name__ == "__main__":
    main()
