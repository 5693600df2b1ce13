#!/usr/bin/env python3
"""bench.py: pyhawk's overhead benchmark (`make bench`). It measures, it does
not assert: the numbers go to the README with the date and the machine.

    python3 tools/bench.py [--quick] [--json FILE] [--python LABEL]
                           [--sections slowdown,austin,cost,threads]

Sections (workloads in tools/bench_workload.py):
  slowdown     the same CPU-bound single-thread workload alone, under pyhawk
               at 100 Hz, 1 kHz and 10 kHz, and alone while pyhawk samples
               another (idle) process with every CPU's events ("timer
               only": what the sampling interrupts cost by themselves;
               PYHAWK_PER_CPU=1, since a per-task capture of another
               process does not interrupt the workload); runs interleaved (A B C D A B
               C D ...). The workload times its own work, so profiler
               start-up is not counted. Medians, and the spread of the runs
               so the noise is visible.
  austin       the same rows under Debian's austin, when installed, on the
               newest interpreter it supports (with its own baseline and
               pyhawk rows there, so the two are side by side).
  cost         BPF time per sample (as --stats reports it) and pyhawk's own
               CPU (user + sys, from rusage) per 1000 samples, for Python
               stacks of 10 .. 4096 frames, by attaching (-p) to a process
               spinning at that depth.
  threads      the same total work over 1, 10, 100 and 500 threads, alone
               and under pyhawk at 1 kHz: slowdown and BPF time per sample,
               all-in and in steady state (threads already found).

Everything runs on one interpreter (pyenv 3.12 if present, else the newest
found; --python picks another), with a copy of ./pyhawk taken at start. The
full run takes ~7 minutes on 2 idle cores; --quick is a smoke test of every
section (~1 minute, numbers meaningless). Other load on the machine shows in
the header (CPU used by other processes) and in the baseline's spread.
Output is markdown, ready to paste; --json FILE writes the same data and
every run's raw numbers.
"""

import argparse
import collections
import ctypes
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
# The binary the benchmark runs: a copy of PYHAWK_BUILT made at start, so a
# rebuild during the run cannot mix two versions in one table.
PYHAWK = PYHAWK_BUILT
WORKLOAD = os.path.join(TOOLS, "bench_workload.py")
# The peer: Debian sid's austin 3.7 when tools/fetch-austin.sh has made it
# runnable here (bookworm's 1.0 stops at Python 3.10), else one on PATH.
AUSTIN_FETCHED = os.path.join(ROOT, ".cache", "austin", "bin", "austin")
AUSTIN = AUSTIN_FETCHED if os.access(AUSTIN_FETCHED, os.X_OK) else "austin"
sys.path.insert(0, TOOLS)

import pythons  # noqa: E402

PREFERRED = "pyenv-3.12"
RATES = (100, 1000, 10000)
SECTIONS = ("slowdown", "austin", "cost", "threads")


class Plan:
    """How much to run: the full benchmark or the --quick smoke test."""

    def __init__(self, quick):
        self.quick = quick
        self.rounds = 2 if quick else 7         # slowdown: runs per config
        self.austin_rounds = 1 if quick else 5  # austin comparison block
        self.scale = 0.2 if quick else 1.0      # of the ~2.5 s cpu workload
        self.cost_secs = 1 if quick else 4      # per -p capture
        self.thread_rounds = 1 if quick else 4
        self.thread_scale = 0.2 if quick else 0.8
        self.steady_secs = (0.5, 1) if quick else (3, 8)  # short, long -p captures
        self.depths = (10, 50, 1000, 4096)
        self.threads = (1, 10, 100, 500)


# ---------------------------------------------------------------- running

def become_subreaper():
    """Makes this process the reaper of its orphaned descendants, so a
    workload whose launcher (pyhawk, austin) exits without reaping it is
    reaped here, and its CPU counted in RUSAGE_CHILDREN every time."""
    libc = ctypes.CDLL(None, use_errno=True)
    PR_SET_CHILD_SUBREAPER = 36
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def reap(pid):
    """Waits for a workload its launcher left behind (now our child)."""
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass  # its launcher reaped it


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


