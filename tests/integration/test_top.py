"""pyhawk top: on a terminal (tmux) the table of a known 60/30/10 split
within 3 s, keys 1, 2 (by %Total), L (by line), W, R, P (by process), q
and Ctrl-C (the terminal restored); --all with two interpreters (PID
column); non-ASCII names aligned; on a pipe the plain blocks (--once, -d,
several -p); the command's exit status."""

import itertools
import os
import re
import shlex
import shutil
import subprocess
import time
import unicodedata

import pytest

from conftest import EXIT, MATRIX, PYHAWK, start_ready, tagged_script, workload

SPLIT = workload("top_split.py")
LEAVES = {"topsplit_sixty": 60.0, "topsplit_thirty": 30.0, "topsplit_ten": 10.0}
OUTER = "topsplit_outer"
TOL = 7.0  # points of %Own
# Samples are of CPU time: on a loaded machine a busy workload gets fewer;
# shares within TOL want a few hundred.
RATE = 1000
WIDE_FILE = "wörk_ünï.py"
WIDE_LEAVES = {"rechnen_größe": 60.0, "计算": 30.0}  # and a long CJK name, 10 %
SIZE = (160, 40)
PY = next((p for p in MATRIX if p.label == "pyenv-3.12"), MATRIX[-1])

TITLE = re.compile(r"^pyhawk top: (?P<state>.*?) — (?P<target>.*)$")
SAMPLES = re.compile(r"^Samples: (?P<rate>[\d.]+)/s, (?P<n>\d+) in all; GIL held: [\d.]+%; "
                     r"(?:active: (?P<active>[\d.]+)%; )?threads: \d+; lost: \d+$")
VIEW = re.compile(r"^View: (?P<counts>[^,]+), by (?P<by>function|line), "
                  r"(?P<grouped>by process, )?sorted by (?P<sort>\S+)$")
COLUMNS = re.compile(r"^\s+%Own\s+%Total\s+OwnTime\s+TotalTime\s+(?:PID\s+)?"
                     r"Function \(file(?::line)?\)$")
ROW = re.compile(r"^\s*(?P<own>[\d.]+)%\s+(?P<total>[\d.]+)%\s+(?P<own_time>[\d.]+)s\s+"
                 r"(?P<total_time>[\d.]+)s\s+(?P<pid>\d+\s+)?(?P<label>\S.*?)\s*$")
