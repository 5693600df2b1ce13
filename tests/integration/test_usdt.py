"""The interpreter's USDT probes, on the builds that have them (Debian's
python3.11, sid's 3.13-3.15): an import's samples sit under an
<import MODULE> frame and the summary lists the slowest imports; the
collections the probes count per generation equal the workload's own
gc.get_stats(); --calls counts every call exactly where function__entry
fires for every call (3.15), and says once that it cannot elsewhere; the
probes' links are released when their process exits. pyenv's builds have
no probes: of this only the collections per generation apply to them, read
from the interpreter's statistics (and <GC>, test_gc.py)."""

import json
import math
import re
import subprocess

import pytest

from conftest import EXIT, MATRIX, PYHAWK, record, record_attached, split_label, workload


def probed_elf(py):
    """The mapped ELF of py's interpreter that has USDT notes, or None."""
    out = subprocess.run([py.path, "-c", "print(open('/proc/self/maps').read())"],
                         capture_output=True, text=True, timeout=30).stdout
    paths = {line.split()[-1] for line in out.splitlines()
             if len(line.split()) >= 6 and "python" in line.split()[-1]}
    for path in sorted(paths):
        sections = subprocess.run(["readelf", "-S", "-W", path], capture_output=True,
                                  text=True).stdout
        if ".note.stapsdt" in sections:
            return path
    return None


PROBED = [p for p in MATRIX if probed_elf(p)]
UNPROBED = [p for p in MATRIX if p not in PROBED]


def probed_params():
    assert PROBED, "no interpreter with USDT probes in the matrix (Debian's python3.11?)"
    return [pytest.param(p, id=p.label) for p in PROBED]


def test_which_builds_have_probes():
    # The matrix as documented: Debian's and sid's builds have probes,
    # pyenv's (no --with-dtrace) none.
    assert {p.origin for p in PROBED} <= {"debian", "sid"}, [p.label for p in PROBED]
    assert all(p.origin == "pyenv" for p in UNPROBED), [p.label for p in UNPROBED]


@pytest.mark.statistical
@pytest.mark.parametrize("py", probed_params())
def test_import_frame(py, tmp_path):
    truth_file = tmp_path / "truth.json"
    err, stacks = record_attached(py, [workload("usdt/importer.py"), str(truth_file)], tmp_path,
                                  extra=["-r", "400"])
    truth = json.loads(truth_file.read_text())
    inside = under = 0
    for stack, n in stacks.items():
        names = [split_label(f)[0] for f in stack]
        if "main" not in names:
            continue
        inside += n
        if "<import slowmod>" in stack:
            under += n
            # Right above the module's own code when it runs it.
            own = [i for i, f in enumerate(stack)
                   if split_label(f)[:2] == ("<module>", "slowmod.py")]
            if own:
                assert stack[own[0] - 1] == "<import slowmod>", stack
    want = truth["import_cpu"] / truth["cpu"]  # on-CPU samples: CPU time
    assert inside >= 0.6 * truth["cpu"] * 400, (inside, truth)
    # 5 points, or 4 standard errors of a share of this many samples.
    tol = max(0.05, 4 * math.sqrt(want * (1 - want) / inside))
    assert abs(under / inside - want) <= tol, "<import slowmod> in %.3f of %d samples, " \
        "the import took %.3f of the CPU time" % (under / inside, inside, want)
    m = re.search(r"^pyhawk: slowest imports: (\S+) ([\d.]+) s", err, re.M)
    assert m and m.group(1) == "slowmod", err
    assert abs(float(m.group(2)) - truth["import"]) <= 0.1 * truth["import"], (m.group(0), truth)


def start_ready(cmd):
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    return p


def gc_capture(py, tmp_path, n, args, attached):
    """n gc_counts.py workloads of py and `record -v ARGS -d 6`: each
    workload collects for 1.5 s once pyhawk has said `attached` (a
    regular expression) as often as there are workloads to wait for.
    Returns (pyhawk's stderr, [(pid, its collections per generation)])."""
    go = tmp_path / "go"
    targets, truths = [], [tmp_path / ("truth%d.json" % i) for i in range(n)]
    try:
        for truth in truths:
            targets.append(start_ready([py.path, workload("usdt/gc_counts.py"), str(go), "1.5",
                                        str(truth)]))
        pids = [str(t.pid) for t in targets]
        pyhawk = subprocess.Popen([PYHAWK, "record", "-v", "-f", "raw", "-o",
                                   str(tmp_path / "o.txt"), "-d", "6"] +
                                  [a.format(pid=pids[0]) for a in args],
                                  stderr=subprocess.PIPE, text=True)
        said = []
        for line in pyhawk.stderr:
            said.append(line)
            if re.search(attached, line):
                break
        go.write_text("")
        _, err = pyhawk.communicate(timeout=60)
        err = "".join(said) + err
    finally:
        for t in targets:
            t.kill()
            t.wait()
    assert pyhawk.returncode == EXIT["PH_EXIT_OK"], err
    return err, [(t.pid, json.loads(f.read_text())) for t, f in zip(targets, truths)]


