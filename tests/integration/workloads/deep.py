# deep.py: spins with a Python stack of exactly DEPTH frames (<module> ->
# main -> down x N -> spin) and writes the stack it spins under, as JSON
# [[file, line, name], ...] root first, to STACKFILE: the ground truth a
# profile of it must match frame for frame.
#
#     deep.py DEPTH SECONDS STACKFILE
#
# Every line that can be on the stack holds one statement, so each frame has
# exactly one possible line. Python-to-Python calls use no C stack from 3.11;
# before that each level costs a few hundred bytes of the 8 MiB main-thread
# stack, which 5000 levels fit (the tests go no deeper).
import json
import sys
import time
import traceback


def marked_line(marker):
    with open(__file__) as f:
        return next(i for i, text in enumerate(f, 1) if text.rstrip().endswith(marker))


def spin(seconds, stackfile):
    stack = [[f.filename, f.lineno, f.name] for f in traceback.extract_stack()]
    stack[-1][1] = marked_line("# HOT")  # the loop below, not this line
    with open(stackfile, "w") as f:
        json.dump(stack, f)
    end = time.perf_counter() + seconds
    while time.perf_counter() < end: pass  # HOT


def down(n, seconds, stackfile):
    if n > 0:
        return down(n - 1, seconds, stackfile)  # RECURSE
    return spin(seconds, stackfile)  # BOTTOM


def main():
    depth, seconds, stackfile = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
    sys.setrecursionlimit(depth + 100)
    # Frames below main: <module>, main, then down(n) .. down(0), spin.
    here = len(traceback.extract_stack())
    down(depth - here - 2, seconds, stackfile)  # MAIN


if __name__ == "__main__":
    main()  # MODULE
