"""pprof_go.py: pyhawk's pprof files as Go's own pprof reads them (`go tool pprof -raw` and `-top`, Debian's
golang-go), against pyhawk's raw output of the same profile: every stack with its count, and the flat and
cumulative samples of every function and of every (function, line).

Run alone it checks the golden files (tests/golden/*.pb with the raw golden files of the same fixtures) and
the gzipped file the unit test wrote (tests/artifacts/threads.pb.gz), and ends with "N passed, N failed";
tests/integration/test_pprof.py imports it for a real capture."""

import collections
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOLDEN = os.path.join(ROOT, "tests", "golden")
ARTIFACTS = os.path.join(ROOT, "tests", "artifacts")
GO = os.environ.get("GO", "go")


def go_pprof(*args):
    """go tool pprof's stdout; its stderr must be empty (no complaint about
    the file, no symbolization attempt)."""
    proc = subprocess.run([GO, "tool", "pprof"] + list(args), capture_output=True, text=True,
                          timeout=120)
    if proc.returncode != 0 or proc.stderr.strip():
        raise RuntimeError("go tool pprof %s: exit %d: %s" % (" ".join(args), proc.returncode,
                                                               proc.stderr.strip()))
    return proc.stdout


def raw_text(label):
    """A label as pyhawk's raw format writes it: ';' separates frames, a
    control character would break the line."""
    return re.sub(r"[\x00-\x1f\x7f]", "?", label.replace(";", ","))


LOCATION = re.compile(r"^\s*(\d+): 0x0 M=1 (.*) s=(-?\d+)\((.*)\)$")
SAMPLE = re.compile(r"^\s+(\d+)(?:\s+(\d+))?: ([\d ]*)$")
NUM_LABELS = re.compile(r"^\s+pid:\[(\d+)\] tid:\[(\d+)\]$")
STR_LABELS = re.compile(r"^\s+(?:cmdline:\[(?P<cmd>.*?)\])? ?(?:thread_name:\[(?P<name>.*)\])?$")


def parse_location(body, system_name):
    """'NAME FILE:LINE' as -raw prints a location, split with the help of
    the system name (FILE:NAME, or none for pyhawk's own frames)."""
    if not system_name:
        m = re.fullmatch(r"(.*) :(-?\d+)", body)
        return m.group(1), "", int(m.group(2))
    for i, c in enumerate(system_name):
        if c != ":":
            continue
        file, name = system_name[:i], system_name[i + 1:]
        m = re.fullmatch(re.escape(name) + " " + re.escape(file) + r":(-?\d+)", body)
        if m:
            return name, file, int(m.group(1))
    raise ValueError("cannot split location %r (system name %r)" % (body, system_name))


def parse_raw_dump(text):
    """`go tool pprof -raw` -> dict: samples [(counts, [location id, leaf
    first], labels)], locations {id: (name, file, line, start line)},
    comments, period type, period."""
    out = {"samples": [], "locations": {}, "comments": [], "period": None, "period_type": None,
           "sample_types": None}
    section = None
    for line in text.splitlines():
        if line.startswith("Comment: "):
            out["comments"].append(line[len("Comment: "):])
        elif line.startswith("PeriodType: "):
            out["period_type"] = line[len("PeriodType: "):]
        elif line.startswith("Period: "):
            out["period"] = int(line[len("Period: "):])
        elif line in ("Samples:", "Locations", "Mappings"):
            section = line
        elif section == "Samples:" and out["sample_types"] is None:
            out["sample_types"] = line.split()
        elif section == "Samples:":
            m = SAMPLE.match(line)
            if m:
                values = [int(v) for v in m.group(1, 2) if v is not None]
                out["samples"].append((values, [int(i) for i in m.group(3).split()], {}))
                continue
            labels = out["samples"][-1][2]
            m = NUM_LABELS.match(line)
            if m:
                labels["pid"], labels["tid"] = int(m.group(1)), int(m.group(2))
                continue
            m = STR_LABELS.match(line)
            labels["cmdline"], labels["thread_name"] = m.group("cmd"), m.group("name")
        elif section == "Locations":
            m = LOCATION.match(line)
            name, file, lineno = parse_location(m.group(2), m.group(4))
            out["locations"][int(m.group(1))] = (name, file, lineno, int(m.group(3)))
    return out


def label_of(name, file, line):
    """pyhawk's frame label: 'name (file:line)', 'name (file)' or 'name'."""
    if file:
        return "%s (%s%s)" % (name, file, ":%d" % line if line > 0 else "")
    return name


def collapsed(dump, process_roots, thread_roots):
    """The samples as the raw format's stacks (root first, the roots made
    from the labels) -> Counter of the line without its count."""
    stacks = collections.Counter()
    for values, ids, labels in dump["samples"]:
        frames = []
        if process_roots:
            cmd = labels.get("cmdline")
            frames.append("process %d%s" % (labels["pid"], ": " + cmd if cmd else ""))
        if thread_roots:
            name = labels.get("thread_name")
            frames.append("thread (%d)%s" % (labels["tid"], ": " + name if name else ""))
        frames += [label_of(*dump["locations"][i][:3]) for i in reversed(ids)]
        stacks[";".join(raw_text(f) for f in frames)] += values[0]
    return stacks


