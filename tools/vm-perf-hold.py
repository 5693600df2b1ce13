#!/usr/bin/env python3
"""vm-perf-hold.py: holds one per-task perf event open until killed, inside
the kernel matrix's qemu guests (tests/run-kernels.sh starts it first).

Every capture that opens per-task perf events makes the kernel enable, and
later disable, its perf_sched_events static key: kernel text patching. Under
qemu's multi-threaded TCG, the other vCPU now and then executes the patch
half-done ("Oops: int3", seen in the workqueue's perf_sched_delayed): an
emulator fault, not the guest's. With one per-task event held for the whole
session the key stays enabled and pyhawk's captures patch nothing."""
import ctypes
import os
import signal
import struct
import sys

PERF_TYPE_SOFTWARE, PERF_COUNT_SW_DUMMY = 1, 9
NR_PERF_EVENT_OPEN = 298  # x86-64


def main():
    attr = bytearray(128)  # struct perf_event_attr, PERF_ATTR_SIZE_VER7 and zeros
    struct.pack_into("IIQ", attr, 0, PERF_TYPE_SOFTWARE, len(attr), PERF_COUNT_SW_DUMMY)
    libc = ctypes.CDLL(None, use_errno=True)
    buf = (ctypes.c_char * len(attr)).from_buffer(attr)
    fd = libc.syscall(NR_PERF_EVENT_OPEN, buf, 0, -1, -1, 0)  # this task, any CPU
    if fd < 0:
        print("vm-perf-hold: perf_event_open: %s" % os.strerror(ctypes.get_errno()),
              file=sys.stderr)
        return 1
    print("ready", flush=True)
    signal.pause()
    return 0


if __name__ == "__main__":
    sys.exit(main())
