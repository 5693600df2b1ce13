"""pyhawk diff on two real captures of a workload whose hot function's
share goes from 60 % to 20 %: that frame is blue (shrank), the other red
(grew), each frame holds both captures' samples at its path, and the page
shows both counts on hover. Then diff's usage and input errors."""

import json
import os
import re
import subprocess
import xml.etree.ElementTree as ET

import pytest

from conftest import EXIT, MATRIX, ROOT, check_error, parse_raw, record, run_pyhawk, workload

PY = MATRIX[0]
SCRIPT = workload("diffshare.py")
SVG = "{http://www.w3.org/2000/svg}"


def path_counts(stacks):
    """Samples at every path of labels from the root, and the total."""
    counts = {}
    for stack, n in stacks.items():
        for i in range(1, len(stack) + 1):
            counts[stack[:i]] = counts.get(stack[:i], 0) + n
    return counts, sum(stacks.values())


def frame_paths(frames):
    """Each frame element's path of labels (without the "all" root)."""
    def label(g):
        loc = g.get("data-loc")
        return "%s (%s)" % (g.get("data-name"), loc) if loc else g.get("data-name")

    paths = {}
    for g in sorted(frames, key=lambda g: int(g.get("data-d"))):
        d, s = int(g.get("data-d")), int(g.get("data-s"))
        if d == 0:
            paths[g] = ()
            continue
        parent = next(p for p in frames if int(p.get("data-d")) == d - 1 and
                      int(p.get("data-s")) <= s < int(p.get("data-s")) + int(p.get("data-n")))
        paths[g] = paths[parent] + (label(g),)
    return paths


def fill(g):
    return tuple(int(v) for v in re.findall(r"\d+", g.find(SVG + "rect").get("fill")))


@pytest.fixture(scope="module")
def captures(tmp_path_factory):
    """before: hot() 60 % of the CPU; after: 20 %. -F: a frame per
    function, so each has one frame to look at."""
    tmp = tmp_path_factory.mktemp("diff")
    _, before = record(PY, [SCRIPT, "0.6", "2"], tmp, extra=["-r", "400", "-F"], name="before.txt")
    _, after = record(PY, [SCRIPT, "0.2", "2"], tmp, extra=["-r", "400", "-F"], name="after.txt")
    return tmp, before, after


def share(stacks, name):
    total = sum(stacks.values())
    return sum(c for s, c in stacks.items() if any(f.startswith(name + " (") for f in s)) / total


@pytest.mark.statistical
def test_diff_colours_and_counts(captures):
    tmp, before, after = captures
    # The workload did what it says, within sampling noise.
    assert abs(share(before, "hot") - 0.6) <= 0.08, share(before, "hot")
    assert abs(share(after, "hot") - 0.2) <= 0.08, share(after, "hot")
    out = tmp / "diff.svg"
    proc = run_pyhawk(["diff", str(tmp / "before.txt"), str(tmp / "after.txt"), "-o", str(out)],
                      timeout=60)
    assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
    assert proc.stdout == ""
    assert re.search(r"^pyhawk: \d+ samples after, \d+ before; wrote .*diff\.svg$", proc.stderr,
                     re.M), proc.stderr

    root = ET.parse(out).getroot()
    frames = [g for g in root.iter(SVG + "g") if "frame" in g.get("class", "").split()]
    B, btotal = path_counts(before)
    A, atotal = path_counts(after)
    assert int(root.get("data-total")) == atotal and int(root.get("data-btotal")) == btotal
    # Every frame holds after's samples at its path and before's (drawn: after's paths).
    paths = frame_paths(frames)
    for g, path in paths.items():
        want = (A[path], B.get(path, 0)) if path else (atotal, btotal)
        assert (int(g.get("data-n")), int(g.get("data-b"))) == want, (path, want)

    def only(name):
        gs = [g for g in frames if g.get("data-name") == name and
              g.get("data-loc", "").startswith("diffshare.py")]
        assert len(gs) == 1, [paths[g] for g in gs]
        return gs[0]

    hot, other = only("hot"), only("other")
    r, g, b = fill(hot)
    assert b > r + 60 and b > g, ("hot shrank 60% -> 20%: blue", fill(hot))
    r, g, b = fill(other)
    assert r > b + 60 and r > g, ("other grew 40% -> 80%: red", fill(other))
    assert int(hot.get("data-b")) / btotal - int(hot.get("data-n")) / atotal >= 0.25

    # In the browser: hovering hot shows both counts and the change.
    node = subprocess.run(["node", os.path.join(ROOT, "tests/js/svg-tooltip.mjs"), str(out), "hot"],
                          capture_output=True, text=True, timeout=120)
    assert node.returncode == 0, node.stderr
    page = json.loads(node.stdout)
    assert page["errors"] == [] and page["frame"], page
    n, bn = int(hot.get("data-n")), int(hot.get("data-b"))
    assert page["shown"]["tooltip-count"] == "after: %d samples (%.2f%%)" % (n, 100 * n / atotal)
    m = re.fullmatch(r"before: (\d+) samples \(([\d.]+)%\), (-[\d.]+) points",
                     page["shown"]["tooltip-before"])
    assert m, page["shown"]
    assert int(m.group(1)) == bn and m.group(2) == "%.2f" % (100 * bn / btotal)
    assert float(m.group(3)) <= -25, m.group(3)


