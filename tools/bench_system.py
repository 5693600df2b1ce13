#!/usr/bin/env python3
"""bench_system.py: pyhawk's whole-host benchmark (`record --all`), run by
`make bench` after bench.py. It measures, it does not assert: the numbers go
to the README with the date and the machine.

    python3 tools/bench_system.py [--quick] [--json FILE] [--python LABEL]

Rows (each repeated 5 times, once with --quick; medians and min - max):
  first sample   time from pyhawk's start to its first sample (-v reports
                 it), with 1 busy Python alone, then with 100 idle Pythons
                 too: discovery of many processes must not delay sampling.
  cpu            pyhawk's own CPU (rusage) over a 10 s capture at 100 Hz with
                 200 idle Pythons and 1 busy one; steady state is net of a
                 1 s capture's (start-up, BPF load, discovery, output).
  bpf            BPF time per program run with a busy non-Python process
                 (`sh` spinning) as --stats reports it, and per sample of a
                 busy Python in the same kind of run, for comparison.
  churn          pyhawk's RSS (/proc/PID/status, every second) while short
                 Python processes of a few interpreters start 5 times a
                 second; how many of them the profile holds.

The idle and busy processes run the interpreter --python picks (pyenv 3.12
if present); the churn alternates a few of the matrix. Everything runs with
a copy of ./pyhawk taken at start. Everything started is in its own process
group and killed at the end, on errors and on Ctrl-C too. --all sees every
Python on the host, the benchmark's and others' (the header counts them).
The full run takes ~15 minutes (the churn row: 5 x 120 s); --quick ~1 min.
"""

import argparse
import collections
import datetime
import hashlib
import json
import os
import platform
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

TOOLS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TOOLS)
PYHAWK_BUILT = os.path.join(ROOT, "pyhawk")
sys.path.insert(0, TOOLS)

import pythons  # noqa: E402
from bench import busy_jiffies, cmd_output, cpu_model, fmt, self_cpu  # noqa: E402

PREFERRED = "pyenv-3.12"
IDLE_CODE = "import time; print('ready', flush=True); time.sleep(600)"
BUSY_CODE = ("def spin():\n    while True:\n        pass\n"
             "print('ready', flush=True)\nspin()")
CHURN_CODE = ("import time\n"
              "def churn_work(secs):\n"
              "    end = time.perf_counter() + secs\n"
              "    n = 0\n"
              "    while time.perf_counter() < end:\n"
              "        n += 1\n"
              "    return n\n"
              "churn_work(0.075)\n")
BUSY_SH = ["sh", "-c", "while :; do :; done"]
TERMINATING = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


class Plan:
    """How much to run: the full benchmark or the --quick smoke test."""

    def __init__(self, quick):
        self.quick = quick
        self.rounds = 1 if quick else 5
        self.first_idle = (0, 100)      # idle Pythons for the first-sample rows
        self.first_secs = 3
        self.cpu_idle = 200
        self.cpu_secs = (1, 5) if quick else (1, 10)  # short, long capture
        self.bpf_secs = 2 if quick else 5
        self.churn_secs = 20 if quick else 120
        self.churn_per_s = 5
        self.churn_pythons = 4          # interpreters the churn alternates


# ---------------------------------------------------------------- processes

class Spawned:
    """Every process the benchmark starts, each the leader of its own
    session (so of its own process group): killpg ends it and anything it
    started, and a Ctrl-C in the terminal reaches only this script, which
    then kills them in order (kill_all, from a finally)."""

    def __init__(self):
        self.live = {}  # pid -> Popen, not reaped yet

    def start(self, args, **kw):
        # Ctrl-C inside Popen would leave a started child unrecorded (and a
        # busy sh spinning for ever): hold the signals until it is recorded.
        held = signal.pthread_sigmask(signal.SIG_BLOCK, TERMINATING)
        try:
            p = subprocess.Popen(args, start_new_session=True, **kw)
            self.live[p.pid] = p
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        return p

    def reaped(self, p, returncode):
        """p was reaped by os.wait4 (not by Popen): record it."""
        p.returncode = returncode
        self.live.pop(p.pid, None)

    def poll(self, p):
        if p.poll() is not None:
            self.live.pop(p.pid, None)
            return True
        return False

    def kill(self, p):
        # Only while unreaped: the pid (the group's id) cannot have been reused.
        if p.returncode is None:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()
        for f in (p.stdin, p.stdout, p.stderr):
            if f:
                f.close()
        self.live.pop(p.pid, None)

    def kill_all(self):
        for p in list(self.live.values()):
            self.kill(p)


