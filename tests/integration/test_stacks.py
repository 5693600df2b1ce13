"""Exact stacks: every parked thread's sampled stack equals the truth from
sys._current_frames(), frame for frame (name, file, line), on every
interpreter."""

import collections
import json
import os
import re

import pytest

from conftest import PYHAWK, matrix_params, parse_raw, run_pyhawk, split_label, workload, EXIT

SCRIPT = workload("stacks.py")
THREAD_ROOT = re.compile(r"^thread \((\d+)\)")


@pytest.mark.parametrize("py", matrix_params())
def test_exact_stacks(py, tmp_path):
    truth_file = tmp_path / "truth.json"
    out = tmp_path / "out.txt"
    proc = run_pyhawk(["record", "-t", "-f", "raw", "-r", "200", "-o", str(out), "--full-filenames",
                       "--", py.path, SCRIPT, str(truth_file), "3"])
    assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    stacks = parse_raw(out.read_text(encoding="utf-8"))

    per_thread = collections.defaultdict(collections.Counter)
    for stack, count in stacks.items():
        m = THREAD_ROOT.match(stack[0])
        assert m, "no thread root frame: %r" % (stack[:1],)
        per_thread[m.group(1)][stack[1:]] += count

    assert len(truth) == 6
    for tid, t in truth.items():
        want = tuple("%s (%s:%d)" % (n, f, l) for n, f, l in t["stack"])
        assert len(want) >= 50
        got = per_thread.get(tid)
        assert got, "thread %s (%s) never sampled; threads seen: %s" % (tid, t["name"], list(per_thread))
        # Samples taken while the thread was still starting are not parked:
        # compare the stacks that end in spin() (all of them after start-up).
        parked = {s: c for s, c in got.items() if s and split_label(s[-1])[0] == "spin"}
        assert parked, got.most_common(3)
        best, n = max(parked.items(), key=lambda kv: kv[1])
        assert best == want, "\n".join(
            ["thread %s (%s): sampled vs truth" % (tid, t["name"])]
            + ["  %s %-60s | %s" % ("  " if a == b else "!!", a, b)
               for a, b in zip(list(best) + [""] * (len(want) - len(best)),
                               list(want) + [""] * (len(best) - len(want)))])
        # Almost every parked sample is the exact stack.
        assert n >= 0.9 * sum(parked.values()), parked