STAT = re.compile(r"^  ([A-Z_]+)\s+(\d+)\s", re.M)
SUMMARY = re.compile(r"pyhawk: (\d+) samples from")


def parse_stats(stderr):
    """pyhawk --stats counters ('  NAME   123  text') as NAME -> int."""
    stats = {m.group(1): int(m.group(2)) for m in STAT.finditer(stderr)}
    if "SAMPLES" not in stats:
        m = SUMMARY.search(stderr)
        if m:
            stats["SAMPLES"] = int(m.group(1))
    return stats


def workload_result(stdout):
    """The JSON line bench_workload.py prints after its work."""
    for line in reversed(stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError("workload printed no result:\n" + stdout)


def check(proc, what):
    if proc.returncode != 0:
        raise RuntimeError("%s failed (exit %d):\n%s" % (what, proc.returncode,
                                                        proc.stderr[-3000:]))


def austin_interval_us(rate):
    return max(1, round(1e6 / rate))


class Runner:
    def __init__(self, tmp):
        self.tmp = tmp
        self.idle = None  # a sleeping Python process, for the timer-only rows

    def close(self):
        if self.idle:
            self.idle.kill()
            self.idle.wait()

    def idle_pid(self, py):
        if self.idle is None:
            self.idle = subprocess.Popen([py.path, "-c", "import time\nwhile True: time.sleep(1)"])
            time.sleep(0.3)
        return self.idle.pid

    def launch(self, py, args, profiler=None, rate=None):
        """Runs the workload alone or under a profiler (launched with --),
        or alone while pyhawk samples another, idle, process ("timer": the
        cost of the sampling interrupts themselves, with a BPF program that
        returns at once). Returns the workload's result plus, under a
        profiler: samples, pyhawk's counters, and `extra_cpu`: the CPU of
        everything run minus the workload's own (see summarize())."""
        out = os.path.join(self.tmp, "out.txt")
        target = [py.path, WORKLOAD] + [str(a) for a in args]
        timer = None
        if profiler is None:
            cmd = target
        elif profiler == "pyhawk":
            cmd = [PYHAWK, "record", "-f", "raw", "-o", out, "-r", str(rate), "--stats",
                   "--"] + target
        elif profiler == "austin":
            cmd = [AUSTIN, "-i", str(austin_interval_us(rate)), "-o", out] + target
        elif profiler == "timer":
            cmd = target
            # Every CPU's events: a per-task capture of another process
            # would not interrupt the workload at all (bench_targeted.py).
            timer = subprocess.Popen([PYHAWK, "record", "-p", str(self.idle_pid(py)),
                                      "-r", str(rate), "-f", "raw", "-o", out],
                                     stderr=subprocess.PIPE, text=True,
                                     env=dict(os.environ, PYHAWK_PER_CPU="1"))
            time.sleep(1.0)  # loaded and attached (it takes ~0.2 s)
            if timer.poll() is not None:
                raise RuntimeError("pyhawk -p failed:\n" + timer.stderr.read())
        else:
            raise ValueError(profiler)
        try:
            cpu0 = children_cpu()
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
            check(proc, " ".join(cmd))
            res = workload_result(proc.stdout)
            reap(res["pid"])
            cpu = children_cpu() - cpu0
        finally:
            if timer:
                timer.send_signal(signal.SIGINT)
                timer.communicate(timeout=60)
        res["extra_cpu"] = cpu - res["proc_cpu"]
        if profiler == "pyhawk":
            res["stats"] = parse_stats(proc.stderr)
            res["samples"] = res["stats"].get("SAMPLES", 0)
        elif profiler == "austin":
            with open(out, errors="replace") as f:
                res["samples"] = sum(1 for line in f if line.strip() and not line.startswith("#"))
        return res

    def attach_pid(self, pid, secs, rate):
        """pyhawk record -p pid for secs; returns its --stats counters."""
        out = os.path.join(self.tmp, "attach.txt")
        cmd = [PYHAWK, "record", "-p", str(pid), "-d", str(secs), "-r", str(rate), "--stats",
               "-f", "raw", "-o", out]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=secs + 300)
        check(proc, " ".join(cmd))
        return parse_stats(proc.stderr)

    def attach(self, py, args, secs, rate):
        """Starts a workload that prints "ready" when it is in shape, then
        profiles it with `pyhawk record -p PID -d secs`. pyhawk's own CPU is
        exact here: the target is not its child. Returns counters and CPU."""
        out = os.path.join(self.tmp, "attach.txt")
        target = subprocess.Popen([py.path, WORKLOAD] + [str(a) for a in args],
                                  stdout=subprocess.PIPE, text=True)
        try:
            if target.stdout.readline().strip() != "ready":
                raise RuntimeError("workload %s did not start" % args)
            cmd = [PYHAWK, "record", "-p", str(target.pid), "-d", str(secs), "-r", str(rate),
                   "--stats", "-f", "raw", "-o", out]
            cpu0 = children_cpu()
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=secs + 300)
            cpu = children_cpu() - cpu0
            check(proc, " ".join(cmd))
        finally:
            target.kill()
            target.wait()
        stats = parse_stats(proc.stderr)
        return {"stats": stats, "samples": stats.get("SAMPLES", 0), "prof_cpu": cpu}


