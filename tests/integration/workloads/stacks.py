# stacks.py: parks threads in known stacks (>= 50 frames deep) and writes
# the truth from sys._current_frames() as JSON to argv[1]. Each thread ends
# in spin(), a one-line busy loop, so on-CPU samples see a fixed stack.
# Shapes: a generator, a method, a lambda called through map(), and
# functions with non-ASCII names (latin-1, UCS-2, UCS-4). Runs argv[2] s.
import json
import sys
import threading
import time

STOP = [False]
READY = []
DEPTH = 50


def spin():
    while not STOP[0]: pass


def gen():
    spin()
    yield 1


def via_generator():
    next(gen())


class Klass:
    def method(self):
        spin()


def via_method():
    Klass().method()


def via_map():
    list(map(lambda x: spin(), [1]))


def fünf():
    spin()


def 関数():
    spin()


def 𠀀():
    spin()


def recurse(n, leaf):
    if n == 0:
        return leaf()
    return recurse(n - 1, leaf)


def worker(leaf, ready):
    ready.set()
    recurse(DEPTH, leaf)


def frame_name(frame):
    code = frame.f_code
    return getattr(code, "co_qualname", code.co_name)


def main():
    out, seconds = sys.argv[1], float(sys.argv[2])
    leaves = [via_generator, via_method, via_map, fünf, 関数, 𠀀]
    threads = []
    for leaf in leaves:
        ready = threading.Event()
        t = threading.Thread(target=worker, args=(leaf, ready), name="w-" + leaf.__name__)
        t.start()
        ready.wait()
        threads.append(t)
    # Let every thread reach spin() (it holds the GIL in turns).
    time.sleep(0.5)
    frames = sys._current_frames()
    truth = {}
    for t in threads:
        f = frames[t.ident]
        stack = []
        while f is not None:
            stack.append([frame_name(f), f.f_code.co_filename, f.f_lineno])
            f = f.f_back
        truth[str(t.native_id)] = {"name": t.name, "stack": stack[::-1]}
    with open(out, "w", encoding="utf-8") as fp:
        json.dump(truth, fp, ensure_ascii=False)
    time.sleep(seconds)
    STOP[0] = True
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