HEADING = re.compile(r"^\s*PID (?P<pid>\d+): (?P<cmdline>.*)$")
LABEL = re.compile(r"^(?P<name>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


# ---------------------------------------------------------------- parsing

def width(text):
    """Display columns of text: East Asian wide and full-width characters
    take two, combining marks none."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c)
               else 1 for c in text)


class Row:
    def __init__(self, m, line):
        self.own, self.total = float(m.group("own")), float(m.group("total"))
        self.own_time, self.total_time = float(m.group("own_time")), float(m.group("total_time"))
        self.pid = int(m.group("pid")) if m.group("pid") else None
        self.label, self.line = m.group("label"), line
        self.label_col = width(line[:m.start("label")])
        self.name, self.file, self.lineno = self.label, None, None
        lm = LABEL.match(self.label)
        if lm:
            self.name, self.file = lm.group("name"), lm.group("file")
            self.lineno = int(lm.group("line")) if lm.group("line") else None

    def __repr__(self):
        return repr(self.line)


class Block:
    """One table: its header fields, its rows in order, and the process
    headings (P) in order among them (items: Row or (pid, cmdline))."""

    def __init__(self, lines, strict):
        self.lines = lines
        m = TITLE.match(lines[0])
        assert m, "no title line: %r" % lines[0]
        self.target, self.state = m.group("target"), m.group("state")
        m = SAMPLES.match(lines[1])
        assert m, "no samples line: %r" % lines[1]
        self.rate, self.n = float(m.group("rate")), int(m.group("n"))
        self.active = float(m.group("active")) if m.group("active") else None
        m = VIEW.match(lines[2])
        assert m, "no view line: %r" % lines[2]
        self.counts, self.by, self.sort = m.group("counts"), m.group("by"), m.group("sort")
        self.grouped = bool(m.group("grouped"))
        at = next((i for i, l in enumerate(lines) if COLUMNS.match(l)), None)
        assert at is not None, "no column header in %r" % lines
        self.columns = lines[at]
        self.label_col = width(self.columns[:self.columns.index("Function")])
        self.items, self.rows = [], []
        for line in lines[at + 1:]:
            m, h = ROW.match(line), HEADING.match(line)
            if m:
                self.rows.append(Row(m, line))
                self.items.append(self.rows[-1])
            elif h:
                self.items.append((int(h.group("pid")), h.group("cmdline")))
            else:
                # On a pipe every line of a table is a row; a screen may
                # have a status or help line under it.
                assert not strict, "not a row: %r" % line

    def find(self, name, lineno=None, pid=None):
        got = [r for r in self.rows if r.name == name and (lineno is None or r.lineno == lineno)
               and (pid is None or r.pid == pid)]
        assert len(got) <= 1, got
        return got[0] if got else None

    def __str__(self):
        return "\n".join(self.lines)


def parse_blocks(text):
    """The blocks pyhawk top printed on a pipe: a header, a blank line, the
    table, a blank line."""
    lines = text.split("\n")
    starts = [i for i, l in enumerate(lines) if l.startswith("pyhawk top: ")]
    assert starts and starts[0] == 0, "output does not start with a block: %r" % text[:200]
    blocks = []
    for at, end in zip(starts, starts[1:] + [len(lines) - 1]):
        chunk = lines[at:end]
        assert chunk[3] == "" and chunk[-1] == "", "block not framed by blank lines: %r" % chunk
        blocks.append(Block(chunk[:3] + chunk[4:-1], strict=True))
    assert lines[-1] == "", "output does not end with a newline"
    return blocks


def parse_screen(lines):
    """The block on a captured screen, or None (not drawn yet, or left):
    from the title line to the first blank line after the column header."""
    at = next((i for i, l in enumerate(lines) if l.startswith("pyhawk top: ")), None)
    if at is None:
        return None
    cols = next((i for i in range(at, len(lines)) if COLUMNS.match(lines[i])), None)
    if cols is None:
        return None  # half drawn
    end = next((i for i in range(cols, len(lines)) if not lines[i].strip()), len(lines))
    try:
        return Block(lines[at:at + 3] + lines[cols:end], strict=False)
    except AssertionError:
        return None


def source_line(path, marker):
    with open(path) as f:
        for i, text in enumerate(f, 1):
            if text.rstrip().endswith(marker):
                return i
    raise AssertionError("no %r in %s" % (marker, path))


# ---------------------------------------------------------------- checks

def top_rows_are(block, want, lines=None):
    """None if block's first rows are want's functions in order with %Own
    within TOL of want's, else why not."""
    if block is None:
        return "no table"
    rows = block.rows[:len(want)]
    names = [r.name for r in rows]
    if names != list(want):
        return "first rows %s, want %s" % (names, list(want))
    for r in rows:
        if abs(r.own - want[r.name]) > TOL:
            return "%s: %%Own %.1f, want %.0f +- %.0f" % (r.name, r.own, want[r.name], TOL)
        if lines and r.lineno != lines[r.name]:
            return "%s: line %s, want %d" % (r.name, r.lineno, lines[r.name])
    return None


def check_times(block, rate):
    """OwnTime and TotalTime are each row's samples / the rate; %Own is
    sorted; a function's Total holds its Own."""
    assert block.sort == "%Own", block
    owns = [r.own for r in block.rows]
    assert owns == sorted(owns, reverse=True), block
    for r in block.rows:
        assert r.total >= r.own, r
        for pct, secs in ((r.own, r.own_time), (r.total, r.total_time)):
            want = pct / 100 * block.n / rate
            # The shown figures are rounded: 0.1 % of N, 0.01 s.
            assert abs(secs - want) <= 0.006 + 0.0006 * block.n / rate, (r, block.n, want)


def check_split(block, want, file):
    assert top_rows_are(block, want) is None, "%s\n%s" % (top_rows_are(block, want), block)
    for name in want:
        assert block.find(name).file == file, block.find(name)


def is_gone(pid):
    """True if pid has exited (gone, or a zombie nobody reaped yet)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def wait_gone(pid, timeout=3.0):
    end = time.monotonic() + timeout
    while not is_gone(pid):
        if time.monotonic() > end:
            return False
        time.sleep(0.05)
    return True


def kill_pid_file(path):
    """Kills the workload whose PID path holds, if it still runs."""
    if path.exists() and not is_gone(int(path.read_text())):
        os.kill(int(path.read_text()), 9)


# ---------------------------------------------------------------- tmux

_sockets = itertools.count()


class Tmux:
    """A tmux server of its own (-L), one 160x40 window running sh in a
    UTF-8 locale; run() starts pyhawk top in it through a wrapper that
    writes its exit status to a file. The wrapper runs in tmp_path, so that
    commands can be short (split_copy)."""

    def __init__(self, tmp_path):
        self.tmp = tmp_path
        self.socket = "pyhawk-top-%d-%d" % (os.getpid(), next(_sockets))
        self.status_file = tmp_path / "status"

    def __enter__(self):
        self.path = None
        try:
            self.tmux("new-session", "-d", "-x", str(SIZE[0]), "-y", str(SIZE[1]),
                      "env LANG=C.UTF-8 LC_ALL= TERM=tmux-256color sh")
            self.path = self.tmux("display", "-p", "#{socket_path}").strip()
        except BaseException:
            self.__exit__()  # a server started half-way is killed too
            raise
        return self

    def __exit__(self, *exc):
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True,
                       timeout=10)
        if self.path:  # tmux 3.3 leaves a killed server's socket file
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass

    def tmux(self, *args):
        return subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null"] + list(args),
                              check=True, capture_output=True, text=True, timeout=10).stdout

    def run(self, args):
        """Types the wrapper's command line; returns time.monotonic() then."""
        script = self.tmp / "run.sh"
        # trap: Ctrl-C in the pane reaches the wrapper too, which must live
        # on to write the status (pyhawk gets SIGINT's default back at exec).
        script.write_text("trap : INT\ncd %s\necho BEFORE-TOP\n%s\necho $? > %s\n" % (
            shlex.quote(str(self.tmp)), " ".join(shlex.quote(a) for a in [PYHAWK, "top"] + args),
            shlex.quote(str(self.status_file))))
        self.tmux("send-keys", "-l", "sh %s" % shlex.quote(str(script)))
        self.tmux("send-keys", "Enter")
        return time.monotonic()

    def keys(self, *keys):
        self.tmux("send-keys", *keys)

    def screen(self):
        return self.tmux("capture-pane", "-p").split("\n")[:SIZE[1]]

    def flag(self, name):
        return self.tmux("display", "-p", "#{%s}" % name).strip()

    def wait(self, why_not, timeout):
        """Polls the screen until why_not(block) is None; returns the block.
        why_not returns a reason (str) while the screen is not there yet."""
        end = time.monotonic() + timeout
        while True:
            lines = self.screen()
            block = parse_screen(lines)
            reason = why_not(block)
            if reason is None:
                return block
            if time.monotonic() > end:
                raise AssertionError("after %.1f s: %s; screen:\n%s\n(%s)" % (
                    timeout, reason, "\n".join(lines), reason))
            time.sleep(0.1)

    def exit_status(self, timeout=5.0):
        end = time.monotonic() + timeout
        while not (self.status_file.exists() and self.status_file.read_text().endswith("\n")):
            assert time.monotonic() < end, "pyhawk top did not exit; screen:\n%s" % "\n".join(
                self.screen())
            time.sleep(0.05)
        return int(self.status_file.read_text())

    def check_restored(self):
        """The shell's own screen is back: no alternate screen, the cursor
        shown, the line printed before top and no table."""
        assert self.flag("alternate_on") == "0"
        assert self.flag("cursor_flag") == "1"
        lines = self.screen()
        assert "BEFORE-TOP" in lines, "\n".join(lines)
        assert not any(l.startswith(("pyhawk top:", "Samples:")) for l in lines), "\n".join(lines)


def sorted_by_total(block):
    if block is None or block.sort != "%Total":
        return "not sorted by %Total"
    totals = [r.total for r in block.rows]
    if totals != sorted(totals, reverse=True):
        return "%%Total not in order: %s" % totals
    first = block.rows[0]
    if first.name != OUTER or first.total < 100 - TOL:
        return "first row %r, want %s with %%Total >= %.0f" % (first, OUTER, 100 - TOL)
    return None


def by_line_rows(block, loops, calls):
    """None if each leaf has its loop's line with its %Own, and the outer
    function's call of it that leaf's share as %Total."""
    if block is None or block.by != "line":
        return "not by line"
    for name, share in LEAVES.items():
        r = block.find(name, loops[name])
        if r is None or abs(r.own - share) > TOL:
            return "%s:%d: %r, want %%Own %.0f" % (name, loops[name], r, share)
        others = [x for x in block.rows if x.name == name and x.lineno != loops[name]
                  and x.own > 2]
        if others:
            return "%s: other lines %s" % (name, others)
        c = block.find(OUTER, calls[name])
        if c is None or abs(c.total - share) > TOL:
            return "%s:%d (call of %s): %r, want %%Total %.0f" % (OUTER, calls[name], name, c,
                                                                   share)
    return None


def split_copy(tmp_path):
    """top_split.py in tmp_path, to run from there by a short name (the
    header's first line, cut at the screen's width, ends with the elapsed
    time and the command's exit)."""
    shutil.copy(SPLIT, tmp_path / "top_split.py")
    return "top_split.py"


def test_terminal_keys_and_quit(tmp_path):
    # -p: a running workload, so that the first second holds no start-up.
    target = start_ready([PY.path, split_copy(tmp_path)], cwd=tmp_path)
    loops = {n: source_line(SPLIT, "LOOP:%s" % n) for n in LEAVES}
    calls = {n: source_line(SPLIT, "# CALL:%s" % n) for n in LEAVES}
    try:
        with Tmux(tmp_path) as t:
            t0 = t.run(["-r", "500", "-p", str(target.pid)])
            t.wait(lambda b: top_rows_are(b, LEAVES), timeout=5.0 - (time.monotonic() - t0))
            t.keys("2")
            t.wait(sorted_by_total, timeout=2.5)
            t.keys("L")
            t.wait(lambda b: by_line_rows(b, loops, calls), timeout=2.5)
            t.keys("1")
            block = t.wait(lambda b: top_rows_are(b, LEAVES, loops), timeout=2.5)
            assert block.by == "line" and block.sort == "%Own", block
            assert all(r.file == "top_split.py" for r in block.rows[:3]), block
            # W: the last interval's counts (1 s: a fifth or so of the 5 s
            # since start), and back; R: counts from zero.
            time.sleep(max(0.0, t0 + 5 - time.monotonic()))
            n = parse_screen(t.screen()).n
            t.keys("W")
            t.wait(lambda b: None if b and b.counts != "since start" and b.n < n / 2
                   else "W: still since start", timeout=2.5)
            t.keys("W")
            n = t.wait(lambda b: None if b and b.counts == "since start" else "W: not back",
                       timeout=2.5).n
            t.keys("R")
            t.wait(lambda b: None if b and b.n < n / 2 else "R: not reset", timeout=2.5)
            # Space: the table stands still (sampling goes on); again: it moves.
            t.keys("Space")
            n = t.wait(lambda b: None if b and "[paused]" in b.state else "not paused",
                       timeout=2.5).n
            time.sleep(1.5)
            assert parse_screen(t.screen()).n == n, "the table moved while paused"
            t.keys("Space")
            t.wait(lambda b: None if b and b.n > n and "[paused]" not in b.state
                   else "not resumed", timeout=2.5)
            # ?: the help instead of the table; any key: the table again.
            t.keys("?")
            t.wait(lambda b: None if b is None and "pyhawk top: keys" in t.screen()
                   else "no help", timeout=2.5)
            t.keys("x")
            t.wait(lambda b: None if b else "no table after the help", timeout=2.5)
            t.keys("q")
            assert t.exit_status() == EXIT["PH_EXIT_OK"]
            t.check_restored()
            assert target.poll() is None, "top -p ended its target"
    finally:
        target.kill()
        target.wait()


def test_terminal_quit_ends_command(tmp_path):
    pid_file = tmp_path / "pid"
    try:
        with Tmux(tmp_path) as t:
            t.run(["--", PY.path, split_copy(tmp_path), "600", "0", "pid"])
            t.wait(lambda b: None if b and b.find("topsplit_sixty") else "no table", timeout=10)
            t.keys("q")
            assert t.exit_status() == EXIT["PH_EXIT_OK"]
            t.check_restored()
            # The command, still running at q, was ended.
            assert wait_gone(int(pid_file.read_text())), "the command outlived top"
    finally:
        kill_pid_file(pid_file)


@pytest.mark.statistical
def test_terminal_command_exit_status(tmp_path):
    # The command exits 3: the header says so, the last table stays until
    # q, then pyhawk exits 3.
    with Tmux(tmp_path) as t:
        t.run(["-r", "500", "--", PY.path, split_copy(tmp_path), "1.5", "3"])
        block = t.wait(lambda b: None if b and "exited with status 3" in b.state
                       else "not exited", timeout=10)
        check_split(block, LEAVES, "top_split.py")
        time.sleep(1.5)  # longer than the interval: the table stays, top too
        later = parse_screen(t.screen())
        assert later and "exited with status 3" in later.state, t.screen()
        assert [r.line for r in later.rows] == [r.line for r in block.rows], later
        assert not t.status_file.exists(), "top left before q"
        t.keys("q")
        assert t.exit_status() == 3
        t.check_restored()


def other_interpreter():
    """An interpreter of another minor version than PY, the oldest."""
    others = [p for p in MATRIX if p.minor != PY.minor]
    if not others:
        pytest.fail("--all test needs two Python versions; the matrix has %s only"
                    % ", ".join(p.label for p in MATRIX))
    return others[0]


def test_terminal_all_two_interpreters(tmp_path):
    pys = {"topall_new": PY, "topall_old": other_interpreter()}
    procs = {}
    try:
        for tag, py in pys.items():
            # Niced up: by process, the busiest processes come first, and
            # one other Python of the host busier than these could fill the
            # screen with its rows.
            procs[tag] = start_ready(["nice", "-n", "-10", py.path, tagged_script(tmp_path, tag)])
        pids = {tag: p.pid for tag, p in procs.items()}

        def both(block):
            # Each process's own functions with its PID, the heavy one
            # (75 %) above the light one (25 %).
            if block is None:
                return "no table"
            for tag, pid in pids.items():
                heavy, light = (block.find("%s_%s" % (k, tag)) for k in ("heavy", "light"))
                if heavy is None or light is None:
                    return "no rows of %s (PID %d)" % (tag, pid)
                if heavy.pid != pid or light.pid != pid:
                    return "%s's rows %r, %r: want PID %d" % (tag, heavy, light, pid)
                if not heavy.own > light.own:
                    return "%s: %r not above %r" % (tag, heavy, light)
                if not (heavy.file == "w_%s.py" % tag == light.file):
                    return "%s: files %s, %s" % (tag, heavy.file, light.file)
            return None

        def grouped(block):
            # P: a heading per process, each function under its own.
            if block is None or not block.grouped:
                return "not grouped by process"
            heads = {x[0]: (i, x[1]) for i, x in enumerate(block.items) if isinstance(x, tuple)}
            starts = sorted(i for i, _ in heads.values())
            for tag, pid in pids.items():
                if pid not in heads:
                    return "no heading for PID %d" % pid
                at, cmdline = heads[pid]
                if "w_%s.py" % tag not in cmdline:
                    return "PID %d's heading: %r" % (pid, cmdline)
                end = next((s for s in starts if s > at), len(block.items))
                mine = [x for x in block.items[at + 1:end] if isinstance(x, Row)]
                names = {r.name for r in mine}
                if not {"heavy_" + tag, "light_" + tag} <= names:
                    return "PID %d's group has %s" % (pid, sorted(names))
                stray = [r for r in block.rows if r.name.endswith("_" + tag) and r not in mine]
                if stray:
                    return "%s's rows outside its group: %s" % (tag, stray)
            return None

        with Tmux(tmp_path) as t:
            t.run(["--all", "-r", "200"])
            block = t.wait(both, timeout=6)
            assert COLUMNS.match(block.columns) and "PID" in block.columns, block.columns
            t.keys("P")
            t.wait(grouped, timeout=2.5)
            t.keys("q")
            assert t.exit_status() == EXIT["PH_EXIT_OK"]
            t.check_restored()
            # --all ends nobody.
            assert all(p.poll() is None for p in procs.values())
    finally:
        for p in procs.values():
            p.kill()
            p.wait()


@pytest.mark.statistical
def test_terminal_wide_names_aligned(tmp_path):
    script = tmp_path / WIDE_FILE
    with open(workload("wide_names.py"), encoding="utf-8") as f:
        text = f.read()
    script.write_text(text, encoding="utf-8")
    long_name = re.search(r"^def (数\w+)\(", text, re.M).group(1)
    want = dict(WIDE_LEAVES, **{long_name: 10.0})
    proc = start_ready([PY.path, WIDE_FILE], cwd=tmp_path)
    try:
        with Tmux(tmp_path) as t:
            t.run(["-p", str(proc.pid), "-r", "500"])
            block = t.wait(lambda b: top_rows_are(b, WIDE_LEAVES), timeout=6)
            lines = t.screen()
            t.keys("C-c")  # quits as q does
            assert t.exit_status() == EXIT["PH_EXIT_OK"]
            t.check_restored()
    finally:
        proc.kill()
        proc.wait()
    for name in WIDE_LEAVES:
        assert block.find(name).label == "%s (%s)" % (name, WIDE_FILE), block.find(name)
    # The long one is wider than the screen: cut, never wrapped onto the
    # next line.
    longs = [r for r in block.rows if r.label.startswith(long_name[:20])]
    assert len(longs) == 1, block
    assert abs(longs[0].own - want[long_name]) <= TOL, longs[0]
    full = "%s (%s)" % (long_name, WIDE_FILE)
    shown = longs[0].label.rstrip("…>~+.")
    assert full.startswith(shown), (shown, full)
    assert all(width(l) <= SIZE[0] for l in lines), [l for l in lines if width(l) > SIZE[0]]
    # Every row, those after the wide names too, in the same columns: the
    # label at the header's Function column, each number ending where the
    # header's name for it ends; the line after each wide name is a row.
    ends = [width(block.columns[:m.end()]) for m in re.finditer(r"\S+", block.columns)][:4]
    for r in block.rows:
        assert r.label_col == block.label_col, (r, r.label_col, block.label_col)
        got = [width(r.line[:m.end()]) for m in re.finditer(r"\S+", r.line)][:4]
        assert got == ends, (r, got, ends)
    for name in want:
        at = block.lines.index(next(r.line for r in block.rows if r.name.startswith(name[:20])))
        after = block.lines[at + 1] if at + 1 < len(block.lines) else ""
        assert not after.strip() or ROW.match(after), "the line after %s: %r" % (name, after)


# ---------------------------------------------------------------- not a terminal

@pytest.mark.statistical
def test_pipe_once(tmp_path):
    pid_file = tmp_path / "pid"
    try:
        proc = subprocess.run([PYHAWK, "top", "--once", "--interval", "2", "-r", str(RATE), "--",
                               PY.path, SPLIT, "600", "0", str(pid_file)],
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
        blocks = parse_blocks(proc.stdout)
        assert len(blocks) == 1, proc.stdout
        b = blocks[0]
        assert "PID" not in b.columns and b.active is None, b
        assert (b.counts, b.by) == ("since start", "function"), b
        # Samples are of CPU time: one busy thread, at most one per period.
        assert 300 <= b.n <= 2.2 * RATE, "%d samples in 2 s at %d Hz" % (b.n, RATE)
        check_split(b, LEAVES, "top_split.py")
        check_times(b, RATE)
        assert wait_gone(int(pid_file.read_text())), "the command outlived top --once"
    finally:
        kill_pid_file(pid_file)


@pytest.mark.statistical
def test_pipe_intervals(tmp_path):
    # -p: the blocks every second for 3 s; the target runs on after top.
    target = start_ready([PY.path, SPLIT])
    try:
        proc = subprocess.run([PYHAWK, "top", "-p", str(target.pid), "-d", "3", "-r", str(RATE)],
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
        blocks = parse_blocks(proc.stdout)
        assert 2 <= len(blocks) <= 4, proc.stdout
        ns = [b.n for b in blocks]
        assert ns == sorted(ns) and ns[0] < ns[-1], ns
        for b in blocks:
            assert str(target.pid) in b.target, b.target
            check_times(b, RATE)
        assert 300 <= blocks[-1].n <= 3.3 * RATE, "%d samples in 3 s at %d Hz" % (
            blocks[-1].n, RATE)
        for b in blocks[1:]:
            check_split(b, LEAVES, "top_split.py")
        assert target.poll() is None, "top -p ended its target"
    finally:
        target.kill()
        target.wait()


def test_pipe_several_pids_idle(tmp_path):
    # Two processes: a PID column, each function with its own process's
    # PID; --idle: the active share in the header.
    procs = [start_ready([PY.path, tagged_script(tmp_path, tag)]) for tag in ("topp_a", "topp_b")]
    try:
        proc = subprocess.run([PYHAWK, "top", "--once", "--idle", "-r", "200",
                               "-p", "%d,%d" % (procs[0].pid, procs[1].pid)],
                              capture_output=True, text=True, timeout=60)
    finally:
        for p in procs:
            p.kill()
            p.wait()
    assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
    blocks = parse_blocks(proc.stdout)
    assert len(blocks) == 1, proc.stdout
    b = blocks[0]
    assert "PID" in b.columns and b.active is not None, b
    assert all(r.pid in (procs[0].pid, procs[1].pid) for r in b.rows), b
    for tag, p in zip(("topp_a", "topp_b"), procs):
        for func in ("heavy_", "light_"):
            r = b.find(func + tag)
            assert r and r.pid == p.pid, (func + tag, p.pid, b)


def test_pipe_subprocesses(tmp_path):
    # -s: the command's child process is followed, its rows under its PID.
    pids = tmp_path / "pids"
    # One line: the header shows the command line as it is.
    parent = ("import os, subprocess, sys; "
              "p = subprocess.Popen([sys.executable, sys.argv[1], '6'], "
              "stdout=subprocess.DEVNULL); "
              "open(sys.argv[2], 'w').write('%d %d\\n' % (os.getpid(), p.pid)); p.wait()")
    try:
        proc = subprocess.run([PYHAWK, "top", "--once", "--interval", "3", "-s", "-r", str(RATE),
                               "--", PY.path, "-c", parent, tagged_script(tmp_path, "tops_kid"),
                               str(pids)], capture_output=True, text=True, timeout=60)
    finally:
        if pids.exists() and not is_gone(int(pids.read_text().split()[1])):
            os.kill(int(pids.read_text().split()[1]), 9)
    assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
    parent_pid, child_pid = (int(x) for x in pids.read_text().split())
    b = parse_blocks(proc.stdout)[0]
    assert "PID" in b.columns, b
    for func in ("heavy_tops_kid", "light_tops_kid"):
        r = b.find(func)
        assert r and r.pid == child_pid != parent_pid, "%s of PID %d (parent %d) not in:\n%s" % (
            func, child_pid, parent_pid, b)


@pytest.mark.statistical
def test_pipe_command_exit_status(tmp_path):
    # The command exits 3 after 1.5 s of CPU: top prints its last block at
    # once (not at the end of the 5 s interval) and exits 3.
    pid_file = tmp_path / "pid"
    top = subprocess.Popen([PYHAWK, "top", "--interval", "5", "-r", str(RATE), "--", PY.path, SPLIT,
                            "1.5", "3", str(pid_file)], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    try:
        end = time.monotonic() + 30
        while not (pid_file.exists() and pid_file.read_text().endswith("\n")):
            assert top.poll() is None and time.monotonic() < end, "the command did not start"
            time.sleep(0.02)
        while not is_gone(int(pid_file.read_text())):
            assert time.monotonic() < end, "the command did not exit"
            time.sleep(0.02)
        exited = time.monotonic()
        out, err = top.communicate(timeout=30)
        after = time.monotonic() - exited
    finally:
        top.kill()
        top.wait()
    assert top.returncode == 3, (top.returncode, err)
    assert after < 1.0, "top exited %.1f s after its command (interval 5 s)" % after
    # One block, or more where a loaded machine stretched 1.5 s of CPU
    # past the interval: the last one says how the command ended.
    blocks = parse_blocks(out)
    assert [b for b in blocks if "exited" in b.state] == blocks[-1:], out
    assert "exited with status 3" in blocks[-1].state, blocks[-1]
    check_split(blocks[-1], LEAVES, "top_split.py")
