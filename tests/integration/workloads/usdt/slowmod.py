# slowmod.py: a module whose top-level code burns 0.6 s of CPU (more than
# any import of start-up, even under qemu's emulation), imported by
# importer.py.
import time

_end = time.perf_counter() + 0.6
_x = 0
while time.perf_counter() < _end:
    _x += 1
