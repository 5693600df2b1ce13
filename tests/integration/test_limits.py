"""Limits a real program can reach do not refuse it silently (issue 13,
item 6): a process with thousands of mapped files is still found to be
Python; threads whose states lie past the walker's search limit are still
found, and -d is kept."""

import os
import re

import pytest

from conftest import EXIT, ends_params, matrix_params, parse_raw, run_pyhawk, start_ready, workload
from test_threads import parse_stats

FILES = 5000  # more than pyproc.c's MAX_FILES (4096) before the interpreter's


@pytest.mark.parametrize("py", matrix_params())
def test_thousands_of_mapped_files(py, tmp_path):
    p = start_ready([py.path, workload("manyfiles.py"), str(FILES)])
    try:
        with open("/proc/%d/maps" % p.pid) as f:
            maps = f.read().splitlines()
        files = []
        for line in maps:
            path = line.split(None, 5)[5] if len(line.split(None, 5)) == 6 else ""
            if path.startswith("/") and path not in files:
                files.append(path)
        libpython = [i for i, f in enumerate(files) if "/libpython" in f]
        # Where the interpreter is a shared libpython, it really comes after
        # the bound (else this test would not test it).
        assert not libpython or libpython[0] > 4096, (libpython, len(files))
        out = tmp_path / "o.txt"
        proc = run_pyhawk(["record", "-p", str(p.pid), "-d", "1", "-r", "500", "-f", "raw", "-o",
                           str(out)])
        assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
        stacks = parse_raw(out.read_text())
        spin = sum(n for s, n in stacks.items() if s[-1].startswith("spin (manyfiles.py"))
        assert spin >= 0.9 * sum(stacks.values()) and spin >= 50, stacks.most_common(3)
    finally:
        p.kill()
        p.wait()


THREADS = 9000  # more than the walker searches at once (PH_MAX_THREADS, 8192)


@pytest.mark.parametrize("py", ends_params())
def test_threads_past_the_search_limit(py, tmp_path):
    p = start_ready([py.path, workload("manythreads.py"), str(THREADS)])
    try:
        assert len(os.listdir("/proc/%d/task" % p.pid)) > THREADS
        out = tmp_path / "o.txt"
        proc = run_pyhawk(["record", "-p", str(p.pid), "-d", "2", "--stats", "-f", "raw",
                           "-o", str(out)])
        assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
        stats = parse_stats(proc.stderr)
        stacks = parse_raw(out.read_text())
        busy = sum(n for s, n in stacks.items() if s[-1].startswith("busy (manythreads.py"))
        # Three threads spin on two CPUs at 100 Hz for 2 s: samples of them,
        # each search that runs out of steps going on at the next sample.
        assert busy >= 100 and busy == sum(stacks.values()), (busy, stats)
        assert stats["THREAD_SEARCH"] <= 10 and stats["NO_THREAD_STATE"] == 0, stats
        # -d 2 is kept within half a second.
        took = float(re.search(r" in ([0-9.]+) s at ", proc.stderr).group(1))
        assert took <= 2.5, proc.stderr
    finally:
        p.kill()
        p.wait()
