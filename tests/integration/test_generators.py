"""Frames are right or marked, never garbage (issue 13): generators and
coroutines resumed every way, sampled at 2 kHz on every interpreter, and a
function whose name is longer than the kernel copies. A frame
caught while its memory was reused or relinked must show as <unknown> or
under a [partial] root, each counted under its reason in --stats; never an
empty or unprintable label, never a workload stack without its callers."""

import pytest

from conftest import LABEL, matrix_params, record, split_label, workload
from test_threads import check_counters

SCRIPT = workload("generators.py")
SECONDS = 4
RATE = 2000
PARTIAL = "[partial]"
UNKNOWN = "<unknown> (<unknown>)"
# The walker's own frames besides Python's: stack roots and leaves it adds.
MARKERS = ("[partial]", "[truncated]", "<GC>", UNKNOWN)
# Reasons whose samples are kept under a [partial] root (errors.def).
PARTIAL_REASONS = ("READ_FRAME", "READ_CODE", "BAD_FRAME", "DETACHED_GEN")


def well_formed(label):
    if label in MARKERS or (label.startswith("<import ") and label.endswith(">")):
        return True
    m = LABEL.match(label)
    return bool(m) and m.group("name").strip() != "" and label.isprintable() \
        and "\ufffd" not in label


@pytest.mark.parametrize("py", matrix_params())
def test_generator_frames_right_or_marked(py, tmp_path):
    proc, stacks = record(py, [SCRIPT, str(SECONDS)], tmp_path,
                          extra=["-r", str(RATE), "--stats"])
    stats = check_counters(proc.stderr, stacks)
    total = sum(stacks.values())
    assert total >= RATE * SECONDS // 4, "too few samples: %d" % total

    malformed = {s: n for s, n in stacks.items() if not all(map(well_formed, s))}
    assert not malformed, "malformed labels: %r" % list(malformed.items())[:5]

    # Every stack of the workload's own code starts at its module, or says
    # that it lost its callers. (Imports run from C at start-up have no
    # Python caller: they are not the workload's.)
    rootless = {s: n for s, n in stacks.items()
                if any("generators.py" in f for f in s)
                and not s[0].startswith("<module> (generators.py") and s[0] != PARTIAL}
    assert not rootless, "stacks without their callers, unmarked: %r" % list(rootless.items())[:5]

    # A name longer than the kernel copies ends with a visible mark.
    long_names = {split_label(f)[0] for s in stacks for f in s if f.startswith("long_x")}
    assert long_names == {"long_" + "x" * (512 - 5) + "\u2026"}, long_names

    partial = sum(n for s, n in stacks.items() if s[0] == PARTIAL)
    marked = sum(stats[r] for r in PARTIAL_REASONS)
    # Each [partial] sample is counted under exactly one reason (a sample
    # lost to a full ring buffer may have been counted first).
    assert marked - stats["RINGBUF_FULL"] <= partial <= marked, (partial, stats)
    unknown = sum(n for s, n in stacks.items() if UNKNOWN in s)
    assert not unknown or stats["UNKNOWN_CODE"] > 0, (unknown, stats)
    # Marked samples are the exception, not the rule.
    assert partial + unknown <= 0.01 * total, (partial, unknown, total)
    print("\n%s: %d samples, %d [partial] (%s), %d with <unknown>" % (
        py.label, total, partial, ", ".join("%s %d" % (r, stats[r]) for r in PARTIAL_REASONS),
        unknown))
