"""-f pstats as Python's own pstats reads it, with the oldest and the newest
interpreter of the matrix, on a workload whose hottest function and whose
split between two callers are known by construction (and measured)."""

import json
import re
import subprocess

import pytest

from conftest import (EXIT, MATRIX, NEWEST, OLDEST, ends_params, record_attached, run_pyhawk,
                      workload)

SCRIPT = workload("callers.py")
ENDS = ends_params()

# What pstats makes of the file, as JSON: the order sort_stats('tottime')
# gives, and every function with its callers. The listings are printed too,
# so that a file they cannot show fails here; calc_callees is what snakeviz
# builds its views from.
LOADER = """\
import io, json, pstats, sys
st = pstats.Stats(sys.argv[1], stream=io.StringIO())
st.sort_stats("tottime").print_stats()
st.print_callers()
st.print_callees()
st.calc_callees()
funcs = [[list(k), cc, nc, tt, ct, [[list(c)] + list(v) for c, v in callers.items()]]
         for k, (cc, nc, tt, ct, callers) in st.stats.items()]
json.dump({"order": [list(k) for k in st.fcn_list], "total_tt": st.total_tt, "funcs": funcs},
          sys.stdout)
"""


def def_line(func):
    with open(SCRIPT) as f:
        for i, text in enumerate(f, 1):
            if re.match(r"def %s\(" % func, text):
                return i
    raise AssertionError(func)


def key(func):
    return ("callers.py", def_line(func), func)


def load(py, path):
    proc = subprocess.run([py.path, "-c", LOADER, str(path)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, (py.label, proc.stderr)
    doc = json.loads(proc.stdout)
    funcs = {tuple(k): (cc, nc, tt, ct, {tuple(c[0]): tuple(c[1:]) for c in callers})
             for k, cc, nc, tt, ct, callers in doc["funcs"]}
    return [tuple(k) for k in doc["order"]], doc["total_tt"], funcs


@pytest.mark.statistical
@pytest.mark.parametrize("target", ENDS)
def test_pstats_hottest_and_callers(target, tmp_path):
    out, truth_file = tmp_path / "out.pstats", tmp_path / "truth.json"
    proc = run_pyhawk(["record", "-r", "1000", "-o", str(out), "--", target.path, SCRIPT, "3",
                       str(truth_file)])
    assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
    spent = {k: v / 1e9 for k, v in json.loads(truth_file.read_text()).items()}

    for loader in dict.fromkeys([OLDEST, NEWEST]):
        order, total_tt, funcs = load(loader, out)
        what = "%s read by %s" % (target.label, loader.label)
        assert order[0] == key("hot"), (what, order[:5])
        cc, nc, tt, ct, callers = funcs[key("hot")]
        # tottime is the samples' share of the time: within 5 % of the CPU
        # time the workload measured in hot() itself.
        assert abs(tt - spent["hot"]) <= 0.05 * spent["hot"], (what, tt, spent)
        assert list(callers) == [key("run")], (what, callers)
        assert abs(sum(f[2] for f in funcs.values()) - total_tt) < 1e-6

        # helper(), called from two places: exactly those, sharing its
        # time as the workload measured, and its counts adding up.
        cc, nc, tt, ct, callers = funcs[key("helper")]
        assert set(callers) == {key("left"), key("right")}, (what, callers)
        left, right = callers[key("left")], callers[key("right")]
        want = spent["left"] / (spent["left"] + spent["right"])
        assert abs(left[3] / (left[3] + right[3]) - want) <= 0.05, (what, left, right, spent)
        assert left[0] + right[0] == nc and abs(left[2] + right[2] - tt) < 1e-6, (what, callers)
        assert abs(ct - (spent["left"] + spent["right"])) <= 0.05 * ct, (what, ct, spent)
        # left() and right() only call: their time is helper's.
        assert funcs[key("left")][3] >= left[3] and funcs[key("left")][2] < 0.05 * left[3]


def test_pstats_command_line(tmp_path):
    """`python -m pstats FILE` as a person types it: the newest interpreter
    reading a capture of the oldest."""
    out = tmp_path / "p.prof"  # the extension picks the format
    proc = run_pyhawk(["record", "-r", "500", "-o", str(out), "--", OLDEST.path, SCRIPT, "1"])
    assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
    shell = subprocess.run([NEWEST.path, "-m", "pstats", str(out)], input="sort tottime\nstats 3\n",
                           capture_output=True, text=True, timeout=120)
    assert shell.returncode == 0, shell.stderr
    rows = [l for l in shell.stdout.splitlines() if re.search(r"\.py:\d+\(", l)]
    assert rows and rows[0].endswith("callers.py:%d(hot)" % def_line("hot")), shell.stdout


def test_pstats_exact_calls(tmp_path):
    """--calls on 3.15 (whose function__entry fires for every call): ncalls
    is each function's exact count, its callers' shares still from samples."""
    py = [p for p in MATRIX if p.minor >= (3, 15)]
    assert py, "no Python 3.15 in the matrix (tools/fetch-pythons.sh)"
    truth_file = tmp_path / "truth.json"
    # The calls start once the probes are attached (asynchronously, after
    # the process is classified): none made before is lost.
    _, out = record_attached(py[0], [SCRIPT, "1", str(truth_file)], tmp_path,
                             extra=["--calls", "-r", "500"], fmt="pstats")
    rounds = json.loads(truth_file.read_text())["rounds"]
    _, _, funcs = load(py[0], out)
    for func, per_round in (("hot", 1), ("left", 1), ("right", 1), ("helper", 2), ("run", 0)):
        cc, nc = funcs[key(func)][:2]
        assert (cc, nc) == ((per_round * rounds,) * 2 if per_round else (1, 1)), (func, cc, nc,
                                                                                   rounds)
    callers = funcs[key("helper")][4]
    assert set(callers) == {key("left"), key("right")}, callers
