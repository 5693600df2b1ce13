"""Limits a real program can reach do not refuse it silently (issue 13,
item 6): a process with thousands of mapped files is still found to be
Python."""

import pytest

from conftest import matrix_params, parse_raw, run_pyhawk, start_ready, workload, EXIT

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
        proc = run_pyhawk(["record", "-p", str(p.pid), "-d", "1", "-f", "raw", "-o", str(out)])
        assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
        stacks = parse_raw(out.read_text())
        spin = sum(n for s, n in stacks.items() if s[-1].startswith("spin (manyfiles.py"))
        assert spin >= 0.9 * sum(stacks.values()) and spin >= 50, stacks.most_common(3)
    finally:
        p.kill()
        p.wait()
