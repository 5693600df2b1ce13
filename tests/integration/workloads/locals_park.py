# locals_park.py TRUTH.json SECONDS: a thread parks in work() with known
# arguments and locals, then TRUTH.json gets its tid and each variable's
# repr (the reprs dump --locals shows: the builtin value types as Python
# writes them, any other object as <TYPE object at 0xADDR>).
import json
import os
import sys
import threading
import time

READY = threading.Event()
HOLD = threading.Event()


def shown(v):
    if type(v) in (int, float, bool, str, bytes) or v is None:
        return repr(v)
    return "<%s object at %s>" % (type(v).__name__, hex(id(v)))


def work(a, b=2.5, *args, name="x", **kw):
    s = "h\u00e9llo"
    n = None
    big = -(10 ** 12)
    flag = True
    data = b"\x00ab"
    items = [1, 2]
    args_of = {"a": True, "b": True, "args": True, "name": True, "kw": True}
    truth = {k: {"value": shown(v), "arg": k in args_of}
             for k, v in locals().items() if k != "args_of"}
    WORK[0] = truth
    READY.set()
    HOLD.wait()  # PARK:work


WORK = [None]


def main():
    t = threading.Thread(target=work, args=(7, -1.5, 3), kwargs={"name": "bob", "z": b"q"},
                         name="w-locals", daemon=True)
    t.start()
    READY.wait()
    with open(sys.argv[1] + ".tmp", "w") as f:
        json.dump({"tid": t.native_id, "locals": WORK[0]}, f)
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    time.sleep(float(sys.argv[2]))


if __name__ == "__main__":
    main()
