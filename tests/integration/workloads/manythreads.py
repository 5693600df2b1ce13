"""N parked threads started after two busy ones, so that the busy threads'
thread states (and the main thread's) are the last of the interpreter's
list, past any fixed search limit; then the busy threads and the main one
spin in busy()."""

import sys
import threading

parked_forever = threading.Event()
go = threading.Event()


def parked():
    parked_forever.wait()


def busy():
    go.wait()
    while True:
        pass


if __name__ == "__main__":
    threading.stack_size(256 * 1024)
    for _ in range(2):
        threading.Thread(target=busy, daemon=True).start()
    for _ in range(int(sys.argv[1])):
        threading.Thread(target=parked, daemon=True).start()
    go.set()
    print("ready", flush=True)
    busy()