# ---------------------------------------------------------------- numbers

def median(xs):
    return statistics.median(xs) if xs else float("nan")


def quartiles(xs):
    if len(xs) < 2:
        return xs[0], xs[0]
    q = statistics.quantiles(xs, n=4, method="inclusive")
    return q[0], q[2]


def pct(new, base):
    return (new / base - 1.0) * 100.0


def summarize(name, runs, base=None):
    """One table row from a config's runs (dicts from Runner.launch); base
    is the baseline's row."""
    wall = [r["wall"] for r in runs]
    cpu = [r["cpu"] for r in runs]
    q1, q3 = quartiles(wall)
    row = collections.OrderedDict(config=name, runs=len(runs), wall_median=median(wall),
                                  wall_q1=q1, wall_q3=q3, wall_min=min(wall), wall_max=max(wall),
                                  cpu_median=median(cpu),
                                  extra_cpu_median=median([r["extra_cpu"] for r in runs]))
    if base is not None:
        row["slowdown_wall_pct"] = pct(row["wall_median"], base["wall_median"])
        row["slowdown_cpu_pct"] = pct(row["cpu_median"], base["cpu_median"])
    if runs and "samples" in runs[0]:
        row["samples_median"] = median([r["samples"] for r in runs])
        # The profiler's CPU: all CPU of the run minus the workload's own
        # (rusage, up to its report), minus what the baseline has there too
        # (interpreter exit after the report).
        if base is not None:
            per_1k = [(r["extra_cpu"] - base["extra_cpu_median"]) / r["samples"] * 1e6
                      for r in runs if r["samples"]]
            row["prof_cpu_ms_per_1k"] = median(per_1k) if per_1k else None
    if runs and "stats" in runs[0]:
        ns = [r["stats"]["BPF_NS_PER_SAMPLE"] for r in runs if "BPF_NS_PER_SAMPLE" in r["stats"]]
        row["bpf_ns_per_sample"] = median(ns) if ns else None
        # BPF time as a share of the work's time: what the kernel side alone
        # takes from the target (it runs on the target's CPU, in its context).
        share = [r["stats"]["BPF_NS_PER_SAMPLE"] * r["samples"] / 1e9 / r["wall"] * 100
                 for r in runs if "BPF_NS_PER_SAMPLE" in r["stats"]]
        row["bpf_share_pct"] = median(share) if share else None
    row["raw"] = [{k: v for k, v in r.items() if k != "stats"} for r in runs]
    return row


# ---------------------------------------------------------------- sections

