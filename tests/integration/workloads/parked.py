# parked.py: parks one thread in each state `pyhawk dump` names (running,
# sleep, lock, I/O, and a generator whose body blocks) and writes the truth
# as JSON to argv[1]: per thread, its tid, name, the state it is parked in
# and its stack from sys._current_frames(), innermost first. The main thread
# then parks too (in time.sleep, at the line marked PARK:main, for argv[2]
# seconds); its truth is its stack with that line, as it writes before it
# gets there. Each thread parks at the line marked PARK:<its function>, in a
# C call, so that line is its innermost Python frame.
import json
import os
import sys
import threading
import time

STOP = [False]
HELD = threading.Lock()
HELD.acquire()
GEN_LOCK = threading.Lock()
GEN_LOCK.acquire()
PIPE_R, PIPE_W = os.pipe()


def spin(ready):
    ready.set()
    while not STOP[0]: pass  # PARK:spin


def sleeper(ready):
    ready.set()
    time.sleep(3600)  # PARK:sleeper


def locked(ready):
    ready.set()
    HELD.acquire()  # PARK:locked


def reader(ready):
    ready.set()
    os.read(PIPE_R, 1)  # PARK:reader


def blocking_gen(ready):
    ready.set()
    GEN_LOCK.acquire()  # PARK:blocking_gen
    yield 1


def via_generator(ready):
    for _ in blocking_gen(ready):
        pass


def frame_name(frame):
    code = frame.f_code
    return getattr(code, "co_qualname", code.co_name)


def stack_of(frame, innermost_line=None):
    stack = []
    while frame is not None:
        line = frame.f_lineno
        if innermost_line is not None and not stack:
            line = innermost_line
        stack.append([frame_name(frame), os.path.basename(frame.f_code.co_filename), line])
        frame = frame.f_back
    return stack


def marker_line(marker):
    with open(__file__, encoding="utf-8") as f:
        for i, text in enumerate(f, 1):
            if text.rstrip().endswith("# " + marker):
                return i
    raise LookupError(marker)


def parked_at(frame, func):
    """True once the thread's innermost frame is func at its PARK line."""
    return frame is not None and frame.f_code.co_name == func and \
        frame.f_lineno == marker_line("PARK:" + func)


def main():
    out, seconds = sys.argv[1], float(sys.argv[2])
    parked = [(spin, "running"), (sleeper, "sleep"), (locked, "lock"), (reader, "I/O"),
              (via_generator, "lock")]
    threads = []
    for func, state in parked:
        ready = threading.Event()
        t = threading.Thread(target=func, args=(ready,), name="p-" + func.__name__, daemon=True)
        t.start()
        ready.wait()
        threads.append((t, state, "blocking_gen" if func is via_generator else func.__name__))
    # Wait until every thread is at its blocking line (the spinner: in its
    # loop), then give the blocked ones time to enter the kernel.
    while True:
        frames = sys._current_frames()
        if all(parked_at(frames.get(t.ident), inner) for t, _, inner in threads):
            break
        time.sleep(0.01)
    time.sleep(0.2)
    frames = sys._current_frames()
    truth = []
    for t, state, _ in threads:
        truth.append({"tid": t.native_id, "name": t.name, "state": state,
                      "stack": stack_of(frames[t.ident])})
    main_thread = threading.main_thread()
    truth.append({"tid": main_thread.native_id, "name": main_thread.name, "state": "sleep",
                  "stack": stack_of(sys._getframe(), marker_line("PARK:main"))})
    with open(out + ".tmp", "w", encoding="utf-8") as f:
        json.dump({"pid": os.getpid(), "threads": truth}, f)
    os.rename(out + ".tmp", out)
    time.sleep(seconds)  # PARK:main
    STOP[0] = True


if __name__ == "__main__":
    main()
