# slowmod.py: a module whose top-level code burns 0.3 s of CPU, imported by
# importer.py.
import time

_end = time.perf_counter() + 0.3
_x = 0
while time.perf_counter() < _end:
    _x += 1