def interleaved(runner, py, configs, rounds, args, note):
    """Runs every config once per round, in order, `rounds` times (after one
    discarded warm-up run), and returns {config name: [results]}."""
    runner.launch(py, args)  # warm-up: page cache, .pyc files, CPU clocks
    results = collections.OrderedDict((c[0], []) for c in configs)
    for r in range(rounds):
        for name, profiler, rate in configs:
            results[name].append(runner.launch(py, args, profiler, rate))
        note("round %d/%d" % (r + 1, rounds))
    return results


def slowdown_rows(results):
    names = list(results)
    base = summarize(names[0], results[names[0]])
    return [base] + [summarize(n, results[n], base) for n in names[1:]]


def section_slowdown(runner, plan, py, note):
    configs = [("alone", None, None)] + [("pyhawk %s" % hz(r), "pyhawk", r) for r in RATES]
    configs += [("timer only %s" % hz(r), "timer", r) for r in RATES[1:]]
    res = interleaved(runner, py, configs, plan.rounds, ["cpu", plan.scale], note)
    return slowdown_rows(res)


def austin_version():
    if not shutil.which(AUSTIN):
        return None
    proc = subprocess.run([AUSTIN, "-V"], capture_output=True, text=True)
    m = re.search(r"\d+\.\d+(\.\d+)?", proc.stdout + proc.stderr)
    return m.group(0) if m else "unknown"


def austin_supports(py):
    """Whether austin samples this interpreter (Debian's 1.0 stops at 3.10)."""
    with tempfile.NamedTemporaryFile(suffix=".txt") as out:
        proc = subprocess.run([AUSTIN, "-i", "1000", "-o", out.name, py.path, "-c",
                               "import time\nt = time.time() + 0.3\nwhile time.time() < t: pass"],
                              capture_output=True, text=True, timeout=60)
        return proc.returncode == 0 and os.path.getsize(out.name) > 0


def section_austin(runner, plan, matrix, main_py, note):
    """Returns (interpreter, rows) or (None, reason)."""
    version = austin_version()
    if version is None:
        return None, "austin is not installed (`apt-get install -y austin`): no comparison"
    candidates = [main_py] + [p for p in reversed(matrix) if p != main_py]
    py = next((p for p in candidates if austin_supports(p)), None)
    if py is None:
        return None, "austin %s supports none of the interpreters present" % version
    configs = [("alone", None, None)]
    for r in RATES:
        configs += [("pyhawk %s" % hz(r), "pyhawk", r), ("austin %s" % hz(r), "austin", r)]
    res = interleaved(runner, py, configs, plan.austin_rounds, ["cpu", plan.scale], note)
    return py, slowdown_rows(res)


def section_cost(runner, plan, py, note):
    """BPF and user-space cost per sample by stack depth (and rate). pyhawk's
    CPU per sample is net of a 1 Hz capture of the same length (start-up,
    loading the BPF object, reading the target's ELF, writing the profile)."""
    fixed = median([runner.attach(py, ["deep", 50], plan.cost_secs, 1)["prof_cpu"]
                    for _ in range(3)])
    note("fixed cost: %.0f ms" % (fixed * 1000))
    cases = [(d, 1000) for d in plan.depths] + [(50, 100), (50, 10000)]
    rows = []
    for depth, rate in cases:
        res = runner.attach(py, ["deep", depth], plan.cost_secs, rate)
        st, n = res["stats"], res["samples"]
        rows.append(collections.OrderedDict(
            depth=depth, rate=rate, samples=n,
            frames_per_sample=st.get("FRAMES", 0) / n if n else None,
            truncated=st.get("TRUNCATED", 0),
            bpf_ns_per_sample=st.get("BPF_NS_PER_SAMPLE"),
            bpf_ns_per_run=st.get("BPF_NS_PER_RUN"),
            prof_cpu_s=res["prof_cpu"], fixed_cpu_s=fixed,
            prof_cpu_ms_per_1k=res["prof_cpu"] / n * 1e6 if n else None,
            net_cpu_ms_per_1k=(res["prof_cpu"] - fixed) / n * 1e6 if n else None))
        note("depth %d at %s" % (depth, hz(rate)))
    return rows


