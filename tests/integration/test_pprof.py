"""-f pprof on real captures, read by Go's own pprof (`go tool pprof`): the
samples, function names, files, lines and per-function totals equal the raw
output of the very same capture (written beside it through
PYHAWK_TEST_RAW_COPY), threads are labels with their names, --idle makes the
time wall-clock, -F gives functions their first line; the format follows the
file name (.pb.gz, .pprof) and names the default file."""

import gzip
import os
import re
import sys

import pytest

from conftest import EXIT, ROOT, matrix_params, run_pyhawk, workload

sys.path.insert(0, os.path.join(ROOT, "tests"))
import pprof_go  # noqa: E402


def newest_py():
    return matrix_params()[-1].values[0]


def capture(py, script_args, tmp_path, extra=(), name="p.pb.gz"):
    """record -o NAME (pprof) with the raw copy of the same capture; returns
    (pprof path, raw text, CompletedProcess)."""
    out, raw = tmp_path / name, tmp_path / "copy.txt"
    env = dict(os.environ, PYHAWK_TEST_RAW_COPY=str(raw))
    proc = run_pyhawk(["record", "-o", str(out)] + list(extra) + ["--", py.path] + list(script_args),
                      env=env)
    assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
    with open(out, "rb") as f:
        assert f.read(2) == b"\x1f\x8b", "not gzip"
    return str(out), raw.read_text(encoding="utf-8"), proc


def go_checks(path, raw, thread_roots):
    """Every consumer check of pprof_go; fails with the ones that failed."""
    failures = []
    check = pprof_go.Checks()
    real = check.__call__

    def record_failure(cond, what, detail=None):
        if not cond:
            failures.append((what, detail))
        return real(cond, what, detail)

    dump = pprof_go.compare(path, raw, False, thread_roots, record_failure)
    assert not failures, failures
    assert check.passed >= 3
    return dump


def def_line(path, name):
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f, 1):
            if re.match(r"\s*def %s\(" % re.escape(name), line):
                return i
    raise AssertionError("no def %s in %s" % (name, path))


@pytest.mark.parametrize("py", matrix_params())
def test_pprof_is_the_raw_capture(py, tmp_path):
    script = workload("named_threads.py")
    path, raw, _ = capture(py, [script, "0.4"], tmp_path, extra=["-t", "-r", "500"])
    dump = go_checks(path, raw, thread_roots=True)

    assert dump["period_type"] == "cpu nanoseconds" and dump["period"] == 2000000, dump["period"]
    assert dump["sample_types"] == ["samples/count", "cpu/nanoseconds[dflt]"]
    assert len(dump["comments"]) == 1 and script in dump["comments"][0], dump["comments"]
    names = {labels.get("thread_name") for _, _, labels in dump["samples"]}
    assert {"busy-A", "busy-B"} <= names, names
    assert all(labels["pid"] == dump["samples"][0][2]["pid"] for _, _, labels in dump["samples"])
    # The hot loop: spin's while line, in the workload's file, from both threads.
    spin = {(name, line) for name, file, line, _ in dump["locations"].values()
            if file.endswith("named_threads.py")}
    assert ("spin", def_line(script, "spin") + 2) in spin, spin


def test_pprof_idle_and_first_lines(tmp_path):
    py = newest_py()
    script = workload("shares.py")
    path, raw, _ = capture(py, [script, "0.5"], tmp_path, extra=["--idle", "-F", "-r", "200"])
    dump = go_checks(path, raw, thread_roots=False)

    assert dump["period_type"] == "wall nanoseconds", dump["period_type"]
    assert dump["sample_types"] == ["samples/count", "wall/nanoseconds[dflt]"]
    starts = {name: start for name, file, line, start in dump["locations"].values()
              if file.endswith("shares.py")}
    qual = "Worker.heavy" if py.minor >= (3, 11) else "heavy"
    for name, fn in ((qual, "heavy"), ("medium", "medium"), ("light", "light"), ("run", "run")):
        assert starts.get(name) == def_line(script, fn), (name, starts)
    # With -F a location's line is the function's first line too.
    assert all(line == start for name, file, line, start in dump["locations"].values()
               if file.endswith("shares.py"))


def test_pprof_format_from_the_file_name(tmp_path):
    py = newest_py()
    for name in ("p.pprof", "P.PB.GZ"):
        out = tmp_path / name
        proc = run_pyhawk(["record", "-o", str(out), "--", py.path, workload("busy.py"), "0.3"])
        assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
        assert gzip.decompress(out.read_bytes())[:1] == b"\x0a", name  # field 1 (sample_type) first
    proc = run_pyhawk(["record", "-f", "pprof", "--", py.path, workload("busy.py"), "0.3"], cwd=tmp_path)
    assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
    files = [f for f in os.listdir(tmp_path) if f.startswith("pyhawk-busy-")]
    assert len(files) == 1 and files[0].endswith(".pb.gz"), files
    assert "busy_loop" in pprof_go.go_pprof("-top", str(tmp_path / files[0]))