def parse_collapsed(text):
    """pyhawk's raw output -> Counter of the line without its count."""
    stacks = collections.Counter()
    for line in text.splitlines():
        frames, _, count = line.rpartition(" ")
        stacks[frames] += int(count)
    return stacks


LABEL = re.compile(r"^(?P<name>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def top_key(label, lines):
    """A raw label as `go tool pprof -top` names its node: 'name file:line'
    (with -lines; 'name file' when there is no line), else the name."""
    m = LABEL.match(label)
    if not m:
        return label
    if not lines:
        return m.group("name")
    return "%s %s%s" % (m.group("name"), m.group("file"), ":" + m.group("line") if m.group("line") else "")


def totals(stacks, lines, skip_roots):
    """Flat and cumulative samples per top node from raw stacks: flat for
    the leaf, cumulative once per stack for every node in it."""
    flat, cum = collections.Counter(), collections.Counter()
    for stack, n in stacks.items():
        keys = [top_key(f, lines) for f in stack.split(";")[skip_roots:]]
        flat[keys[-1]] += n
        for k in set(keys):
            cum[k] += n
    return flat, cum


TOP = re.compile(r"^\s*(\d+)\s+[\d.]+%\s+[\d.]+%\s+(\d+)\s+[\d.]+%\s+(.*)$")


def go_top(path, lines):
    """`go tool pprof -top` in samples, every node -> (flat, cum)."""
    # Every node: -top leaves out those under 0.5% unless told otherwise.
    args = ["-top", "-nodecount=0", "-nodefraction=0", "-sample_index=samples"]
    args += (["-lines"] if lines else []) + [path]
    nodes = {}
    for line in go_pprof(*args).splitlines():
        m = TOP.match(line)
        if m:
            nodes[raw_text(m.group(3))] = (int(m.group(1)), int(m.group(2)))
    return nodes


def compare(path, raw, process_roots, thread_roots, check):
    """Every check of one pprof file against the raw output of the same
    profile (text), made with thread roots (and process roots as given)."""
    want = parse_collapsed(raw)
    dump = parse_raw_dump(go_pprof("-raw", path))
    name = os.path.basename(path)
    check(collapsed(dump, process_roots, thread_roots) == want, "%s: every stack and its count" % name)
    # The raw output's node totals, its roots left out (labels in pprof).
    skip = int(process_roots) + int(thread_roots)
    for lines in (True, False):
        flat, cum = totals(want, lines, skip)
        got = go_top(path, lines)
        what = "(function, line)" if lines else "function"
        check({k: (flat[k], cum[k]) for k in cum} == got,
              "%s: flat and cumulative samples per %s" % (name, what),
              sorted(set(got.items()) ^ {k: (flat[k], cum[k]) for k in cum}.items()))
    return dump


class Checks:
    def __init__(self):
        self.passed = self.failed = 0

    def __call__(self, cond, what, detail=None):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL: %s%s" % (what, "" if detail is None else ": %r" % (detail,)))
        return cond


def main():
    check = Checks()
    cases = [("threads.pb", "threads.txt", False), ("processes.pb", "processes.txt", True)]
    if os.path.exists(os.path.join(ARTIFACTS, "threads.pb.gz")):
        cases.append((os.path.join(ARTIFACTS, "threads.pb.gz"), "threads.txt", False))
    else:
        check(False, "tests/artifacts/threads.pb.gz: written by test_output first")
    for pb, txt, processes in cases:
        path = os.path.join(GOLDEN, pb)
        with open(os.path.join(GOLDEN, txt), encoding="utf-8") as f:
            raw = f.read()
        try:
            dump = compare(path, raw, processes, True, check)
        except Exception as e:  # a file Go cannot read, or output we cannot parse
            check(False, "%s: %r" % (pb, e))
            continue
        if os.path.basename(pb).startswith("threads"):
            check(dump["comments"] == ['python3 app.py --mode="fast" & <run>'], "%s: comment" % pb,
                  dump["comments"])
            check(dump["period_type"] == "cpu nanoseconds" and dump["period"] == 10000000,
                  "%s: period" % pb, (dump["period_type"], dump["period"]))
            check(dump["sample_types"] == ["samples/count", "cpu/nanoseconds[dflt]"],
                  "%s: sample types, the time the default" % pb, dump["sample_types"])
            check(all(v[1] == v[0] * 10000000 for v, _, _ in dump["samples"]),
                  "%s: nanoseconds = samples x period" % pb)
    # The threads without thread roots: the merged raw output.
    with open(os.path.join(GOLDEN, "threads-merged.txt"), encoding="utf-8") as f:
        merged = parse_collapsed(f.read())
    dump = parse_raw_dump(go_pprof("-raw", os.path.join(GOLDEN, "threads.pb")))
    check(collapsed(dump, False, False) == merged, "threads.pb: stacks without thread roots")
    # No samples: Go still reads it, and says so.
    try:
        out = go_pprof("-top", os.path.join(GOLDEN, "empty.pb"))
        check("Showing nodes accounting for 0, 0% of 0 total" in out, "empty.pb: read, no samples", out)
    except Exception as e:
        check(False, "empty.pb: %r" % e)
    print("go tool pprof: %d passed, %d failed" % (check.passed, check.failed))
    return 1 if check.failed else 0


if __name__ == "__main__":
    sys.exit(main())