def section_threads(runner, plan, py, note):
    rows = []
    for n in plan.threads:
        args = ["threads", n, plan.thread_scale]
        configs = [("alone", None, None), ("pyhawk 1 kHz", "pyhawk", 1000)]
        res = interleaved(runner, py, configs, plan.thread_rounds, args, note)
        base, prof = slowdown_rows(res)
        searches = median([r["stats"].get("SEARCHES", 0) for r in res["pyhawk 1 kHz"]])
        steady, discovery, steady_searches = steady_state(runner, plan, py, n)
        rows.append(collections.OrderedDict(
            threads=n, alone_wall=base["wall_median"], alone_min=base["wall_min"],
            alone_max=base["wall_max"], pyhawk_wall=prof["wall_median"],
            slowdown_wall_pct=prof["slowdown_wall_pct"], slowdown_cpu_pct=prof["slowdown_cpu_pct"],
            samples=prof["samples_median"], searches=searches,
            bpf_ns_per_sample=prof["bpf_ns_per_sample"], bpf_share_pct=prof["bpf_share_pct"],
            steady_bpf_ns_per_sample=steady, one_time_bpf_ms=discovery,
            steady_searches=steady_searches,
            prof_cpu_ms_per_1k=prof["prof_cpu_ms_per_1k"], raw=[base["raw"], prof["raw"]]))
        note("%d threads" % n)
    return rows


def steady_state(runner, plan, py, n):
    """BPF time per sample once every thread's state is cached, and the
    one-time BPF time (finding each thread, describing each code object).
    Two captures of one running n-thread process, short and long, each by
    a fresh pyhawk (empty caches): both pay the one-time costs, so the
    difference is steady-state sampling. The short one is long enough for
    the GIL to have run every thread; the searches of both are returned so
    a reader can check they match."""
    caps = []
    target = subprocess.Popen([py.path, WORKLOAD, "spin-threads", str(n)],
                              stdout=subprocess.PIPE, text=True)
    try:
        if target.stdout.readline().strip() != "ready":
            raise RuntimeError("spin-threads %d did not start" % n)
        for secs in plan.steady_secs:
            st = runner.attach_pid(target.pid, secs, 1000)
            caps.append((st["BPF_NS_PER_SAMPLE"] * st["RUNS"], st["RUNS"], st.get("SEARCHES", 0)))
    finally:
        target.kill()
        target.wait()
    (t1, n1, k1), (t2, n2, k2) = caps
    if n2 <= n1:
        return None, None, (k1, k2)
    steady = (t2 - t1) / (n2 - n1)
    return steady, max(0.0, t1 - n1 * steady) / 1e6, (k1, k2)


# ---------------------------------------------------------------- machine

def hz(rate):
    return "%d kHz" % (rate // 1000) if rate >= 1000 else "%d Hz" % rate


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def cmd_output(cmd, cwd=None):
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=30)
        return proc.stdout.strip()
    except OSError:
        return ""


