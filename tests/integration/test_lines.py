"""-f lines on a known 60/30/10 split whose work is on one known line per
function: each function's hottest line, its share and its printed text, on
the oldest and the newest interpreter of the matrix; and the source of a
process in its own mount namespace, read from there while it ran."""

import json
import os
import re

import pytest

from conftest import EXIT, OLDEST, ends_params, run_pyhawk, workload

SCRIPT = workload("lines.py")
FUNCS = {"sixty": 0.60, "thirty": 0.30, "ten": 0.10}
ENDS = ends_params()


def source_lines():
    with open(SCRIPT, encoding="utf-8") as f:
        return f.read().splitlines()


def hot_line(func):
    for i, text in enumerate(source_lines(), 1):
        if "# HOT:%s" % func in text:
            return i
    raise AssertionError(func)


def parse_report(text):
    """name -> {"file", "first", "samples", "source", "rows": {line: (samples,
    % total, % func, text)}}. Rows are fixed columns: line 6, samples 2+8,
    % total 2+7, % func 2+6, then two spaces and the source."""
    funcs = {}
    for block in text.split("\nFile: ")[1:]:
        head, _, table = block.partition("\n  Line   Samples  % total  % func  Source\n")
        m = re.search(r"^Function: (.*?)(?: at line (\d+))?$", head, re.M)
        samples = int(re.search(r"^Samples: (\d+) ", head, re.M).group(1))
        rows = {}
        for row in table.split("\n\n")[0].splitlines():
            if row == "   ...":
                continue
            nums = row[6:33].split()
            rows[int(row[:6])] = (int(nums[0]) if nums else 0,
                                  float(nums[1]) if nums else 0.0,
                                  float(nums[2]) if nums else 0.0, row[35:])
        funcs[m.group(1)] = {"file": head.splitlines()[0], "first": int(m.group(2) or 0),
                             "samples": samples, "source": "Source: not available" not in head,
                             "rows": rows}
    return funcs


def check_split(funcs, spent, what):
    lines = source_lines()
    for func, nominal in FUNCS.items():
        f = funcs[func]
        hottest = max(f["rows"], key=lambda l: f["rows"][l][0])
        samples, of_total, of_func, text = f["rows"][hottest]
        # The truth: the CPU time the function measured for itself, of the
        # process's CPU time (the report's total is every sample).
        want = 100 * spent[func] / spent["process"]
        assert abs(want - 100 * nominal) <= 8, (func, spent)
        assert hottest == hot_line(func), (what, func, f["rows"])
        assert abs(of_total - want) <= 5, "%s: %s: %.1f %% at its hottest line, want %.1f +- 5" % (
            what, func, of_total, want)
        assert of_func >= 90 and samples <= f["samples"], (what, func, f)
        assert text == lines[hottest - 1], (what, func, text)
        assert f["first"] == hottest - 2 and f["rows"][f["first"]][3] == "def %s(n):" % func, f


@pytest.mark.statistical
@pytest.mark.parametrize("py", ENDS)
def test_lines_hottest(py, tmp_path):
    out, truth = tmp_path / "lines.txt", tmp_path / "truth.json"
    proc = run_pyhawk(["record", "-r", "400", "-f", "lines", "-o", str(out), "--", py.path, SCRIPT,
                       "3", str(truth)])
    assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
    report = out.read_text(encoding="utf-8")
    spent = json.loads(truth.read_text())
    funcs = parse_report(report)
    check_split(funcs, spent, py.label)
    # Sorted by samples: the module and run() hold the three; sixty first of them.
    order = [n for n in funcs if n in FUNCS]
    assert order == ["sixty", "thirty", "ten"], list(funcs)
    assert all(f["file"] == "lines.py (%s)" % SCRIPT for n, f in funcs.items() if n in FUNCS)


def test_lines_threshold(tmp_path):
    out = tmp_path / "lines.txt"
    proc = run_pyhawk(["record", "-r", "400", "-f", "lines", "--lines-threshold", "20", "-o",
                       str(out), "--", OLDEST.path, SCRIPT, "1"])
    assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
    funcs = parse_report(out.read_text(encoding="utf-8"))
    assert "sixty" in funcs and "thirty" in funcs and "ten" not in funcs, list(funcs)


CONTAINER = """set -e
mount -t tmpfs pyhawk-lines "$1"
cp "$2" "$1/lines.py"
cd "$1"
exec "$3" lines.py 2
"""


@pytest.mark.parametrize("py", ENDS)
def test_lines_mount_namespace(py, tmp_path):
    """The script lives on a tmpfs that only its process's mount namespace
    has, and is run by a relative name: its source comes through /proc/PID
    while the process runs (3.8 keeps the relative name: its working
    directory; 3.9+ make it absolute: its root); afterwards the path is
    empty here."""
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    script = tmp_path / "ct.sh"
    script.write_text(CONTAINER)
    out = tmp_path / "lines.txt"
    proc = run_pyhawk(["record", "-s", "-r", "400", "-f", "lines", "-o", str(out), "--",
                       "unshare", "--mount", "--fork", "sh", str(script), str(hidden), SCRIPT,
                       py.path])
    assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
    assert not os.listdir(hidden), "the tmpfs must not be seen here"
    funcs = parse_report(out.read_text(encoding="utf-8"))
    f = funcs["sixty"]
    assert f["file"] in ("lines.py", "lines.py (%s)" % (hidden / "lines.py")) and f["source"], f
    hottest = max(f["rows"], key=lambda l: f["rows"][l][0])
    assert hottest == hot_line("sixty") and f["rows"][hottest][3] == source_lines()[hottest - 1], f


def test_lines_refusals(tmp_path):
    for args, word in ((["-F"], "--function"), (["--nolineno"], "--nolineno")):
        proc = run_pyhawk(["record", "-f", "lines"] + args + ["-o", str(tmp_path / "x"), "--",
                                                               OLDEST.path, "-c", "pass"])
        assert proc.returncode == EXIT["PH_EXIT_USAGE"], proc.stderr
        assert word in proc.stderr and not (tmp_path / "x").exists()
