"""native_spin.py LIB SECONDS: all of the process's CPU time is spent in a
native thread with no Python thread state (LIB: native_spin.c built as a
shared library); the Python main thread sleeps. Prints 'ready' once the
spinner runs."""

import ctypes
import sys
import time

lib = ctypes.CDLL(sys.argv[1])
if lib.start_spinner() != 0:
    sys.exit("pthread_create failed")
print("ready", flush=True)
time.sleep(float(sys.argv[2]))