def busy_jiffies():
    """CPU time the whole machine spent busy, in seconds (from /proc/stat)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal
    busy = fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + fields[7]
    return busy / os.sysconf("SC_CLK_TCK")


def self_cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime + children_cpu()


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def machine(py, austin):
    return collections.OrderedDict(
        date=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        kernel=platform.release(),
        cpu="%s (%d CPUs)" % (cpu_model(), os.cpu_count()),
        interpreter="%s (%s, %s)" % (py.label, py.version, py.path),
        pyhawk=cmd_output([PYHAWK, "--version"]),
        git=cmd_output(["git", "describe", "--always", "--dirty"], cwd=ROOT),
        binary_mtime=datetime.datetime.fromtimestamp(
            os.path.getmtime(PYHAWK), datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        binary_sha256=sha256(PYHAWK)[:12],
        austin=austin or "not installed",
        load_at_start="%.2f %.2f %.2f" % os.getloadavg())


# ---------------------------------------------------------------- output

def fmt(v, spec="%.1f", none="–"):
    return none if v is None else spec % v


def signed(v):
    return "–" if v is None else "%+.2f %%" % v


def print_slowdown(rows, lines):
    base = rows[0]
    lines.append("| run | median wall s | IQR s | min – max s | slowdown (wall) | "
                 "slowdown (CPU) | samples | BPF µs/sample | BPF share | "
                 "pyhawk/austin CPU ms per 1k samples |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    row = "| %s | %.3f | %.3f – %.3f | %.3f – %.3f | %s | %s | %s | %s | %s | %s |"
    for r in rows:
        ns = r.get("bpf_ns_per_sample")
        lines.append(row % (
            r["config"], r["wall_median"], r["wall_q1"], r["wall_q3"], r["wall_min"], r["wall_max"],
            signed(r.get("slowdown_wall_pct")) if r is not base else "(baseline)",
            signed(r.get("slowdown_cpu_pct")) if r is not base else "(baseline)",
            fmt(r.get("samples_median"), "%d"), fmt(ns / 1000 if ns else None, "%.2f"),
            fmt(r.get("bpf_share_pct"), "%.2f %%"), fmt(r.get("prof_cpu_ms_per_1k"), "%.1f")))
    spread_iqr = (base["wall_q3"] - base["wall_q1"]) / base["wall_median"] * 100
    spread_all = (base["wall_max"] - base["wall_min"]) / base["wall_median"] * 100
    lines.append("")
    lines.append("Noise: the baseline's IQR is %.2f %% and its min–max range %.2f %% of its "
                 "median (%d runs); slowdowns smaller than that are not resolved."
                 % (spread_iqr, spread_all, base["runs"]))


def render_slowdown(data, m, L):
    L += ["## Target slowdown", "",
          "`bench_workload.py cpu`: one thread of pure-Python work that times itself "
          "(perf_counter; process_time for the CPU column), %d interleaved runs per row, medians. "
          "pyhawk launched with `--`, `--stats` on. *timer only*: the workload alone while pyhawk "
          "samples another, idle, process at that rate with every CPU's events "
          "(PYHAWK_PER_CPU=1): the cost of a sampling interrupt with a BPF program that returns "
          "at once (on a VM, timer interrupts are "
          "costly). *BPF share* = samples x BPF time per sample / wall time: the part of the "
          "slowdown spent in the BPF program, which runs on the target's CPU. Profiler CPU = CPU "
          "of profiler + target - the target's own (rusage), net of the baseline's; for pyhawk "
          "it includes its start-up (~50 ms, mostly loading the BPF object), which dominates at "
          "100 Hz."
          % data["slowdown"][0]["runs"], ""]
    print_slowdown(data["slowdown"], L)


def render_austin(data, m, L):
    L += ["## Versus austin", ""]
    if data["austin_python"] is None:
        L.append(data["austin_note"])
    else:
        L += ["Same workload and method on %s (the newest interpreter austin %s supports), "
              "%d interleaved runs per row. austin samples wall-clock time from another process "
              "(process_vm_readv); pyhawk samples on-CPU time in the kernel."
              % (data["austin_python"], m["austin"], data["austin"][0]["runs"]), ""]
        print_slowdown(data["austin"], L)


def render_cost(data, m, L):
    L += ["## Cost per sample by stack depth", "",
          "`bench_workload.py deep N` spins with N Python frames; `pyhawk record -p PID -d %d "
          "--stats`. BPF time per sample as --stats reports it (BPF_NS_PER_SAMPLE). pyhawk CPU "
          "is its rusage (user + sys) for the whole capture; *net* subtracts a 1 Hz capture of "
          "the same length (%.0f ms: start-up, BPF load, ELF reading, writing the profile)."
          % (data["cost_secs"], data["cost"][0]["fixed_cpu_s"] * 1000), ""]
    L += ["| frames | rate | samples | frames/sample | BPF µs/sample | BPF ns/frame | "
          "pyhawk CPU ms per 1k samples (net) |", "|---:|---:|---:|---:|---:|---:|---:|"]
    for r in data["cost"]:
        ns = r["bpf_ns_per_sample"]
        fps = r["frames_per_sample"]
        L.append("| %d | %s | %d | %s | %s | %s | %s (%s) |" % (
            r["depth"], hz(r["rate"]), r["samples"], fmt(fps, "%.0f"),
            fmt(ns / 1000 if ns else None, "%.2f"), fmt(ns / fps if ns and fps else None, "%.0f"),
            fmt(r["prof_cpu_ms_per_1k"], "%.1f"),
            # Below the fixed cost's run-to-run noise: say so, not "-3.0".
            "~0" if r["net_cpu_ms_per_1k"] is not None and r["net_cpu_ms_per_1k"] < 1
            else fmt(r["net_cpu_ms_per_1k"], "%.1f")))


def render_threads(data, m, L):
    L += ["## Overhead versus thread count", "",
          "`bench_workload.py threads N`: the same total work split over N busy Python threads "
          "(the GIL lets one run at a time), alone and under pyhawk at 1 kHz, %d interleaved "
          "runs each. *Thread searches*: thread-list walks to find a thread's state (one per "
          "new thread, each reading up to N thread states). *Steady*: BPF time per sample once "
          "all threads are known, from two captures (%g s and %g s, each by a fresh pyhawk) of "
          "one running `spin-threads N` process: the difference of their BPF times over the "
          "difference of their samples. *One-time*: the rest of the short capture's BPF time "
          "(finding each thread: the searches; describing each code object). The searches "
          "column gives the `--` run's, then the two captures' (equal when the short capture "
          "saw every thread)."
          % ((data["thread_rounds"],) + tuple(data["steady_secs"])), ""]
    L += ["| threads | alone wall s (min – max) | pyhawk wall s | slowdown (wall) | "
          "slowdown (CPU) | samples | thread searches | BPF µs/sample | BPF share | "
          "steady BPF µs/sample | one-time BPF ms | pyhawk CPU ms per 1k samples |",
          "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in data["threads"]:
        L.append("| %d | %.3f (%.3f – %.3f) | %.3f | %s | %s | %d | %d (-p: %d, %d) | %s | %s "
                 "| %s | %s | %s |" % (
            r["threads"], r["alone_wall"], r["alone_min"], r["alone_max"], r["pyhawk_wall"],
            signed(r["slowdown_wall_pct"]), signed(r["slowdown_cpu_pct"]), r["samples"],
            r["searches"], r["steady_searches"][0], r["steady_searches"][1],
            fmt(r["bpf_ns_per_sample"] / 1000 if r["bpf_ns_per_sample"] else None, "%.2f"),
            fmt(r["bpf_share_pct"], "%.2f %%"),
            fmt(r["steady_bpf_ns_per_sample"] / 1000 if r["steady_bpf_ns_per_sample"] else None,
                "%.2f"),
            fmt(r["one_time_bpf_ms"], "%.2f"), fmt(r["prof_cpu_ms_per_1k"], "%.1f")))
    t = {r["threads"]: r for r in data["threads"]}
    lo, hi = min(t), max(t)
    for key, what in (("bpf_ns_per_sample", "all-in (thread discovery included)"),
                      ("steady_bpf_ns_per_sample", "steady state")):
        if t[lo][key] and t[hi][key]:
            L += ["", "BPF time per sample at %d threads / at %d, %s: %.2fx." % (
                hi, lo, what, t[hi][key] / t[lo][key])]


def render(data):
    m = data["machine"]
    L = ["# pyhawk overhead benchmark%s" % (" (--quick: smoke test, numbers not meaningful)"
                                            if data["quick"] else ""), ""]
    L += ["- date: %s" % m["date"],
          "- kernel: %s" % m["kernel"],
          "- CPU: %s" % m["cpu"],
          "- interpreter: %s" % m["interpreter"],
          "- pyhawk: %s (git %s; binary built %s, sha256 %s)" % (
              m["pyhawk"], m["git"], m["binary_mtime"], m["binary_sha256"]),
          "- austin: %s" % m["austin"],
          "- load average at start: %s; CPU used by other processes during the run: %.2f of %d CPUs"
          % (m["load_at_start"], data["others_cpus"], os.cpu_count()),
          "- total time: %.0f s" % data["elapsed"], ""]
    for key, section in (("slowdown", render_slowdown), ("austin_python", render_austin),
                         ("cost", render_cost), ("threads", render_threads)):
        if key in data:
            section(data, m, L)
            L.append("")
    return "\n".join(L).rstrip("\n") + "\n"


def run_sections(data, runner, plan, matrix, py, note, sections):
    if "slowdown" in sections:
        note("slowdown on %s" % py.label)
        data["slowdown"] = section_slowdown(runner, plan, py, note)
    if "austin" in sections:
        note("austin comparison")
        apy, rows = section_austin(runner, plan, matrix, py, note)
        data["austin_python"] = "%s (%s)" % (apy.label, apy.version) if apy else None
        data["austin"], data["austin_note"] = (rows, None) if apy else (None, rows)
    if "cost" in sections:
        note("cost per sample by depth")
        data["cost_secs"] = plan.cost_secs
        data["cost"] = section_cost(runner, plan, py, note)
    if "threads" in sections:
        note("thread counts")
        data["thread_rounds"] = plan.thread_rounds
        data["steady_secs"] = plan.steady_secs
        data["threads"] = section_threads(runner, plan, py, note)


def main(argv):
    ap = argparse.ArgumentParser(description="pyhawk overhead benchmark")
    ap.add_argument("--quick", action="store_true", help="a smaller run, for smoke testing")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    ap.add_argument("--python", metavar="LABEL", help="interpreter label (tools/pythons.py)")
    ap.add_argument("--sections", metavar="LIST", default=",".join(SECTIONS),
                    help="comma-separated subset of: %s (default: all)" % ", ".join(SECTIONS))
    args = ap.parse_args(argv[1:])

    if not os.access(PYHAWK_BUILT, os.X_OK):
        print("bench: %s is not built: run make first" % PYHAWK_BUILT, file=sys.stderr)
        return 1
    if os.geteuid() != 0:
        print("bench: pyhawk needs root (or CAP_BPF + CAP_PERFMON): run as root", file=sys.stderr)
        return 1
    matrix = pythons.discover()
    if not matrix:
        print("bench: no Python interpreter found (tools/pythons.py)", file=sys.stderr)
        return 1
    label = args.python or PREFERRED
    py = pythons.by_label(label) or (None if args.python else matrix[-1])
    if py is None:
        print("bench: no interpreter %r; present: %s" % (label, ", ".join(p.label for p in matrix)),
              file=sys.stderr)
        return 1

    sections = [x for x in args.sections.split(",") if x]
    unknown = sorted(set(sections) - set(SECTIONS))
    if unknown:
        print("bench: unknown section(s) %s; known: %s" % (", ".join(unknown), ", ".join(SECTIONS)),
              file=sys.stderr)
        return 2
    plan = Plan(args.quick)
    become_subreaper()
    t0 = time.monotonic()

    def note(msg):
        print("bench: [%4.0f s] %s" % (time.monotonic() - t0, msg), file=sys.stderr, flush=True)

    global PYHAWK
    busy0, mine0 = busy_jiffies(), self_cpu()
    with tempfile.TemporaryDirectory(prefix="pyhawk-bench-") as tmp:
        PYHAWK = os.path.join(tmp, "pyhawk")
        shutil.copy2(PYHAWK_BUILT, PYHAWK)
        data = collections.OrderedDict(quick=plan.quick, machine=machine(py, austin_version()))
        runner = Runner(tmp)
        try:
            run_sections(data, runner, plan, matrix, py, note, sections)
        finally:
            runner.close()
    elapsed = time.monotonic() - t0
    data["elapsed"] = elapsed
    # Busy CPU time of the machine not spent by this benchmark: other work
    # competing for the 2 CPUs makes wall-clock numbers noisy.
    data["others_cpus"] = max(0.0, (busy_jiffies() - busy0) - (self_cpu() - mine0)) / elapsed

    text = render(data)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(data, f, indent=1)
            f.write("\n")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except KeyboardInterrupt:
        sys.exit(128 + signal.SIGINT)
