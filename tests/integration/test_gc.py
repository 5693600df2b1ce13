"""<GC>: a sample of a thread running a garbage collection ends in a <GC>
frame under the frame that set it off, from the interpreter's own
"collecting" state read in the kernel (every version, with or without
dtrace probes). The share of <GC> samples matches the share of CPU the
workload measured in its collections (gc.callbacks); --nogc leaves the
frame out. On every interpreter."""

import json

import pytest

from conftest import matrix_params, record, split_label, workload

SCRIPT = workload("gc_share.py")
SECONDS = 4
RATE = 400


def measured(stacks):
    """Samples inside measured(), and those of them ending in <GC>."""
    inside = gc = 0
    for stack, n in stacks.items():
        names = [split_label(f)[0] for f in stack]
        if "measured" not in names:
            continue
        inside += n
        gc += n if stack[-1] == "<GC>" else 0
    return inside, gc


@pytest.mark.statistical
@pytest.mark.parametrize("py", matrix_params())
def test_gc_share(py, tmp_path):
    truth_file = tmp_path / "truth.json"
    _, stacks = record(py, [SCRIPT, str(SECONDS), str(truth_file)], tmp_path, extra=["-r", str(RATE)])
    truth = json.loads(truth_file.read_text())
    inside, gc = measured(stacks)
    # Most of the workload's CPU time was sampled (under qemu's emulation a
    # 400 Hz timer falls short: 0.5).
    assert inside >= 0.5 * truth["cpu"] * RATE, (inside, truth)
    assert 0.1 <= truth["gc_share"] <= 0.9, truth  # the workload does what it says
    print("%s: <GC> %.3f, measured %.3f (%d samples)" % (py.label, gc / inside,
                                                       truth["gc_share"], inside))
    assert abs(gc / inside - truth["gc_share"]) <= 0.05, \
        "<GC> in %.3f of %d samples, the workload measured %.3f" % (gc / inside, inside,
                                                                    truth["gc_share"])
    # Under the frame that set it off: an allocation in build() or Node().
    parents = {split_label(s[-2])[0] for s in stacks
               if s[-1] == "<GC>" and any(split_label(f)[0] == "measured" for f in s)}
    assert parents <= {"build", "Node.__init__", "__init__", "<listcomp>", "build.<locals>.<listcomp>",
                       "measured", "measured.<locals>.on_gc", "on_gc"}, parents
    assert not [s for s in stacks if "<GC>" in s[:-1]], "<GC> must be a leaf"


@pytest.mark.parametrize("py", matrix_params())
def test_nogc(py, tmp_path):
    truth_file = tmp_path / "truth.json"
    _, stacks = record(py, [SCRIPT, "1", str(truth_file)], tmp_path, extra=["--nogc"])
    assert not [s for s in stacks if "<GC>" in s]
    inside, _ = measured(stacks)
    assert inside > 0