def test_diff_to_stdout_and_title(captures):
    tmp = captures[0]
    proc = run_pyhawk(["diff", "--title", "60 -> 20", "-o", "-", str(tmp / "before.txt"),
                       str(tmp / "after.txt")], timeout=60)
    assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
    root = ET.fromstring(proc.stdout)
    assert root.find(SVG + "title").text == "60 -> 20"
    assert "wrote stdout" in proc.stderr


@pytest.mark.parametrize("args,words", [
    (["diff"], ["diff needs two profiles: BEFORE AFTER"]),
    (["diff", "a.txt"], ["diff needs two profiles"]),
    (["diff", "a.txt", "b.txt", "c.txt"], ["unexpected argument 'c.txt'"]),
    (["diff", "a.txt", "b.txt", "-f", "raw"], ["unknown option '-f'"]),
    (["diff", "-p", "1", "a.txt", "b.txt"], ["unknown option '-p'"]),
])
def test_diff_usage_errors(args, words):
    check_error(run_pyhawk(args, timeout=30), "PH_EXIT_USAGE", *words)


def test_diff_input_errors(captures, tmp_path):
    good = str(captures[0] / "before.txt")
    out = tmp_path / "d.svg"
    bad = tmp_path / "bad.txt"
    bad.write_text("a;b 3\na;;b 2\n")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    cases = [
        ([str(tmp_path / "missing.txt"), good], "missing.txt: cannot read it: No such file"),
        ([good, str(tmp_path)], "cannot read it: Is a directory"),
        ([good, str(bad)], "bad.txt:2: frame 2 is empty"),
        ([str(empty), good], "empty.txt: no samples"),
        ([good, workload("diffshare.py")], "diffshare.py:1: "),
    ]
    for files, words in cases:
        check_error(run_pyhawk(["diff", "-o", str(out)] + files, timeout=30), "PH_EXIT_INPUT", words)
        assert not out.exists(), "a file written despite a bad input"
    check_error(run_pyhawk(["diff", "-o", str(tmp_path / "no" / "d.svg"), good, good], timeout=30),
                "PH_EXIT_OUTPUT", "cannot write the flame graph")


def test_diff_warns_when_no_root_matches(tmp_path):
    """Thread roots hold TIDs, which differ between captures: nothing
    matches, so diff says why the graph is all red (and still writes it)."""
    (tmp_path / "b.txt").write_text("thread (41): MainThread;main (app.py:3) 10\n")
    (tmp_path / "a.txt").write_text("thread (52): MainThread;main (app.py:3) 10\n")
    out = tmp_path / "d.svg"
    proc = run_pyhawk(["diff", str(tmp_path / "b.txt"), str(tmp_path / "a.txt"), "-o", str(out)],
                      timeout=30)
    assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
    assert re.search(r"^pyhawk: warning: no stack of .*a\.txt starts with a frame of .*b\.txt.*TIDs",
                     proc.stderr, re.M), proc.stderr
    frames = [g for g in ET.parse(out).getroot().iter(SVG + "g") if g.get("data-b") is not None]
    assert [int(g.get("data-b")) for g in frames if g.get("data-d") != "0"] == [0, 0]
    # Alike roots: no warning.
    (tmp_path / "a.txt").write_text("thread (41): MainThread;main (app.py:3) 10\n")
    proc = run_pyhawk(["diff", str(tmp_path / "b.txt"), str(tmp_path / "a.txt"), "-o", str(out)],
                      timeout=30)
    assert proc.returncode == EXIT["PH_EXIT_OK"] and "warning" not in proc.stderr, proc.stderr


def test_readme_diff_block_is_the_help():
    """README's fenced block that starts with "pyhawk diff" is diff --help's
    USAGE and OPTIONS, unindented (as record's block is record's)."""
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        text = f.read()
    blocks = [b for b in re.findall(r"^```[^\n]*\n(.*?)^```$", text, flags=re.S | re.M)
              if b.startswith("pyhawk diff")]
    assert len(blocks) == 1, "README.md needs one block starting with 'pyhawk diff'"
    proc = run_pyhawk(["diff", "--help"], timeout=30)
    assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
    lines = proc.stdout.split("\n")
    body = lines[lines.index("USAGE:") + 1:lines.index("EXAMPLES:")]
    body = [l[4:] if l.startswith("    ") else l for l in body if l != "OPTIONS:"]
    assert blocks[0] == "\n".join(body).rstrip("\n") + "\n"
