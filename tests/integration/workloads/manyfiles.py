"""Maps N distinct files (then spins in spin()), so that the interpreter's
own files come after thousands of others in /proc/PID/maps: new mappings
go below the libraries, and maps lists them by address."""

import ctypes
import os
import sys
import tempfile

libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                      ctypes.c_long]
PROT_READ, MAP_SHARED, MAP_FAILED = 1, 1, ctypes.c_void_p(-1).value


def map_files(n):
    d = tempfile.mkdtemp(dir="/dev/shm")
    for i in range(n):
        path = os.path.join(d, "f%05d" % i)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        os.ftruncate(fd, 4096)
        addr = libc.mmap(None, 4096, PROT_READ, MAP_SHARED, fd, 0)
        assert addr not in (None, MAP_FAILED), os.strerror(ctypes.get_errno())
        os.close(fd)  # the mapping keeps the file
        os.unlink(path)
    os.rmdir(d)


def spin():
    while True:
        pass


if __name__ == "__main__":
    map_files(int(sys.argv[1]))
    print("ready", flush=True)
    spin()
