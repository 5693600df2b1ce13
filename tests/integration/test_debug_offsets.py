"""3.13+: the walker's layout comes from the process's own _Py_DebugOffsets,
pyhawk's table filling in only what they do not describe (user/offsets.c;
the perturbed layouts - a struct grown, a field moved, each corruption -
are tests/unit/test_offsets.c's). Here: the real builds are walked from
their debug offsets and `-v` says so; a real binary whose debug offsets are
corrupt is refused with the field named."""

import os
import re
import shutil
import subprocess

import pytest

from conftest import MATRIX, ROOT, check_error, record, run_pyhawk, split_label, workload

WITH_DEBUG_OFFSETS = [p for p in MATRIX if p.minor >= (3, 13)]


def debug_params():
    assert WITH_DEBUG_OFFSETS, "no Python 3.13+ in the matrix (tools/fetch-pythons.sh)"
    return [pytest.param(p, id=p.label) for p in WITH_DEBUG_OFFSETS]


@pytest.mark.parametrize("py", debug_params())
def test_layout_from_debug_offsets(py, tmp_path):
    proc, stacks = record(py, [workload("busy.py"), "1"], tmp_path, extra=["-v"])
    said = re.findall(r"^pyhawk: process \d+: Python (\S+) layout from its _Py_DebugOffsets "
                      r"\((.*)\)$", proc.stderr, re.M)
    assert said == [("%d.%d" % py.minor, "as pyhawk's table")], proc.stderr
    # Walked with it: the loop's lines, in nearly every sample.
    total = sum(stacks.values())
    hot = sum(n for s, n in stacks.items()
              if split_label(s[-1])[0] == "busy_loop" and split_label(s[-1])[2] in (10, 11))
    assert total >= 50 and hot >= 0.9 * total, stacks


def debug_slot(minor, field):
    """The _Py_DebugOffsets slot of a field for a minor version, from the
    generated table (user/offsets_table.c's offsets_debug_slots)."""
    with open(os.path.join(ROOT, "user", "offsets_table.c")) as f:
        text = f.read()
    slots = text[text.index("offsets_debug_slots[] = {"):]
    entry = slots[slots.index("/* %d.%d */" % minor):]
    entry = entry[:entry.index("},")]
    return int(re.search(r"\.%s = (\d+)," % field, entry).group(1))


def file_offset(binary, symbol):
    """Where symbol's bytes are in the file (readelf: its address, and the
    section holding it)."""
    syms = subprocess.run(["readelf", "-sW", binary], capture_output=True, text=True,
                          check=True).stdout
    addr = next(int(l.split()[1], 16) for l in syms.splitlines()
                if len(l.split()) >= 8 and l.split()[7] == symbol)
    secs = subprocess.run(["readelf", "-SW", binary], capture_output=True, text=True,
                          check=True).stdout
    for m in re.finditer(r"\]\s+\S+\s+(PROGBITS|NOBITS)\s+([0-9a-f]+) ([0-9a-f]+) ([0-9a-f]+)",
                         secs):
        start, off, size = int(m.group(2), 16), int(m.group(3), 16), int(m.group(4), 16)
        if start <= addr < start + size:
            assert m.group(1) == "PROGBITS", "%s is not initialised in the file" % symbol
            return addr - start + off
    raise AssertionError("no section holds %s at 0x%x" % (symbol, addr))


def test_corrupt_debug_offsets_refused(tmp_path):
    """A copy of sid's 3.15 whose _Py_DebugOffsets say the thread state has
    no size (CPython itself never reads them: the copy runs as before)."""
    py = next((p for p in WITH_DEBUG_OFFSETS if p.origin == "sid" and p.minor == (3, 15)), None)
    assert py, "no sid 3.15 in the matrix (tools/fetch-pythons.sh)"
    with open(py.path) as f:
        wrapper = f.read()
    real = re.search(r"^exec (\S+) ", wrapper, re.M).group(1)
    home = re.search(r"^PYTHONHOME=(\S+)$", wrapper, re.M).group(1)
    copy = str(tmp_path / "python3.15")
    shutil.copy(real, copy)
    at = file_offset(copy, "_PyRuntime") + 8 * debug_slot((3, 15), "tstate_size_read")
    with open(copy, "r+b") as f:
        f.seek(at)
        assert 64 <= int.from_bytes(f.read(8), "little") <= 4096  # thread_state.size
        f.seek(at)
        f.write(bytes(8))
    env = dict(os.environ, PYTHONHOME=home)
    ran = subprocess.run([copy, "-c", "print(6 * 7)"], env=env, capture_output=True, text=True)
    assert ran.stdout == "42\n", ran
    out = tmp_path / "o.txt"
    proc = run_pyhawk(["record", "-f", "raw", "-o", str(out), "--", copy, "-c",
                       "import time; time.sleep(0.5)"], env=env)
    check_error(proc, "PH_EXIT_UNSUPPORTED",
                "Python 3.15: its _Py_DebugOffsets cannot be followed "
                "(thread_state: a size of 0 bytes)")
    assert not out.exists()
    # Attached: the same words, naming the process.
    p = subprocess.Popen([copy, "-c", "import time; print('ready', flush=True); time.sleep(60)"],
                         env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline() == "ready\n"
        check_error(run_pyhawk(["record", "-p", str(p.pid), "-o", str(out)]),
                    "PH_EXIT_UNSUPPORTED", str(p.pid), "thread_state: a size of 0 bytes")
    finally:
        p.kill()
        p.wait()
