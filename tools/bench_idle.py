#!/usr/bin/env python3
"""bench_idle.py: the cost of `pyhawk record --idle` (the task iterator),
run by `make bench` after bench_system.py. It measures, it does not assert:
the numbers go to the README with the date and the machine.

    python3 tools/bench_idle.py [--quick] [--json FILE] [--python LABEL]

--idle samples every thread of the targets at the rate, running or not,
with a sleepable BPF task iterator that runs inside pyhawk's own read()
syscalls: pyhawk's process CPU time (user + sys) is the whole machine cost,
BPF and user space together, and none of it is the target's. Rows:
  walk     BPF time per thread walked by the iterator (--stats:
           BPF_NS_PER_WALK) for one thread 10 or 50 Python frames deep that
           sleeps 0.5 ms between short calls (off a CPU at most ticks, with
           a new stack each time, so it is walked at every tick; running
           threads are the perf_event sampler's), at 100 Hz and 1 kHz; the
           on-CPU sampler's BPF_NS_PER_SAMPLE at 1 kHz on `deep N` (the same
           stacks, spinning), for comparison.
  cpu      pyhawk's CPU in % of one core at 100 Hz on a process of 1, 100 and
           1000 threads asleep in time.sleep, and of 1000 threads that each
           wake every 100 ms for a few µs of work (a pool): steady state,
           from pyhawk's CPU (the sum of its threads' run time in
           /proc/PID/task/*/schedstat, ns) read at T1 and T2 after its start
           (start-up, BPF load and thread discovery are done by T1; a thread
           blocked for 32 ticks is parked: no longer visited). Start-up CPU:
           CPU at T1 minus T1 x the steady rate.
  target   slowdown of a CPU-bound workload (bench_workload.py cpu) under
           `record --` at 100 Hz, on-CPU sampling and --idle, against
           alone; interleaved runs, medians.

Each row is repeated (3 runs, 1 with --quick; target: 4) with a fresh pyhawk and
target; medians and min - max. Everything runs on one interpreter (pyenv
3.12 if present) with a copy of ./pyhawk taken at start. The full run takes
~3 minutes on 2 idle cores; --quick ~40 s (numbers meaningless).
"""

import collections
import glob
import os
import signal
import subprocess
import sys
import time

TOOLS = os.path.dirname(os.path.abspath(__file__))
WORKLOAD = os.path.join(TOOLS, "bench_workload.py")
sys.path.insert(0, TOOLS)

import bench  # noqa: E402
from bench import hz  # noqa: E402
from bench import parse_stats, workload_result  # noqa: E402
from bench_system import BenchRun, bench_setup, median, output, row, table  # noqa: E402


class Plan:
    """How much to run: the full benchmark or the --quick smoke test."""

    def __init__(self, quick):
        self.quick = quick
        self.rounds = 1 if quick else 3
        self.target_rounds = 1 if quick else 4
        self.depths = (10, 50)
        self.walk_secs = 1 if quick else 2
        self.walk_rates = (100, 1000)
        self.threads = (1, 100, 1000)
        self.pool = (1000, 100)            # threads, wake-up period in ms
        self.window = (1.5, 3) if quick else (2, 7)  # T1, T2: s after pyhawk's start
        self.target_scale = 0.2 if quick else 0.5


# ---------------------------------------------------------------- running