def check_gc_counts(err, pid, truth):
    m = re.search(r"^pyhawk: garbage collection in PID %d .*; (\d+) collections \(generation "
                  r"0: (\d+), 1: (\d+), 2: (\d+)\)" % pid, err, re.M)
    assert m, err
    assert [int(m.group(i)) for i in (2, 3, 4)] == truth, (m.group(0), truth)
    assert sum(truth) > 10, truth


@pytest.mark.parametrize("py", probed_params())
def test_gc_counts(py, tmp_path):
    err, [(pid, truth)] = gc_capture(py, tmp_path, 1, ["-p", "{pid}"],
                                     r"process \d+: \d+ interpreter probes attached")
    check_gc_counts(err, pid, truth)


def unprobed_params():
    assert UNPROBED, "no interpreter without probes in the matrix (pyenv's?)"
    return [pytest.param(p, id=p.label) for p in UNPROBED]


@pytest.mark.parametrize("py", unprobed_params())
def test_gc_counts_without_probes(py, tmp_path):
    # pyenv's builds have no gc probes: the collections per generation come
    # from the interpreter's own statistics (gc.get_stats()'s), read when
    # its probes are looked for (-v: "0 interpreter probes attached") and
    # at the end.
    err, [(pid, truth)] = gc_capture(py, tmp_path, 1, ["-p", "{pid}"],
                                     r"process \d+: 0 interpreter probes attached")
    check_gc_counts(err, pid, truth)
    assert re.search(r"^pyhawk: garbage collection in PID %d .*\), from the interpreter's "
                     r"statistics \(no gc probes in its build: pauses not timed\)$" % pid,
                     err, re.M), err


def sid315():
    ps = [p for p in PROBED if p.minor >= (3, 15)]
    assert ps, "no Python 3.15 with probes in the matrix (tools/fetch-pythons.sh)"
    return ps[0]


def test_calls_exact(tmp_path):
    err, stacks = record_attached(sid315(), [workload("usdt/calls.py")], tmp_path,
                                  extra=["--calls"])
    counts = {}
    for m in re.finditer(r"^\s+(\d+)  (\S+) \(calls\.py:(\d+)\)$", err, re.M):
        counts[m.group(2)] = int(m.group(1))
    assert counts == {"f": 100000, "g": 12345}, err


def test_calls_in_outputs(tmp_path):
    # The exact counts travel with the profile: each speedscope frame of f
    # and g carries its function's calls, the flame graph's frames too
    # (data-calls, which the tooltip shows: tests/js/svg-browser.mjs).
    _, out = record_attached(sid315(), [workload("usdt/calls.py")], tmp_path,
                             extra=["--calls"], fmt="speedscope")
    frames = json.loads(out.read_text())["shared"]["frames"]
    calls = {}
    for fr in frames:
        if "calls" in fr:
            calls.setdefault(fr["name"], set()).add(fr["calls"])
    assert calls.get("f") == {100000} and calls.get("g") == {12345}, calls
    _, out = record_attached(sid315(), [workload("usdt/calls.py")], tmp_path,
                             extra=["--calls"], fmt="flamegraph")
    svg = out.read_text()
    counted = dict(re.findall(r'data-name="(\w+)" data-loc="calls\.py:\d+" data-calls="(\d+)"', svg))
    assert counted.get("f") == "100000" and counted.get("g") == "12345", counted


def test_calls_absent(tmp_path):
    py = [p for p in UNPROBED if p.minor == (3, 12)] or UNPROBED
    assert py, "no interpreter without probes"
    go = tmp_path / "go"
    go.write_text("")
    proc, stacks = record(py[0], [workload("usdt/calls.py"), str(go)], tmp_path,
                          extra=["--calls"])
    said = [l for l in proc.stderr.splitlines() if "--calls:" in l]
    assert len(said) == 1 and "not counted" in said[0], proc.stderr
    assert "most called functions" not in proc.stderr
    assert (tmp_path / "out.txt").exists()


@pytest.mark.parametrize("py", probed_params())
def test_probe_links_released(py, tmp_path):
    # -s: each child gets the probes (a perf event per probe), and they go
    # when it exits: after 8 short-lived children pyhawk holds no more
    # perf events than before them (counted by the parent, spawner.py).
    truth_file = tmp_path / "fds.json"
    record(py, [workload("usdt/spawner.py"), str(truth_file)], tmp_path, extra=["-s"])
    fds = json.loads(truth_file.read_text())
    assert fds["peak"] > fds["before"], "no probe attached to the children: %s" % fds
    assert fds["after"] == fds["before"], fds