def start_ready(spawned, py, code, count):
    """Starts count Pythons running code (which prints 'ready'), all at
    once, then waits for each one's 'ready'. Returns their Popens."""
    procs = [spawned.start([py.path, "-c", code], stdout=subprocess.PIPE, text=True)
             for _ in range(count)]
    for p in procs:
        line = p.stdout.readline().strip()
        if line != "ready":
            raise RuntimeError("%s did not start (printed %r, exit %s)" % (py.path, line, p.poll()))
        p.stdout.close()
        p.stdout = None
    return procs


def start_busy_sh(spawned):
    p = spawned.start(BUSY_SH)
    time.sleep(0.2)  # spinning
    if p.poll() is not None:
        raise RuntimeError("%s exited at once" % " ".join(BUSY_SH))
    return p


class Capture:
    """One finished pyhawk run: exit code, wall time, CPU (user + sys from
    wait4's rusage: exact, pyhawk has no children in --all mode), peak RSS,
    its stderr and its output file."""

    def __init__(self, rc, wall, rusage, stderr, out):
        self.rc, self.wall, self.stderr, self.out = rc, wall, stderr, out
        self.cpu = rusage.ru_utime + rusage.ru_stime
        self.maxrss_kb = rusage.ru_maxrss


def run_pyhawk(spawned, pyhawk, tmp, args, secs, tick=None):
    """Runs `pyhawk record --all -d secs -f raw ARGS`, calling tick(pid,
    seconds since start) every ~50 ms while it runs; returns a Capture."""
    out = os.path.join(tmp, "out.raw")
    err_path = os.path.join(tmp, "stderr.txt")
    cmd = [pyhawk, "record", "--all", "-d", str(secs), "-f", "raw", "-o", out] + args
    with open(err_path, "w") as err:
        t0 = time.monotonic()
        p = spawned.start(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
    try:
        while True:
            pid, status, rusage = os.wait4(p.pid, os.WNOHANG)
            now = time.monotonic() - t0
            if pid:
                break
            if now > secs + 120:
                raise RuntimeError("%s did not finish in %d s" % (" ".join(cmd), secs + 120))
            if tick:
                tick(p.pid, now)
            time.sleep(0.05)
        spawned.reaped(p, os.waitstatus_to_exitcode(status))
    finally:
        spawned.kill(p)  # no-op once reaped
    with open(err_path, errors="replace") as f:
        stderr = f.read()
    if p.returncode != 0:
        raise RuntimeError("%s failed (exit %d):\n%s" % (" ".join(cmd), p.returncode,
                                                        stderr[-3000:]))
    return Capture(p.returncode, now, rusage, stderr, out)


# ---------------------------------------------------------------- parsing

STAT = re.compile(r"^  ([A-Z_]+)\s+(\d+)\s", re.M)
PROG_RUNS = re.compile(r"^  BPF_NS_PER_RUN\s+\d+\s+ns per program run \((\d+) runs", re.M)
SUMMARY = re.compile(r"pyhawk: (\d+) samples from (\d+) process")
FIRST = re.compile(r"pyhawk: first sample (\d+) ms after start \(process (\d+)\)")
FOUND = re.compile(r"^pyhawk: process (\d+): Python ", re.M)
ROOT_PID = re.compile(r"^process (\d+): ", re.M)


def parse_stats(stderr):
    """--stats counters ('  NAME   123  text') as NAME -> int, plus
    PROG_RUNS (all program runs, from the BPF_NS_PER_RUN line) and
    SAMPLES from the summary line."""
    stats = {m.group(1): int(m.group(2)) for m in STAT.finditer(stderr)}
    m = PROG_RUNS.search(stderr)
    if m:
        stats["PROG_RUNS"] = int(m.group(1))
    m = SUMMARY.search(stderr)
    if m:
        stats.setdefault("SAMPLES", int(m.group(1)))
    return stats


def summary_samples(stderr):
    m = SUMMARY.search(stderr)
    return int(m.group(1)) if m else 0


def profile_roots(path):
    """Distinct PIDs of the process roots in a raw profile."""
    with open(path, errors="replace") as f:
        return {int(m.group(1)) for m in ROOT_PID.finditer(f.read())}


def read_status(pid):
    """VmRSS and VmHWM of pid in kB (None when it is gone or a zombie)."""
    vals = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    vals[line[:5]] = int(line.split()[1])
    except OSError:
        return None, None
    return vals.get("VmRSS"), vals.get("VmHWM")


# ---------------------------------------------------------------- numbers

def median(xs):
    return statistics.median(xs) if xs else None


def stat(xs):
    """median, min, max of the values that are not None."""
    xs = [x for x in xs if x is not None]
    if not xs:
        return {"median": None, "min": None, "max": None, "n": 0}
    return {"median": median(xs), "min": min(xs), "max": max(xs), "n": len(xs)}


# ---------------------------------------------------------------- rows

def row(name, unit, values, goal=None, within=None, note="", spec="%.0f"):
    r = collections.OrderedDict(measure=name, unit=unit, spec=spec, goal=goal, note=note)
    r.update(stat(values))
    r["within_goal"] = within(r["median"]) if within and r["median"] is not None else None
    r["values"] = values
    return r


def bench_first_sample(ctx, pool, busy):
    """Rows 1: time to the first sample, with len(pool) idle Pythons."""
    plan, idle_pids = ctx.plan, {p.pid for p in pool}
    runs = []
    for i in range(plan.rounds):
        cap = run_pyhawk(ctx.spawned, ctx.pyhawk, ctx.tmp, ["-v"], plan.first_secs)
        m = FIRST.search(cap.stderr)
        found = {int(x) for x in FOUND.findall(cap.stderr)}
        pid = int(m.group(2)) if m else None
        runs.append({"ms": int(m.group(1)) if m else None, "pid": pid,
                     "from": ("busy" if pid == busy.pid else "idle" if pid in idle_pids
                              else "other" if pid else "none"),
                     "idle_found": len(found & idle_pids), "busy_found": busy.pid in found,
                     "python_found": len(found), "wall": cap.wall, "cpu": cap.cpu})
        ctx.note("first sample, %d idle: %s ms (run %d/%d)" % (len(pool), runs[-1]["ms"], i + 1,
                                                             plan.rounds))
    sources = collections.Counter(r["from"] for r in runs)
    found = stat([r["idle_found"] for r in runs])
    note = "first sample from: %s" % ", ".join("%s %d/%d" % (k, v, len(runs))
                                               for k, v in sorted(sources.items()))
    if pool:
        # --all classifies a process when it first runs: idle ones may never be.
        note += ("; idle Pythons classified during the capture (-v): median %d of %d"
                 % (found["median"], len(pool)))
        r = row("time to first sample, %d idle Pythons + 1 busy" % len(pool), "ms",
                [x["ms"] for x in runs], "≤ 1000 ms", lambda v: v <= 1000, note)
    else:
        r = row("time to first sample, 1 busy Python alone (baseline: BPF load dominates)", "ms",
                [x["ms"] for x in runs], None, None, note)
    r["raw"] = runs
    return r


def bench_cpu(ctx, pool, busy):
    """Rows 2: pyhawk's CPU with len(pool) idle Pythons and a busy one."""
    plan = ctx.plan
    short, long_ = plan.cpu_secs
    runs = []
    for i in range(plan.rounds):
        pair = {}
        for secs in (short, long_):
            cap = run_pyhawk(ctx.spawned, ctx.pyhawk, ctx.tmp, ["-r", "100"], secs)
            pair[secs] = {"secs": secs, "cpu": cap.cpu, "wall": cap.wall,
                          "samples": summary_samples(cap.stderr)}
        s, l = pair[short], pair[long_]
        runs.append({"short": s, "long": l,
                     "all_in_pct": l["cpu"] / l["wall"] * 100,
                     "steady_pct": (l["cpu"] - s["cpu"]) / (long_ - short) * 100})
        ctx.note("cpu, %d idle: %.1f ms in %d s, %.1f ms in %d s (run %d/%d)"
                 % (len(pool), s["cpu"] * 1e3, short, l["cpu"] * 1e3, long_, i + 1, plan.rounds))
    cond = "%d idle Pythons + 1 busy, 100 Hz" % len(pool)
    samples = stat([r["long"]["samples"] for r in runs])["median"]
    rows = [
        row("pyhawk CPU, steady state: (cpu(-d %d) - cpu(-d %d)) / %d s; %s"
            % (long_, short, long_ - short, cond), "% of a core",
            [r["steady_pct"] for r in runs], "≤ 1 %", lambda v: v <= 1.0,
            "-d %d run: median %d samples" % (long_, samples), spec="%.2f"),
        row("pyhawk CPU, all-in: cpu / wall of the -d %d run; %s" % (long_, cond),
            "% of a core", [r["all_in_pct"] for r in runs], None, None,
            "wall median %.2f s" % median([r["long"]["wall"] for r in runs]), spec="%.2f"),
        row("pyhawk CPU of the -d %d run (start-up, BPF load, discovery, exit); %s"
            % (short, cond), "ms", [r["short"]["cpu"] * 1e3 for r in runs], None, None,
            "wall median %.2f s" % median([r["short"]["wall"] for r in runs])),
    ]
    rows[0]["raw"] = runs
    return rows


def bench_bpf(ctx):
    """Rows 3: BPF time per run with a busy sh, per sample with a busy
    Python; interleaved, each with a fresh busy process."""
    plan = ctx.plan
    sh_runs, py_runs = [], []
    args = ["-r", "1000", "--stats"]
    for i in range(plan.rounds):
        for kind, runs in (("sh", sh_runs), ("python", py_runs)):
            busy = (start_busy_sh(ctx.spawned) if kind == "sh"
                    else start_ready(ctx.spawned, ctx.py, BUSY_CODE, 1)[0])
            try:
                cap = run_pyhawk(ctx.spawned, ctx.pyhawk, ctx.tmp, args, plan.bpf_secs)
            finally:
                ctx.spawned.kill(busy)
            st = parse_stats(cap.stderr)
            total, tracked = st.get("PROG_RUNS"), st.get("RUNS", 0)
            per_run, per_sample = st.get("BPF_NS_PER_RUN"), st.get("BPF_NS_PER_SAMPLE")
            # BPF time outside tracked processes, per such run: all BPF time
            # (the kernel's run_time_ns) minus the tracked runs' walk time
            # (measured inside the program, so a lower bound: an estimate).
            untracked = None
            if total and per_run is not None and total > tracked:
                untracked = (per_run * total - (per_sample or 0) * tracked) / (total - tracked)
            runs.append({"ns_per_run": per_run, "ns_per_sample": per_sample, "prog_runs": total,
                         "tracked_runs": tracked, "samples": st.get("SAMPLES"),
                         "untracked_ns_per_run": untracked, "cpu": cap.cpu})
        ctx.note("bpf: %s ns/run (sh), %s ns/sample (python) (run %d/%d)"
                 % (sh_runs[-1]["ns_per_run"], py_runs[-1]["ns_per_sample"], i + 1, plan.rounds))
    tracked = stat([r["tracked_runs"] for r in sh_runs])["median"]
    total = stat([r["prog_runs"] for r in sh_runs])["median"]
    rows = [
        row("BPF_NS_PER_RUN, busy `sh` loop (not Python), 1 kHz, -d %d" % plan.bpf_secs, "ns",
            [r["ns_per_run"] for r in sh_runs], "≤ 200 ns", lambda v: v <= 200,
            "averages every run: the sh's, idle CPUs', any other process's; median %d runs, "
            "%d of them on tracked (Python) processes" % (total or 0, tracked or 0)),
        row("  same runs, BPF ns per run outside tracked processes (estimate)", "ns",
            [r["untracked_ns_per_run"] for r in sh_runs], "≤ 200 ns", lambda v: v <= 200,
            "(all BPF time - tracked runs x BPF_NS_PER_SAMPLE) / untracked runs"),
        row("BPF_NS_PER_SAMPLE, busy Python instead (comparison), 1 kHz, -d %d" % plan.bpf_secs,
            "ns", [r["ns_per_sample"] for r in py_runs], None, None,
            "median %d samples; BPF_NS_PER_RUN of those runs: median %s ns"
            % (stat([r["samples"] for r in py_runs])["median"] or 0,
               fmt(stat([r["ns_per_run"] for r in py_runs])["median"], "%.0f"))),
    ]
    rows[0]["raw"] = {"sh": sh_runs, "python": py_runs}
    return rows


def bench_churn(ctx):
    """Rows 4: pyhawk's RSS over a churn of short-lived Pythons."""
    plan = ctx.plan
    runs = []
    for i in range(plan.rounds):
        started = {}  # pid -> label
        live = []
        rss = []      # (seconds since pyhawk's start, VmRSS kB, VmHWM kB)
        state = {"next_spawn": None, "next_rss": 1.0, "n": 0}

        def tick(pid, now):
            if state["next_spawn"] is None:
                state["next_spawn"] = now
            while now >= state["next_spawn"] and now < plan.churn_secs:
                py = ctx.churn[state["n"] % len(ctx.churn)]
                p = ctx.spawned.start([py.path, "-c", CHURN_CODE], stdin=subprocess.DEVNULL,
                                      stdout=subprocess.DEVNULL)
                started[p.pid] = py.label
                live.append(p)
                state["n"] += 1
                state["next_spawn"] += 1.0 / plan.churn_per_s
            live[:] = [p for p in live if not ctx.spawned.poll(p)]
            if now >= state["next_rss"]:
                vm, hwm = read_status(pid)
                if vm is not None:
                    rss.append((round(now, 2), vm, hwm))
                state["next_rss"] += 1.0

        try:
            cap = run_pyhawk(ctx.spawned, ctx.pyhawk, ctx.tmp, ["-r", "100"], plan.churn_secs,
                             tick)
        finally:
            for p in live:
                ctx.spawned.kill(p)
        roots = profile_roots(cap.out)
        captured = collections.Counter(started[p] for p in roots if p in started)
        per_label = collections.Counter(started.values())
        at10 = next((vm for t, vm, _ in rss if t >= 10), None)
        runs.append({"started": len(started), "roots": len(roots),
                     "roots_churn": sum(captured.values()),
                     "by_label": {k: [captured[k], per_label[k]] for k in per_label},
                     "rss_10s_kb": at10, "rss_end_kb": rss[-1][1] if rss else None,
                     "rss_max_kb": max(vm for _, vm, _ in rss) if rss else None,
                     "maxrss_kb": cap.maxrss_kb, "samples": summary_samples(cap.stderr),
                     "cpu": cap.cpu, "wall": cap.wall, "rss": rss})
        r = runs[-1]
        ctx.note("churn: %d started, %d in the profile, RSS %s -> %s kB (run %d/%d)"
                 % (r["started"], r["roots_churn"], r["rss_10s_kb"], r["rss_end_kb"], i + 1,
                    plan.rounds))
    mb = lambda key: [r[key] / 1024 if r[key] is not None else None for r in runs]  # noqa: E731
    cond = "churn of %d/s short Pythons (%s), 100 Hz, -d %d" % (
        plan.churn_per_s, ", ".join(p.label for p in ctx.churn), plan.churn_secs)
    last = runs[-1]
    by_label = ", ".join("%s %d/%d" % (k, v[0], v[1]) for k, v in sorted(last["by_label"].items()))
    rows = [
        row("pyhawk RSS at 10 s; %s" % cond, "MB", mb("rss_10s_kb"), spec="%.1f"),
        row("pyhawk RSS at the end (last 1 s sample)", "MB", mb("rss_end_kb"), spec="%.1f",
            note="growth from 10 s: median %+.1f MB" % median(
                [(r["rss_end_kb"] - r["rss_10s_kb"]) / 1024 for r in runs
                 if r["rss_end_kb"] is not None and r["rss_10s_kb"] is not None] or [0])),
        row("pyhawk RSS, max of the 1 s samples", "MB", mb("rss_max_kb"), spec="%.1f",
            note="peak RSS (rusage ru_maxrss, includes writing the profile): median %.1f MB"
            % median([r["maxrss_kb"] / 1024 for r in runs])),
        row("short Pythons started during the capture", "processes",
            [r["started"] for r in runs]),
        row("  of them, process roots in the profile", "processes", [r["roots_churn"] for r in runs],
            note="last run, captured/started by interpreter: %s; all roots in the profile "
            "(other Pythons on the host too): median %d"
            % (by_label, median([r["roots"] for r in runs]))),
    ]
    rows[0]["raw"] = runs
    return rows


# ---------------------------------------------------------------- machine

def other_pythons():
    """Python processes on the host not started by this benchmark (--all
    profiles them too): those whose executable is named python*."""
    n = 0
    for d in os.listdir("/proc"):
        if d.isdigit() and int(d) != os.getpid():
            try:
                if os.path.basename(os.readlink("/proc/%s/exe" % d)).startswith("python"):
                    n += 1
            except OSError:
                pass
    return n


def busy_seconds():
    """CPU time the whole machine spent busy (/proc/stat)."""
    with open("/proc/stat") as f:
        x = [int(v) for v in f.readline().split()[1:]]
    return (x[0] + x[1] + x[2] + x[5] + x[6] + x[7]) / os.sysconf("SC_CLK_TCK")


def own_seconds():
    """CPU of this script and of everything it started and reaped."""
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def machine(pyhawk, py, churn):
    with open(pyhawk, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:12]
    return collections.OrderedDict(
        date=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        kernel=platform.release(),
        cpu="%s (%d CPUs)" % (cpu_model(), os.cpu_count()),
        interpreter="%s (%s, %s)" % (py.label, py.version, py.path),
        churn_interpreters=", ".join("%s (%s)" % (p.label, p.version) for p in churn),
        pyhawk=cmd_output([pyhawk, "--version"], cwd=ROOT),
        git=cmd_output(["git", "describe", "--always", "--dirty"], cwd=ROOT),
        binary_mtime=datetime.datetime.fromtimestamp(
            os.path.getmtime(PYHAWK_BUILT), datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        binary_sha256=digest,
        load_at_start="%.2f %.2f %.2f" % os.getloadavg(),
        other_pythons_at_start=other_pythons())


def pick_churn(matrix, py, count):
    """A few interpreters spread over the matrix, the main one among them."""
    picks = [py]
    step = (len(matrix) - 1) / max(1, count - 1)
    for i in range(count):
        p = matrix[round(i * step)]
        if p not in picks and len(picks) < count:
            picks.append(p)
    return sorted(picks, key=lambda p: matrix.index(p))


# ---------------------------------------------------------------- output

def table(rows):
    """The markdown table of rows (from row()), as lines."""
    L = ["| measure | unit | median | min – max | goal | within goal | notes |",
         "|---|---|---:|---:|---|---|---|"]
    for r in rows:
        spec = r["spec"]
        within = {True: "yes", False: "**no**", None: ""}[r["within_goal"]]
        L.append("| %s | %s | %s | %s – %s | %s | %s | %s |" % (
            r["measure"], r["unit"], fmt(r["median"], spec), fmt(r["min"], spec),
            fmt(r["max"], spec), r["goal"] or "", within, r["note"]))
    return L


def output(text, data, json_path):
    """Prints the markdown; writes data to json_path too, when given."""
    print(text)
    if json_path:
        with open(json_path, "w") as f:
            json.dump(data, f, indent=1)
            f.write("\n")


def header(title, data, interpreter, extra=()):
    """A --all benchmark's title and the list of its machine (machine())
    and run (BenchRun.account()), as lines; extra lines after the
    interpreter's."""
    m = data["machine"]
    L = ["# %s%s" % (title, " (--quick: smoke test, numbers not meaningful)"
                     if data["quick"] else ""), ""]
    L += ["- date: %s" % m["date"],
          "- kernel: %s" % m["kernel"],
          "- CPU: %s" % m["cpu"],
          "- %s: %s" % (interpreter, m["interpreter"])] + list(extra)
    L += ["- pyhawk: %s (git %s; binary built %s, sha256 %s)" % (
              m["pyhawk"], m["git"], m["binary_mtime"], m["binary_sha256"]),
          "- load average at start: %s; other Python processes on the host at start: %d; "
          "CPU used by other processes during the run: %.2f of %d CPUs"
          % (m["load_at_start"], m["other_pythons_at_start"], data["others_cpus"],
             os.cpu_count()),
          "- runs per row: %d; total time: %.0f s" % (data["rounds"], data["elapsed"]), ""]
    return L


def render(data):
    L = header("pyhawk whole-host (--all) benchmark", data,
               "interpreter (idle and busy processes)",
               ["- churn interpreters: %s" % data["machine"]["churn_interpreters"]])
    L += table(data["rows"])
    L += ["",
          "Method: every capture is `pyhawk record --all -f raw` by a fresh pyhawk. First "
          "sample: `-d %d -v`, the latency pyhawk prints (from its own start, BPF load "
          "included). CPU: user + sys from wait4's rusage. BPF: `--stats` (BPF_NS_PER_RUN is "
          "the kernel's run_time_ns / run_cnt of the sampling program, on every CPU). RSS: "
          "VmRSS from /proc/PID/status once a second. Other load on the machine (line above "
          "the table) shows in the spread."
          % data["first_secs"]]
    return "\n".join(L) + "\n"


# ---------------------------------------------------------------- main

class Context:
    def __init__(self, plan, spawned, pyhawk, tmp, py, churn, note):
        self.plan, self.spawned, self.pyhawk, self.tmp = plan, spawned, pyhawk, tmp
        self.py, self.churn, self.note = py, churn, note


def run(ctx):
    rows = []
    plan = ctx.plan
    busy = start_ready(ctx.spawned, ctx.py, BUSY_CODE, 1)[0]
    pool = []
    for n in plan.first_idle:
        ctx.note("starting %d idle Pythons" % (n - len(pool)))
        pool += start_ready(ctx.spawned, ctx.py, IDLE_CODE, n - len(pool))
        rows.append(bench_first_sample(ctx, pool, busy))
    ctx.note("starting %d idle Pythons" % (plan.cpu_idle - len(pool)))
    pool += start_ready(ctx.spawned, ctx.py, IDLE_CODE, plan.cpu_idle - len(pool))
    rows += bench_cpu(ctx, pool, busy)
    for p in pool + [busy]:
        ctx.spawned.kill(p)
    rows += bench_bpf(ctx)
    rows += bench_churn(ctx)
    return rows


def on_term(signum, frame):
    raise SystemExit(128 + signum)  # so that the finally blocks kill everything


# ---------------------------------------------------------------- a run (every bench_*.py)

def bench_setup(argv, name, description, root_why):
    """The command line of every benchmark (--quick, --json FILE, --python
    LABEL), checked: pyhawk is built, this is root (root_why: what needs
    it), the interpreter: the one labelled, else pyenv 3.12, else the newest
    present. (args, interpreter), or None once stderr says what is wrong."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--quick", action="store_true", help="a smaller run, for smoke testing")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    ap.add_argument("--python", metavar="LABEL", help="interpreter label (tools/pythons.py)")
    args = ap.parse_args(argv[1:])
    if not os.access(PYHAWK_BUILT, os.X_OK):
        print("%s: %s is not built: run make first" % (name, PYHAWK_BUILT), file=sys.stderr)
        return None
    if os.geteuid() != 0:
        print("%s: %s: run as root" % (name, root_why), file=sys.stderr)
        return None
    matrix = pythons.discover()
    py = pythons.by_label(args.python or PREFERRED) or (
        None if args.python or not matrix else matrix[-1])
    if py is None:
        print("%s: no interpreter %r; present: %s" % (
            name, args.python or PREFERRED, ", ".join(p.label for p in matrix) or "none"),
            file=sys.stderr)
        return None
    return args, py

# ---------------------------------------------------------------- bench_probes' run frame

def preflight(name):
    """Whether ./pyhawk is built and may run; says why not on stderr."""
    if not os.access(PYHAWK_BUILT, os.X_OK):
        print("%s: %s is not built: run make first" % (name, PYHAWK_BUILT), file=sys.stderr)
        return False
    if os.geteuid() != 0:
        print("%s: pyhawk needs root: run as root" % name, file=sys.stderr)
        return False
    return True


def measure(name, data, body):
    """Runs body(spawned, pyhawk, tmp, note), which returns the rows, as
    every bench_* tool does: with a copy of ./pyhawk in a temporary
    directory (a rebuild during the run cannot mix two binaries in one
    table), every process started through spawned killed at the end (on
    errors, Ctrl-C and SIGTERM too), progress notes on stderr. Sets data's
    rows, elapsed and others_cpus: the CPUs other processes kept busy
    meanwhile (competing load makes the numbers noisy)."""
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, on_term)
    t0 = time.monotonic()

    def note(msg):
        print("%s: [%4.0f s] %s" % (name, time.monotonic() - t0, msg), file=sys.stderr,
              flush=True)

    busy0, own0 = busy_jiffies(), self_cpu()
    spawned = Spawned()
    with tempfile.TemporaryDirectory(prefix="pyhawk-%s-" % name.replace("_", "-")) as tmp:
        pyhawk = os.path.join(tmp, "pyhawk")
        shutil.copy2(PYHAWK_BUILT, pyhawk)
        try:
            data["rows"] = body(spawned, pyhawk, tmp, note)
        finally:
            spawned.kill_all()
    data["elapsed"] = time.monotonic() - t0
    data["others_cpus"] = max(0.0, (busy_jiffies() - busy0) - (self_cpu() - own0)) / \
        data["elapsed"]



class BenchRun:
    """What every benchmark run holds, as a context: its clock and its
    progress notes on stderr, the processes it starts (spawned: all killed
    on the way out, on SIGTERM and SIGHUP too), a temporary directory (tmp)
    with a copy of ./pyhawk (pyhawk: a rebuild during the run cannot mix two
    binaries in one table); account() then adds the run's wall time and the
    CPU other processes took meanwhile to its results."""

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        signal.signal(signal.SIGTERM, on_term)
        signal.signal(signal.SIGHUP, on_term)
        self.t0 = time.monotonic()
        self.busy0, self.own0 = busy_seconds(), own_seconds()
        self.spawned = Spawned()
        self._tmp = tempfile.TemporaryDirectory(prefix="pyhawk-%s-" % self.name.replace("_", "-"))
        self.tmp = self._tmp.name
        self.pyhawk = os.path.join(self.tmp, "pyhawk")
        shutil.copy2(PYHAWK_BUILT, self.pyhawk)
        return self

    def __exit__(self, *exc):
        try:
            self.spawned.kill_all()
        finally:
            self._tmp.cleanup()

    def note(self, msg):
        print("%s: [%4.0f s] %s" % (self.name, time.monotonic() - self.t0, msg),
              file=sys.stderr, flush=True)

    def account(self, data):
        data["elapsed"] = time.monotonic() - self.t0
        data["others_cpus"] = max(0.0, (busy_seconds() - self.busy0) -
                                  (own_seconds() - self.own0)) / data["elapsed"]


def main(argv):
    setup = bench_setup(argv, "bench_system", "pyhawk whole-host (--all) benchmark",
                        "pyhawk --all needs root")
    if setup is None:
        return 1
    args, py = setup
    plan = Plan(args.quick)
    churn = pick_churn(list(pythons.discover()), py, plan.churn_pythons)
    with BenchRun("bench_system") as b:
        data = collections.OrderedDict(quick=plan.quick, rounds=plan.rounds,
                                       first_secs=plan.first_secs,
                                       machine=machine(b.pyhawk, py, churn))
        data["rows"] = run(Context(plan, b.spawned, b.pyhawk, b.tmp, py, churn, b.note))
    b.account(data)
    output(render(data), data, args.json)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except KeyboardInterrupt:
        sys.exit(128 + signal.SIGINT)