def start_workload(ctx, args):
    """Starts bench_workload.py ARGS and waits for its "ready"."""
    p = ctx.spawned.start([ctx.py.path, WORKLOAD] + [str(a) for a in args],
                          stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline().strip()
    if line != "ready":
        raise RuntimeError("workload %s did not start (printed %r)" % (args, line))
    return p


def pyhawk_args(ctx, extra):
    return [ctx.pyhawk, "record", "-f", "raw", "-o", os.path.join(ctx.tmp, "out.raw"),
            "--stats"] + extra


def finish(ctx, p, what):
    """Waits for pyhawk p (its stderr a pipe); returns its --stats."""
    try:
        _, err = p.communicate(timeout=120)
    finally:
        ctx.spawned.kill(p)  # a no-op once reaped
    if p.returncode != 0:
        raise RuntimeError("%s failed (exit %d):\n%s" % (what, p.returncode, err[-3000:]))
    return parse_stats(err)


def run_cpu_s(pid):
    """CPU time of every thread of pid so far, in s: the schedulers' run
    time (ns), not /proc/PID/stat's 10 ms ticks, which are too coarse for a
    few ms per second. Falls back to those ticks without schedstats."""
    paths = glob.glob("/proc/%d/task/*/schedstat" % pid)
    total = 0
    try:
        for path in paths:
            with open(path) as f:
                total += int(f.read().split()[0])
        if paths:
            return total / 1e9
    except OSError:
        pass
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- rows

def bench_walk(ctx):
    """Rows 1: BPF time per iterator walk of one thread off a CPU."""
    plan = ctx.plan
    configs = [("--idle", r) for r in plan.walk_rates] + [("on-CPU", 1000)]
    rows = []
    for depth in plan.depths:
        runs = collections.defaultdict(list)
        for i in range(plan.rounds):
            for mode, rate in configs:
                target = start_workload(ctx, ["deep-nap" if mode == "--idle" else "deep", depth])
                try:
                    extra = ["-p", str(target.pid), "-d", str(plan.walk_secs), "-r", str(rate)]
                    p = ctx.spawned.start(pyhawk_args(ctx, extra + (["--idle"] if mode == "--idle"
                                                                     else [])),
                                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                          text=True)
                    st = finish(ctx, p, "pyhawk record %s" % mode)
                finally:
                    ctx.spawned.kill(target)
                runs[(mode, rate)].append(st)
            ctx.note("walk, %d frames (run %d/%d)" % (depth, i + 1, plan.rounds))
        for mode, rate in configs:
            sts = runs[(mode, rate)]
            if mode == "--idle":
                walks = median([s.get("ITER_WALKS", 0) for s in sts])
                r = row("BPF time per thread walked by the iterator, 1 napping thread, %d frames, "
                        "--idle %s" % (depth, hz(rate)), "µs",
                        [s["BPF_NS_PER_WALK"] / 1e3 if "BPF_NS_PER_WALK" in s else None
                         for s in sts],
                        note="walks per tick: %.2f (1 = every tick)"
                        % (walks / (rate * plan.walk_secs)), spec="%.1f")
            else:
                r = row("  for comparison: BPF time per sample, on-CPU sampling %s, %d frames"
                        % (hz(rate), depth), "µs",
                        [s["BPF_NS_PER_SAMPLE"] / 1e3 if "BPF_NS_PER_SAMPLE" in s else None
                         for s in sts], spec="%.1f")
            r["raw"] = sts
            rows.append(r)
    return rows


def cpu_window(ctx, cmd, what):
    """Runs cmd, a pyhawk that stops by itself after T2 (-d: Spawned starts
    children with SIGINT blocked), stdout to /dev/null: its CPU at T1 and
    T2 after its start (run_cpu_s), the steady rate between them, start-up
    CPU, its --stats."""
    t1, t2 = ctx.plan.window
    p = ctx.spawned.start(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    t0 = time.monotonic()
    cpu = []
    for t in (t1, t2):
        time.sleep(max(0.0, t0 + t - time.monotonic()))
        if p.poll() is not None:
            break
        cpu.append(run_cpu_s(p.pid))
    st = finish(ctx, p, what)
    if len(cpu) < 2:
        raise RuntimeError("%s exited before T2" % what)
    steady = (cpu[1] - cpu[0]) / (t2 - t1)
    return {"cpu_t1": cpu[0], "cpu_t2": cpu[1], "steady_pct": steady * 100,
            "startup_s": cpu[0] - steady * t1, "stats": st}


def capture_window(ctx, args):
    """One `record --idle -r 100 -d T2+1` of a fresh `bench_workload.py
    ARGS`: cpu_window's figures."""
    target = start_workload(ctx, args)
    try:
        return cpu_window(ctx, pyhawk_args(ctx, ["-p", str(target.pid), "-r", "100", "--idle",
                                                 "-d", str(ctx.plan.window[1] + 1)]),
                          "pyhawk record --idle")
    finally:
        ctx.spawned.kill(target)


def bench_cpu(ctx):
    """Rows 2: pyhawk's CPU at 100 Hz --idle on sleeping threads, and on a
    pool that wakes."""
    plan = ctx.plan
    cases = [(n, None) for n in plan.threads] + [plan.pool]
    runs = collections.defaultdict(list)
    for i in range(plan.rounds):
        for n, wake in cases:
            args = ["sleep-threads", n] + ([wake] if wake else [])
            runs[(n, wake)].append(capture_window(ctx, args))
            c = runs[(n, wake)][-1]
            ctx.note("cpu, %d threads%s: %.2f %% steady, %.2f s start-up (run %d/%d)"
                     % (n, ", waking every %d ms" % wake if wake else "", c["steady_pct"],
                        c["startup_s"], i + 1, plan.rounds))
    t1, t2 = plan.window
    steady = {k: median([c["steady_pct"] for c in v]) for k, v in runs.items()}
    hi, lo = (max(plan.threads), None), (sorted(plan.threads)[-2], None)
    rows = []
    for n, wake in cases:
        cs = runs[(n, wake)]
        what = ("%d threads, each waking every %d ms" % (n, wake) if wake
                else "%d sleeping thread%s" % (n, "s" if n > 1 else ""))
        walks = median([c["stats"].get("ITER_WALKS", 0) for c in cs])
        repeats = median([c["stats"].get("REPEATS", 0) for c in cs])
        goal = within = None
        if (n, wake) == hi:
            goal, within = "< 2 %", lambda v: v < 2.0
        note = ("iterator over the whole capture (~%g s): %d walks, %d repeats (visits "
                "not walked again)" % (t2, walks, repeats))
        if (n, wake) == hi and steady[lo]:
            ratio = steady[hi] / steady[lo]
            note += "; %.2fx the %d-thread figure (goal ≤ 3x: %s)" % (
                ratio, lo[0], "yes" if ratio <= 3 else "**no**")
        r = row("pyhawk CPU, steady state (T%g–T%g s), --idle 100 Hz, %s" % (t1, t2, what),
                "% of a core", [c["steady_pct"] for c in cs], goal, within, note, spec="%.2f")
        r["raw"] = cs
        rows.append(r)
        if wake:
            continue  # its steady rate dwarfs start-up: not separable
        rows.append(row("  start-up CPU: CPU at T%g s - T%g x the steady rate" % (t1, t1), "s",
                        [c["startup_s"] if c["startup_s"] >= 0 else None for c in cs],
                        spec="%.2f"))
    return rows


def launch(ctx, extra):
    """bench_workload.py cpu alone (extra None) or under `pyhawk record
    EXTRA --`; its own result (wall and CPU of the work only)."""
    return run_workload(ctx, ["cpu", ctx.plan.target_scale], extra)[0]


def bench_target(ctx):
    """Rows 3: the target's slowdown under on-CPU sampling and --idle."""
    plan = ctx.plan
    configs = [("alone", None), ("on-CPU", ["-r", "100"]), ("--idle", ["-r", "100", "--idle"])]
    launch(ctx, None)  # warm-up: page cache, .pyc files
    runs = collections.defaultdict(list)
    for i in range(plan.target_rounds):
        for name, extra in configs:
            runs[name].append(launch(ctx, extra))
        ctx.note("target slowdown (run %d/%d)" % (i + 1, plan.target_rounds))
    base = median([r["wall"] for r in runs["alone"]])
    rows = [row("target's work alone (bench_workload.py cpu %g), wall" % plan.target_scale, "s",
                [r["wall"] for r in runs["alone"]], spec="%.3f",
                note="baseline; spread min – max = run-to-run noise")]
    for name, _ in configs[1:]:
        rows.append(row("  target slowdown under `record -r 100 %s--`"
                        % ("--idle " if name == "--idle" else ""), "% (wall)",
                        [(r["wall"] / base - 1) * 100 for r in runs[name]], spec="%+.2f",
                        note="%s sampling" % name))
    rows[0]["raw"] = runs
    return rows


# ---------------------------------------------------------------- output

def render(data):
    m = data["machine"]
    L = ["# pyhawk --idle (task iterator) benchmark%s" % (
        " (--quick: smoke test, numbers not meaningful)" if data["quick"] else ""), ""]
    L += ["- date: %s" % m["date"],
          "- kernel: %s" % m["kernel"],
          "- CPU: %s" % m["cpu"],
          "- interpreter: %s" % m["interpreter"],
          "- pyhawk: %s (git %s; binary built %s, sha256 %s)" % (
              m["pyhawk"], m["git"], m["binary_mtime"], m["binary_sha256"]),
          "- load average at start: %s; CPU used by other processes during the run: %.2f of %d "
          "CPUs" % (m["load_at_start"], data["others_cpus"], os.cpu_count()),
          "- runs per row: %d (target slowdown: %d); total time: %.0f s"
          % (data["rounds"], data["target_rounds"], data["elapsed"]), ""]
    L += table(data["rows"])
    L += ["",
          "Method: `pyhawk record --idle -p PID --stats -f raw` by a fresh pyhawk on a fresh "
          "`bench_workload.py` target per run. Walk: BPF_NS_PER_WALK of a `-d %d` capture of "
          "`deep-nap N` (`deep N` for on-CPU). CPU: pyhawk's threads' run time (/proc/PID/task/*/schedstat) at T1 and T2 "
          "after its start, `sleep-threads N [MS]` targets; the iterator's BPF runs in pyhawk's "
          "read() calls, so this is BPF and user space together, none of it the target's. "
          "Target: `record --` of `cpu`, which times its own work (start-up not counted), "
          "interleaved with runs alone." % data["walk_secs"]]
    return "\n".join(L) + "\n"


# ---------------------------------------------------------------- main

def run_workload(ctx, args, extra):
    """bench_workload.py ARGS on ctx.py, alone (extra None) or under
    `pyhawk record EXTRA --`: its own result (wall and CPU of the work
    only) and the stderr of the run (pyhawk's summary and --stats)."""
    target = [ctx.py.path, WORKLOAD] + [str(a) for a in args]
    cmd = target if extra is None else pyhawk_args(ctx, extra + ["--"]) + target
    p = ctx.spawned.start(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = p.communicate(timeout=300)
    finally:
        ctx.spawned.kill(p)
    if p.returncode != 0:
        raise RuntimeError("%s failed (exit %d):\n%s" % (" ".join(cmd), p.returncode, err[-3000:]))
    return workload_result(out), err


class Context:
    def __init__(self, plan, spawned, pyhawk, tmp, py, note):
        self.plan, self.spawned, self.pyhawk, self.tmp = plan, spawned, pyhawk, tmp
        self.py, self.note = py, note


def main(argv):
    setup = bench_setup(argv, "bench_idle", "pyhawk --idle (task iterator) benchmark",
                        "pyhawk needs root (or CAP_BPF + CAP_PERFMON)")
    if setup is None:
        return 1
    args, py = setup
    plan = Plan(args.quick)
    with BenchRun("bench_idle") as b:
        data = collections.OrderedDict(quick=plan.quick, rounds=plan.rounds,
                                       target_rounds=plan.target_rounds,
                                       walk_secs=plan.walk_secs,
                                       machine=bench.machine(py, None))
        ctx = Context(plan, b.spawned, b.pyhawk, b.tmp, py, b.note)
        data["rows"] = bench_walk(ctx) + bench_cpu(ctx) + bench_target(ctx)
    b.account(data)
    output(render(data), data, args.json)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except KeyboardInterrupt:
        sys.exit(128 + signal.SIGINT)
